// One decoder layer, written once. The training forward (forward.ts), the 64-row prompt prefill
// and the one-token KV-cache decode (decode.ts) all build their layers here; they differ only in
// the attention op they pass (block-diagonal causal attention over the micro-batch, or attention
// over the KV cache) and in the buffers. backward.ts mirrors `layerForward` line for line in reverse.
//
//   ln1 = rmsnorm(x)                                 ln1, rstd1             (n, C)
//   q, k, v = linear(ln1)  (+ bias, + LoRA)          q, k, v
//   [qwen3] qn, kn = rmsnorm per head                qkNorm.qn, .kn
//   qr, kr = rope(q|qn, k|kn, pos)                   qr, kr
//   att = attention(qr, kr, v)                       att
//   h = x + linear_o(att)                            h
//   ln2 = rmsnorm(h)                                 ln2, rstd2
//   g, u = linear(ln2); a = silu(g)·u                g, u, a
//   out = h + linear_down(a)                         out
import type { GpuContext, Tensor } from '../gpu/context.ts';
import type { GpuOp } from '../gpu/op.ts';
import { scaleAdd } from '../kernels/residual.ts';
import { rmsnormForward } from '../kernels/rmsnorm.ts';
import { ropeForward } from '../kernels/rope.ts';
import { swigluForward } from '../kernels/swiglu.ts';
import type { LayerWork } from './buffers.ts';
import type { ModelConfig } from './config.ts';
import { linearForward, type LinearSpec, type LoraSite } from './layers/linear.ts';
import type { DeviceModel } from './layers/load.ts';
import { kLoraModules, linearShape, modulePath, type LoraModule } from './lora.ts';

/** Layer l's frozen weights: its norms (f32) and its linears with their LoRA sites. */
export interface LayerWeights {
  inputNorm: Tensor; // (C)
  postNorm: Tensor; // (C)
  /** Qwen3's per-head q/k norms (HS), null elsewhere. */
  qNorm: Tensor | null;
  kNorm: Tensor | null;
  linears: Record<LoraModule, LinearSpec>;
}

/** Attention from roped q, k and v into `out`: the one op the layer's users choose. */
export type LayerAttention = (a: {
  q: Tensor;
  k: Tensor;
  v: Tensor;
  out: Tensor;
}) => Promise<GpuOp>;

export interface LayerInput {
  /** Rows (tokens) the layer processes. */
  n: number;
  x: Tensor; // (n, C) the residual stream entering the layer
  out: Tensor; // (n, C) leaving it, =
  pos: Tensor; // (n) u32 positions
  invFreq: Tensor; // (HS/2)
  work: LayerWork;
  weights: LayerWeights;
  attention: LayerAttention;
}

export class MissingWeightError extends Error {
  constructor(name: string) {
    super(`model: no weight "${name}" on the device; the checkpoint does not match its config`);
    this.name = 'MissingWeightError';
  }
}

/** A frozen weight by its Hugging Face name. */
export function modelWeight(model: DeviceModel, name: string): Tensor {
  const t = model.weights.get(name);
  if (!t) throw new MissingWeightError(name);
  return t;
}

/** The weights of layer `l` for `n` rows, with their LoRA sites. */
export function layerWeights(
  model: DeviceModel,
  l: number,
  n: number,
  sites: Partial<Record<LoraModule, LoraSite>>,
): LayerWeights {
  const cfg = model.config;
  const p = `model.layers.${l}`;
  const weight = (name: string) => modelWeight(model, name);
  const linears = {} as Record<LoraModule, LinearSpec>;
  for (const m of kLoraModules) {
    const [inF, outF] = linearShape(cfg, m);
    const base = `${p}.${modulePath(m)}`;
    const biased =
      m === 'o_proj' ? cfg.oBias : ['q_proj', 'k_proj', 'v_proj'].includes(m) && cfg.qkvBias;
    linears[m] = {
      label: `l${l}.${m}`,
      n,
      inF,
      outF,
      w: weight(`${base}.weight`),
      wDtype: model.weightDtype,
      bias: biased ? weight(`${base}.bias`) : undefined,
      lora: sites[m],
    };
  }
  return {
    inputNorm: weight(`${p}.input_layernorm.weight`),
    postNorm: weight(`${p}.post_attention_layernorm.weight`),
    qNorm: cfg.qkNorm ? weight(`${p}.self_attn.q_norm.weight`) : null,
    kNorm: cfg.qkNorm ? weight(`${p}.self_attn.k_norm.weight`) : null,
    linears,
  };
}

/** Qwen3's per-head norm buffers and weights, or null for families without them. */
export function qkNormOf(cfg: ModelConfig, b: LayerWork, w: LayerWeights) {
  if (!cfg.qkNorm) return null;
  if (!b.qkNorm || !w.qNorm || !w.kNorm) {
    throw new Error('layer: q/k norm buffers or weights missing for a config with qk_norm');
  }
  return { ...b.qkNorm, qNorm: w.qNorm, kNorm: w.kNorm };
}

/** The layer's ops, in dispatch order. */
export async function layerForward(
  ctx: GpuContext,
  cfg: ModelConfig,
  io: LayerInput,
): Promise<GpuOp[]> {
  const { n, x, out, work: b, weights: w } = io;
  const C = cfg.hidden;
  const HS = cfg.headDim;
  const lin = w.linears;
  const ops: GpuOp[] = [];
  const push = (...o: (GpuOp | GpuOp[])[]) => ops.push(...o.flat());

  /** dst = rmsnorm(src) · weight over rows of `c`, saving rstd. */
  const norm = (src: Tensor, weight: Tensor, dst: Tensor, rstd: Tensor, rows: number, c: number) =>
    rmsnormForward(ctx, { x: src, weight, out: dst, rstd, rows, C: c, eps: cfg.rmsEps });

  push(await norm(x, w.inputNorm, b.ln1, b.rstd1, n, C));
  push(await linearForward(ctx, lin.q_proj, b.ln1, b.q));
  push(await linearForward(ctx, lin.k_proj, b.ln1, b.k));
  push(await linearForward(ctx, lin.v_proj, b.ln1, b.v));
  let q = b.q;
  let k = b.k;
  const qk = qkNormOf(cfg, b, w);
  if (qk) {
    push(await norm(q, qk.qNorm, qk.qn, qk.rstdq, n * cfg.heads, HS));
    push(await norm(k, qk.kNorm, qk.kn, qk.rstdk, n * cfg.kvHeads, HS));
    q = qk.qn;
    k = qk.kn;
  }
  const rope = { T: n, HS, pos: io.pos, invFreq: io.invFreq };
  push(await ropeForward(ctx, { ...rope, NH: cfg.heads, x: q, out: b.qr }));
  push(await ropeForward(ctx, { ...rope, NH: cfg.kvHeads, x: k, out: b.kr }));
  push(await io.attention({ q: b.qr, k: b.kr, v: b.v, out: b.att }));
  push(await linearForward(ctx, lin.o_proj, b.att, b.h));
  push(await scaleAdd(ctx, { x, y: b.h, n: n * C }));
  push(await norm(b.h, w.postNorm, b.ln2, b.rstd2, n, C));
  push(await linearForward(ctx, lin.gate_proj, b.ln2, b.g));
  push(await linearForward(ctx, lin.up_proj, b.ln2, b.u));
  push(await swigluForward(ctx, { gate: b.g, up: b.u, out: b.a, n: n * cfg.intermediate }));
  push(await linearForward(ctx, lin.down_proj, b.a, out));
  push(await scaleAdd(ctx, { x: b.h, y: out, n: n * C }));
  return ops;
}
