// The memory planner: from (model config, row length, rows per micro-batch, LoRA rank/targets,
// weight dtype) to the exact list of device buffers the trainer allocates, by category. The trainer
// allocates from this very list (by name), so the plan printed before a run and the memory the
// run really uses agree to the byte (up to the 16-byte rounding the context applies, applied here).
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

/** A layer's forward intermediates that its backward reads (per layer with keepActivations). */
const kLayerActivations = new Set([
  'ln1',
  'rstd1',
  'q',
  'k',
  'v',
  'qn',
  'kn',
  'rstdq',
  'rstdk',
  'qr',
  'kr',
  'att',
  'lse',
  'h',
  'ln2',
  'rstd2',
  'g',
  'u',
  'a',
]);

/** The buffer name of activation `name` (e.g. `act.q`, `act.lora_t.q_proj`) for layer `l`. */
export function layerActivation(name: string, l: number, keep: boolean): string {
  if (!keep || !name.startsWith('act.')) return name;
  const short = name.slice(4);
  return kLayerActivations.has(short) || short.startsWith('lora_t.') ? `${name}.${l}` : name;
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

export interface BufferSpec {
  name: string;
  bytes: number;
  category: MemoryCategory;
}

export interface MemoryPlan {
  input: PlanInput;
  buffers: BufferSpec[];
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
  const add = (name: string, bytes: number, category: MemoryCategory) =>
    buffers.push({ name, bytes: round16(bytes), category });
  const f32 = (n: number) => n * 4;

  // Frozen weights.
  for (const w of modelParams(cfg)) {
    const count = w.shape.reduce((a, b) => a * b, 1);
    add(w.name, isMatrixWeight(w.name) ? weightBytes(p.weightDtype, count) : f32(count), 'weights');
  }

  add('rope.inv_freq', f32(cfg.headDim / 2), 'weights');

  // LoRA parameters, gradients, optimizer state.
  let loraParams = 0;
  for (let l = 0; l < cfg.layers; l++) {
    for (const m of p.targets) {
      const [inF, outF] = linearShape(cfg, m);
      loraParams += R * (inF + outF);
      add(`lora.${l}.${m}.A`, f32(R * inF), 'lora');
      add(`lora.${l}.${m}.B`, f32(outF * R), 'lora');
      if (p.training) {
        add(`grad.${l}.${m}.A`, f32(R * inF), 'grads');
        add(`grad.${l}.${m}.B`, f32(outF * R), 'grads');
      }
    }
  }
  if (p.training) {
    add('lora.flat', f32(loraParams), 'lora');
    add('grad.flat', f32(loraParams), 'grads');
    add('adam.m', f32(loraParams), 'optimizer');
    add('adam.v', f32(loraParams), 'optimizer');
    add('adam.norm', f32(1024), 'optimizer');
  }

  // Token inputs and the step state (micro-batch seed, dropout on/off).
  add('step.state', 16, 'scratch');
  for (const name of ['ids', 'pos', 'starts', 'targets']) add(`in.${name}`, f32(N), 'activations');

  // Checkpointed residual stream: the input of every layer and the output of the last.
  const nResid = p.training ? cfg.layers + 1 : 2;
  for (let l = 0; l < nResid; l++) add(`resid.${l}`, f32(N * C), 'activations');

  // One layer's forward working set (recomputed per layer in backward), or every layer's.
  const keep = p.training && (p.keepActivations ?? false);
  const act = (name: string, n: number) => {
    const layered = layerActivation(`act.${name}`, 0, keep) !== `act.${name}`;
    for (let l = 0; l < (layered ? cfg.layers : 1); l++)
      add(layerActivation(`act.${name}`, l, keep), f32(n), 'activations');
  };
  act('ln1', N * C);
  act('rstd1', N);
  act('q', N * Q);
  act('k', N * KV);
  act('v', N * KV);
  if (cfg.qkNorm) {
    act('qn', N * Q);
    act('kn', N * KV);
    act('rstdq', N * cfg.heads);
    act('rstdk', N * cfg.kvHeads);
  }
  act('qr', N * Q);
  act('kr', N * KV);
  act('att', N * Q);
  act('lse', N * cfg.heads);
  act('attD', N * cfg.heads);
  act('h', N * C);
  act('ln2', N * C);
  act('rstd2', N);
  act('g', N * I);
  act('u', N * I);
  act('a', N * I);
  act('lnf', N * C);
  act('rstdf', N);
  for (const m of p.targets) act(`lora_t.${m}`, N * R);

  if (p.training) {
    // One layer's backward working set.
    act('dres', N * C);
    act('dln', N * C);
    act('datt', N * Q);
    act('dqr', N * Q);
    act('dkr', N * KV);
    act('dv', N * KV);
    act('dq', N * Q);
    act('dk', N * KV);
    if (cfg.qkNorm) {
      act('dqn', N * Q);
      act('dkn', N * KV);
    }
    act('dg', N * I);
    act('du', N * I);
    act('da', N * I);
    act('dt', N * R);
  }

  // Scratch.
  const maxIn = Math.max(C, Q, I);
  if (p.dropout && p.training) {
    add('scratch.xd', f32(N * maxIn), 'scratch');
    add('scratch.dxd', f32(N * maxIn), 'scratch');
  }
  // The fused cross-entropy: per-token losses, running [loss sum, count], and the scratch its
  // launcher allocates (per vocabulary split: max/sum per token, and the dHidden partials).
  add('scratch.tok_loss', f32(N), 'scratch');
  add('scratch.loss', f32(4), 'scratch');
  const S = ceSplits(N, cfg.vocab);
  add('ce.ml', f32(S * N * 2), 'scratch');
  add('ce.acc', p.training ? f32((S * N + 1) * C) : 16, 'scratch');
  if (!p.training) add('ce.no_dhidden', 16, 'scratch');
  const byCategory = Object.fromEntries(kMemoryCategories.map((c) => [c, 0])) as Record<
    MemoryCategory,
    number
  >;
  let total = 0;
  for (const b of buffers) {
    byCategory[b.category] += b.bytes;
    total += b.bytes;
  }
  return { input: p, buffers, byCategory, total, loraParams };
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
