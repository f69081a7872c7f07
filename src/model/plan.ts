// The memory planner: from (model config, row length, rows per micro-batch, LoRA rank/targets,
// weight dtype) to the exact list of device buffers the trainer allocates, by category. The engine
// allocates from this very list, through the same buffers as typed fields (`layout`, buffers.ts),
// so the plan printed before a run and the memory the run really uses agree to the byte (up to the
// 16-byte rounding the context applies, applied here).
//
// Layout of a step (N = rows·T tokens, C hidden, Q = NH·HS, KV = NKV·HS, I intermediate, R rank):
//   weights      frozen base weights in their file dtype (bf16/f16 packed two per u32), norms and
//                biases in f32
//   lora         A (R, in) and B (out, R) per targeted linear, plus one flat copy for the optimizer
//   grads        dA, dB per target, plus one flat copy for the global norm and AdamW
//   optimizer    AdamW m and v (flat), the grad-norm partial sums
//   activations  checkpoints: the residual stream entering each layer and leaving the last (L+1)·N·C;
//                one layer's recompute working set (forward intermediates and backward gradients,
//                reused by every layer); the token inputs. With `keepActivations` every layer has
//                its own forward intermediates (`act.<name>.<layer>`) and the backward recomputes
//                nothing: about a third fewer FLOPs per step for L times the working set.
//   scratch      the fused cross-entropy's split scratch, dropout scratch, loss outputs
import type { MemoryCategory } from '../gpu/memory.ts';
import { kMemoryCategories } from '../gpu/memory.ts';
import type { ModelConfig } from './config.ts';
import { linearShape, type LoraModule } from './lora.ts';
import { modelParams } from './params.ts';
import { crossentropySplits } from '../kernels/crossentropy.ts';
import type { BufferSet, BufferSpec, LayerActivations, LoraSiteBuffers } from './buffers.ts';

export type { BufferSpec } from './buffers.ts';

export type WeightDtype = 'f32' | 'bf16' | 'f16';

export interface PlanInput {
  config: ModelConfig;
  /** T: tokens per row. */
  seqLen: number;
  /** B: rows per micro-batch. */
  rows: number;
  r: number;
  targets: readonly LoraModule[];
  /** How frozen linear/embedding weights are stored on the device. */
  weightDtype: WeightDtype;
  /** LoRA dropout > 0 needs a scratch for the dropped input. */
  dropout: boolean;
  /** Plan training buffers (grads, optimizer, backward working set); false = inference only. */
  training: boolean;
  /** Training: keep every layer's forward intermediates instead of recomputing them per layer. */
  keepActivations?: boolean;
}

/**
 * Whether a training run keeps every layer's activations (no recompute): when that costs at most
 * `budget` bytes more than checkpointing (default 1 GiB; WebGPU does not report the GPU's memory,
 * so this is a fixed, modest allowance), e.g. SmolLM2-135M at 512 tokens (~0.5 GB) but not a 1B
 * model at 2048 tokens.
 */
export function chooseKeepActivations(p: PlanInput, budget = 2 ** 30): boolean {
  if (!p.training) return false;
  const extra =
    planMemory({ ...p, keepActivations: true }).total -
    planMemory({ ...p, keepActivations: false }).total;
  return extra <= budget;
}

export interface MemoryPlan {
  input: PlanInput;
  buffers: BufferSpec[];
  /** The same buffers (less the frozen weights and the cross-entropy launcher's own scratch) as
   * typed fields, for the engine to allocate and use by name-free access. */
  layout: BufferSet<BufferSpec>;
  byCategory: Record<MemoryCategory, number>;
  total: number;
  /** Trainable LoRA parameters. */
  loraParams: number;
}

const round16 = (n: number) => Math.max(16, Math.ceil(n / 16) * 16);

/** Device bytes of a frozen tensor with `count` elements. */
export function weightBytes(dtype: WeightDtype, count: number): number {
  return dtype === 'f32' ? count * 4 : Math.ceil(count / 2) * 4;
}

/** Whether a base weight is a matmul/embedding weight (kept in file dtype) or a small f32 vector. */
export function isMatrixWeight(name: string): boolean {
  return /(_proj|embed_tokens|lm_head)\.weight$/.test(name);
}

/** Vocabulary splits the fused cross-entropy launcher uses for N tokens (its scratch scales with it). */
export function ceSplits(N: number, V: number): number {
  return Math.ceil(V / Math.ceil(V / crossentropySplits(N, V)));
}

export function planMemory(p: PlanInput): MemoryPlan {
  const cfg = p.config;
  const N = p.rows * p.seqLen;
  const C = cfg.hidden;
  const Q = cfg.heads * cfg.headDim;
  const KV = cfg.kvHeads * cfg.headDim;
  const I = cfg.intermediate;
  const R = p.r;
  const buffers: BufferSpec[] = [];
  const add = (name: string, bytes: number, category: MemoryCategory): BufferSpec => {
    const b = { name, bytes: round16(bytes), category };
    buffers.push(b);
    return b;
  };
  const f32 = (n: number) => n * 4;

  // Frozen weights.
  for (const w of modelParams(cfg)) {
    const count = w.shape.reduce((a, b) => a * b, 1);
    add(w.name, isMatrixWeight(w.name) ? weightBytes(p.weightDtype, count) : f32(count), 'weights');
  }

  const invFreq = add('rope.inv_freq', f32(cfg.headDim / 2), 'weights');

  // LoRA parameters, gradients, optimizer state.
  let loraParams = 0;
  const lora: Partial<Record<LoraModule, LoraSiteBuffers<BufferSpec>>>[] = [];
  for (let l = 0; l < cfg.layers; l++) {
    const layer: Partial<Record<LoraModule, LoraSiteBuffers<BufferSpec>>> = {};
    for (const m of p.targets) {
      const [inF, outF] = linearShape(cfg, m);
      loraParams += R * (inF + outF);
      layer[m] = {
        A: add(`lora.${l}.${m}.A`, f32(R * inF), 'lora'),
        B: add(`lora.${l}.${m}.B`, f32(outF * R), 'lora'),
        dA: p.training ? add(`grad.${l}.${m}.A`, f32(R * inF), 'grads') : null,
        dB: p.training ? add(`grad.${l}.${m}.B`, f32(outF * R), 'grads') : null,
      };
    }
    lora.push(layer);
  }
  const optimizer = p.training
    ? {
        loraFlat: add('lora.flat', f32(loraParams), 'lora'),
        gradFlat: add('grad.flat', f32(loraParams), 'grads'),
        m: add('adam.m', f32(loraParams), 'optimizer'),
        v: add('adam.v', f32(loraParams), 'optimizer'),
        norm: add('adam.norm', f32(1024), 'optimizer'),
      }
    : null;

  // Token inputs and the step state (micro-batch seed, dropout on/off).
  const state = add('step.state', 16, 'scratch');
  const input = (name: string) => add(`in.${name}`, f32(N), 'activations');
  const inputs = {
    ids: input('ids'),
    pos: input('pos'),
    starts: input('starts'),
    targets: input('targets'),
  };

  // Checkpointed residual stream: the input of every layer and the output of the last.
  const nResid = p.training ? cfg.layers + 1 : 2;
  const resid = Array.from({ length: nResid }, (_, l) =>
    add(`resid.${l}`, f32(N * C), 'activations'),
  );

  // One layer's forward working set (recomputed per layer in backward), or every layer's
  // (`act.<name>.<layer>`): the intermediates the backward reads.
  const keep = p.training && (p.keepActivations ?? false);
  const L = cfg.layers;
  const one = (name: string, n: number) => add(`act.${name}`, f32(n), 'activations');
  const perLayer = (name: string, n: number): BufferSpec[] =>
    keep
      ? Array.from({ length: L }, (_, l) => add(`act.${name}.${l}`, f32(n), 'activations'))
      : Array<BufferSpec>(L).fill(one(name, n));
  const ln1 = perLayer('ln1', N * C);
  const rstd1 = perLayer('rstd1', N);
  const q = perLayer('q', N * Q);
  const k = perLayer('k', N * KV);
  const v = perLayer('v', N * KV);
  const qkNorm = cfg.qkNorm
    ? {
        qn: perLayer('qn', N * Q),
        kn: perLayer('kn', N * KV),
        rstdq: perLayer('rstdq', N * cfg.heads),
        rstdk: perLayer('rstdk', N * cfg.kvHeads),
      }
    : null;
  const qr = perLayer('qr', N * Q);
  const kr = perLayer('kr', N * KV);
  const att = perLayer('att', N * Q);
  const lse = perLayer('lse', N * cfg.heads);
  const attD = one('attD', N * cfg.heads);
  const h = perLayer('h', N * C);
  const ln2 = perLayer('ln2', N * C);
  const rstd2 = perLayer('rstd2', N);
  const g = perLayer('g', N * I);
  const u = perLayer('u', N * I);
  const a = perLayer('a', N * I);
  const lnf = one('lnf', N * C);
  const rstdf = one('rstdf', N);
  const loraT = p.targets.map((m) => [m, perLayer(`lora_t.${m}`, N * R)] as const);
  const layers = Array.from({ length: L }, (_, l): LayerActivations<BufferSpec> => ({
    ln1: ln1[l],
    rstd1: rstd1[l],
    q: q[l],
    k: k[l],
    v: v[l],
    qkNorm: qkNorm && {
      qn: qkNorm.qn[l],
      kn: qkNorm.kn[l],
      rstdq: qkNorm.rstdq[l],
      rstdk: qkNorm.rstdk[l],
    },
    qr: qr[l],
    kr: kr[l],
    att: att[l],
    lse: lse[l],
    h: h[l],
    ln2: ln2[l],
    rstd2: rstd2[l],
    g: g[l],
    u: u[l],
    a: a[l],
    loraT: Object.fromEntries(loraT.map(([m, t]) => [m, t[l]])),
  }));

  // One layer's backward working set.
  const grads = p.training
    ? {
        dres: one('dres', N * C),
        dln: one('dln', N * C),
        datt: one('datt', N * Q),
        dqr: one('dqr', N * Q),
        dkr: one('dkr', N * KV),
        dv: one('dv', N * KV),
        dq: one('dq', N * Q),
        dk: one('dk', N * KV),
        dqkn: cfg.qkNorm ? { dqn: one('dqn', N * Q), dkn: one('dkn', N * KV) } : null,
        dg: one('dg', N * I),
        du: one('du', N * I),
        da: one('da', N * I),
        dt: one('dt', N * R),
      }
    : null;

  // Scratch.
  const maxIn = Math.max(C, Q, I);
  const dropout = p.dropout && p.training;
  const xd = dropout ? add('scratch.xd', f32(N * maxIn), 'scratch') : null;
  const dxd = dropout ? add('scratch.dxd', f32(N * maxIn), 'scratch') : null;
  // The fused cross-entropy: per-token losses, running [loss sum, count], and the scratch its
  // launcher allocates (per vocabulary split: max/sum per token, and the dHidden partials).
  const tokLoss = add('scratch.tok_loss', f32(N), 'scratch');
  const loss = add('scratch.loss', f32(4), 'scratch');
  const S = ceSplits(N, cfg.vocab);
  add('ce.ml', f32(S * N * 2), 'scratch');
  add('ce.acc', p.training ? f32((S * N + 1) * C) : 16, 'scratch');
  if (!p.training) add('ce.no_dhidden', 16, 'scratch');
  const layout: BufferSet<BufferSpec> = {
    invFreq,
    lora,
    optimizer,
    state,
    inputs,
    resid,
    layers,
    attD,
    lnf,
    rstdf,
    grads,
    scratch: { xd, dxd, tokLoss, loss },
  };
  const byCategory = Object.fromEntries(kMemoryCategories.map((c) => [c, 0])) as Record<
    MemoryCategory,
    number
  >;
  let total = 0;
  for (const b of buffers) {
    byCategory[b.category] += b.bytes;
    total += b.bytes;
  }
  return { input: p, buffers, layout, byCategory, total, loraParams };
}

/** A readable table of a plan (MiB per category). */
export function formatPlan(plan: MemoryPlan, title: string): string {
  const mib = (b: number) => (b / 2 ** 20).toFixed(1).padStart(9);
  const lines = [`${title}`];
  for (const c of kMemoryCategories) lines.push(`  ${c.padEnd(12)}${mib(plan.byCategory[c])} MiB`);
  lines.push(`  ${'total'.padEnd(12)}${mib(plan.total)} MiB (${(plan.total / 1e9).toFixed(2)} GB)`);
  return lines.join('\n');
}

/** config.json shapes of the models the README's memory goals are stated for. */
export const kReferenceConfigs: Record<string, Record<string, unknown>> = {
  'Qwen2.5-0.5B': {
    architectures: ['Qwen2ForCausalLM'],
    hidden_size: 896,
    intermediate_size: 4864,
    num_hidden_layers: 24,
    num_attention_heads: 14,
    num_key_value_heads: 2,
    vocab_size: 151936,
    rms_norm_eps: 1e-6,
    rope_theta: 1000000,
    tie_word_embeddings: true,
    torch_dtype: 'bfloat16',
    max_position_embeddings: 32768,
  },
  'Llama-3.2-1B': {
    architectures: ['LlamaForCausalLM'],
    hidden_size: 2048,
    intermediate_size: 8192,
    num_hidden_layers: 16,
    num_attention_heads: 32,
    num_key_value_heads: 8,
    head_dim: 64,
    vocab_size: 128256,
    rms_norm_eps: 1e-5,
    rope_theta: 500000,
    rope_scaling: {
      factor: 32.0,
      high_freq_factor: 4.0,
      low_freq_factor: 1.0,
      original_max_position_embeddings: 8192,
      rope_type: 'llama3',
    },
    tie_word_embeddings: true,
    torch_dtype: 'bfloat16',
    max_position_embeddings: 131072,
  },
  'SmolLM2-135M': {
    architectures: ['LlamaForCausalLM'],
    hidden_size: 576,
    intermediate_size: 1536,
    num_hidden_layers: 30,
    num_attention_heads: 9,
    num_key_value_heads: 3,
    vocab_size: 49152,
    rms_norm_eps: 1e-5,
    rope_theta: 100000,
    tie_word_embeddings: true,
    torch_dtype: 'bfloat16',
    max_position_embeddings: 8192,
  },
};
