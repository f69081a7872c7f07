// The weights a ModelConfig implies, by their Hugging Face names and shapes, in one stable order
// (embeddings, then each layer front to back, then the final norm and lm_head), and the check of a
// checkpoint against that list: missing, unexpected and wrong-shaped tensors are reported together.
import type { ModelConfig } from './config.ts';

export interface ParamSpec {
  /** HF name, e.g. `model.layers.3.self_attn.q_proj.weight`. */
  name: string;
  /** Row-major shape as stored in safetensors (Linear weights are [out, in]). */
  shape: number[];
  /** Decoder layer index, or -1 for embeddings, final norm and lm_head. */
  layer: number;
}

/** The seven projections LoRA can target, as PEFT names them, with their module path. */
export const kLinearModules = [
  { name: 'q_proj', module: 'self_attn' },
  { name: 'k_proj', module: 'self_attn' },
  { name: 'v_proj', module: 'self_attn' },
  { name: 'o_proj', module: 'self_attn' },
  { name: 'gate_proj', module: 'mlp' },
  { name: 'up_proj', module: 'mlp' },
  { name: 'down_proj', module: 'mlp' },
] as const;

export type LinearName = (typeof kLinearModules)[number]['name'];

/** [out, in] of one decoder-layer projection. */
export function linearShape(
  cfg: Pick<ModelConfig, 'hidden' | 'heads' | 'kvHeads' | 'headDim' | 'intermediate'>,
  name: LinearName,
): [number, number] {
  const C = cfg.hidden;
  const q = cfg.heads * cfg.headDim;
  const kv = cfg.kvHeads * cfg.headDim;
  switch (name) {
    case 'q_proj':
      return [q, C];
    case 'k_proj':
    case 'v_proj':
      return [kv, C];
    case 'o_proj':
      return [C, q];
    case 'gate_proj':
    case 'up_proj':
      return [cfg.intermediate, C];
    case 'down_proj':
      return [C, cfg.intermediate];
  }
}

/** Every weight the model needs, in load order. */
export function modelParams(cfg: ModelConfig): ParamSpec[] {
  const C = cfg.hidden;
  const out: ParamSpec[] = [
    { name: 'model.embed_tokens.weight', shape: [cfg.vocab, C], layer: -1 },
  ];
  for (let i = 0; i < cfg.layers; i++) {
    const p = `model.layers.${i}`;
    const add = (name: string, shape: number[]) =>
      out.push({ name: `${p}.${name}`, shape, layer: i });
    add('input_layernorm.weight', [C]);
    for (const { name, module } of kLinearModules.slice(0, 4)) {
      const shape = linearShape(cfg, name);
      add(`${module}.${name}.weight`, shape);
      const biased = name === 'o_proj' ? cfg.oBias : cfg.qkvBias;
      if (biased) add(`${module}.${name}.bias`, [shape[0]]);
    }
    if (cfg.qkNorm) {
      add('self_attn.q_norm.weight', [cfg.headDim]);
      add('self_attn.k_norm.weight', [cfg.headDim]);
    }
    add('post_attention_layernorm.weight', [C]);
    for (const { name, module } of kLinearModules.slice(4)) {
      add(`${module}.${name}.weight`, linearShape(cfg, name));
    }
  }
  out.push({ name: 'model.norm.weight', shape: [C], layer: -1 });
  if (!cfg.tieEmbeddings) out.push({ name: 'lm_head.weight', shape: [cfg.vocab, C], layer: -1 });
  return out;
}

/** Number of scalars in the frozen base model. */
export function countParams(cfg: ModelConfig): number {
  return modelParams(cfg).reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
}

/**
 * Tensors a checkpoint may hold that the model does not use: old Llama exports carry RoPE
 * buffers, and some tied checkpoints still store lm_head.weight (transformers ties it over).
 */
function ignorable(name: string, cfg: ModelConfig): boolean {
  return name.endsWith('.rotary_emb.inv_freq') || (cfg.tieEmbeddings && name === 'lm_head.weight');
}

export class CheckpointMismatchError extends Error {
  constructor(
    readonly source: string,
    readonly missing: string[],
    readonly unexpected: string[],
    readonly wrongShape: { name: string; expected: number[]; got: number[] }[],
  ) {
    const list = (xs: string[]) =>
      xs.slice(0, 8).join(', ') + (xs.length > 8 ? `, … (${xs.length} in all)` : '');
    const parts: string[] = [];
    if (missing.length) parts.push(`missing ${missing.length} tensor(s): ${list(missing)}`);
    if (wrongShape.length) {
      parts.push(
        `wrong shape: ${list(wrongShape.map((w) => `${w.name} is [${w.got.join(', ')}], config.json implies [${w.expected.join(', ')}]`))}`,
      );
    }
    if (unexpected.length)
      parts.push(`unexpected ${unexpected.length} tensor(s): ${list(unexpected)}`);
    super(
      `The weights in ${source} do not match its config.json: ${parts.join('; ')}. ` +
        `Check that config.json and the safetensors files come from the same model.`,
    );
    this.name = 'CheckpointMismatchError';
  }
}

export interface CheckpointCheck {
  /** Tensors present in the files that the model ignores (see `ignorable`). */
  ignored: string[];
}

/**
 * Check tensor names and shapes against what `cfg` implies. Throws CheckpointMismatchError
 * listing every problem at once.
 */
export function validateCheckpoint(
  cfg: ModelConfig,
  tensors: ReadonlyMap<string, { shape: readonly number[] }>,
  source = 'the checkpoint',
): CheckpointCheck {
  const expected = modelParams(cfg);
  const want = new Set(expected.map((p) => p.name));
  const missing: string[] = [];
  const wrongShape: { name: string; expected: number[]; got: number[] }[] = [];
  for (const p of expected) {
    const t = tensors.get(p.name);
    if (!t) missing.push(p.name);
    else if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i])) {
      wrongShape.push({ name: p.name, expected: p.shape, got: [...t.shape] });
    }
  }
  const unexpected: string[] = [];
  const ignored: string[] = [];
  for (const name of tensors.keys()) {
    if (want.has(name)) continue;
    if (ignorable(name, cfg)) ignored.push(name);
    else unexpected.push(name);
  }
  if (missing.length || unexpected.length || wrongShape.length) {
    throw new CheckpointMismatchError(source, missing, unexpected, wrongShape);
  }
  return { ignored };
}
