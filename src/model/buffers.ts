// The engine's buffers as typed fields instead of names: the memory plan (plan.ts) builds this set
// with a BufferSpec at each leaf while it lists the buffers, and the engine maps every spec to the
// tensor it allocates for it (`mapBuffers`). A misspelt field is a compile error, not a run-time
// lookup failure, and the plan's buffer list stays the one source of what is allocated.
//
// Generic in the leaf type T: `BufferSet<BufferSpec>` is the plan's layout, `BufferSet<Tensor>`
// the engine's buffers.
import type { Tensor } from '../gpu/context.ts';
import type { MemoryCategory } from '../gpu/memory.ts';
import type { LoraModule } from './lora.ts';

export interface BufferSpec {
  name: string;
  bytes: number;
  category: MemoryCategory;
}

/** Qwen3's per-head q/k norms (null for families without them). */
export interface QkNormBuffers<T = Tensor> {
  qn: T; // (N, NH, HS)
  kn: T; // (N, NKV, HS)
  rstdq: T; // (N, NH)
  rstdk: T; // (N, NKV)
}

/** One decoder layer's forward intermediates, as the layer description (layer.ts) writes them. */
export interface LayerWork<T = Tensor> {
  ln1: T; // (N, C)
  rstd1: T; // (N)
  q: T; // (N, Q)
  k: T; // (N, KV)
  v: T; // (N, KV)
  qkNorm: QkNormBuffers<T> | null;
  qr: T; // (N, Q)
  kr: T; // (N, KV)
  att: T; // (N, Q)
  h: T; // (N, C)
  ln2: T; // (N, C)
  rstd2: T; // (N)
  g: T; // (N, I)
  u: T; // (N, I)
  a: T; // (N, I)
}

/** A training layer's activations that its backward reads: the layer's work, the attention's
 * log-sum-exp and LoRA's saved `t = drop(x)·Aᵀ` per target. */
export interface LayerActivations<T = Tensor> extends LayerWork<T> {
  lse: T; // (N, NH)
  loraT: Partial<Record<LoraModule, T>>; // (N, R) each
}

/** One layer's backward working set (shared by every layer). */
export interface ActivationGrads<T = Tensor> {
  dres: T; // (N, C) dL/d(residual stream), += per layer
  dln: T; // (N, C)
  datt: T; // (N, Q)
  dqr: T; // (N, Q)
  dkr: T; // (N, KV)
  dv: T; // (N, KV)
  dq: T; // (N, Q)
  dk: T; // (N, KV)
  /** Qwen3: gradients of the per-head-normed q and k. */
  dqkn: { dqn: T; dkn: T } | null;
  dg: T; // (N, I)
  du: T; // (N, I)
  da: T; // (N, I)
  dt: T; // (N, R)
}

export interface LoraSiteBuffers<T = Tensor> {
  A: T; // (R, in)
  B: T; // (out, R)
  dA: T | null;
  dB: T | null;
}

export interface BufferSet<T = Tensor> {
  invFreq: T; // (HS/2) RoPE inverse frequencies
  /** Per layer, per targeted module. */
  lora: Partial<Record<LoraModule, LoraSiteBuffers<T>>>[];
  /** Training: the flat copies the optimizer works on. */
  optimizer: { loraFlat: T; gradFlat: T; m: T; v: T; norm: T } | null;
  /** [micro-batch seed, dropout on, 0, 0] u32. */
  state: T;
  inputs: { ids: T; pos: T; starts: T; targets: T }; // (N) each
  /** The residual stream entering each layer and leaving the last (inference: two, ping-pong). */
  resid: T[];
  /** Per layer: its own activations with keepActivations, else the same object for every layer. */
  layers: LayerActivations<T>[];
  /** The attention backward's rowsum(dout ∘ out) scratch (N, NH). */
  attD: T;
  lnf: T; // (N, C)
  rstdf: T; // (N)
  grads: ActivationGrads<T> | null;
  scratch: {
    /** LoRA dropout: drop(x) and drop'(dt·A), (N, max(C, Q, I)) each. */
    xd: T | null;
    dxd: T | null;
    tokLoss: T; // (N) per-token loss
    loss: T; // [loss sum, count, ...] running totals
  };
}

function isSpec(x: unknown): x is BufferSpec {
  return typeof x === 'object' && x !== null && 'bytes' in x && 'category' in x && 'name' in x;
}

/** Every spec in the set, once (shared layer objects are visited once). */
export function bufferSpecs(set: BufferSet<BufferSpec>): Set<BufferSpec> {
  const out = new Set<BufferSpec>();
  const walk = (x: unknown) => {
    if (isSpec(x)) out.add(x);
    else if (typeof x === 'object' && x !== null) Object.values(x).forEach(walk);
  };
  walk(set);
  return out;
}

/** The same set with each spec replaced by `f(spec)`; shared objects stay shared. */
export function mapBuffers<B>(set: BufferSet<BufferSpec>, f: (s: BufferSpec) => B): BufferSet<B> {
  const seen = new Map<object, unknown>();
  const walk = (x: unknown): unknown => {
    if (isSpec(x)) return f(x);
    if (typeof x !== 'object' || x === null) return x;
    const done = seen.get(x);
    if (done) return done;
    const out: Record<string, unknown> | unknown[] = Array.isArray(x) ? [] : {};
    seen.set(x, out);
    for (const [k, v] of Object.entries(x)) (out as Record<string, unknown>)[k] = walk(v);
    return out;
  };
  return walk(set) as BufferSet<B>;
}
