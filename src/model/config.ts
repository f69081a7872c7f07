// Hugging Face `config.json` → a typed ModelConfig for the decoder families the engine supports:
// LlamaForCausalLM (Llama-3.x with `llama3` rope scaling, SmolLM2, TinyLlama), MistralForCausalLM,
// Qwen2ForCausalLM (q/k/v biases) and Qwen3ForCausalLM (per-head q_norm/k_norm, explicit
// head_dim). Defaults follow each family's `configuration_*.py` in transformers, so a config that
// leaves a field out means what it means to transformers. Also `ropeInvFreq`, the exact inverse
// frequencies HF uses (including `_compute_llama3_parameters`), so the engine and the references
// share one definition.

export type ModelFamily = 'llama' | 'mistral' | 'qwen2' | 'qwen3';

/** Element type of the checkpoint as `torch_dtype` names it. */
export type TorchDtype = 'float32' | 'float16' | 'bfloat16';

/** `rope_scaling` of Llama 3.1/3.2 (`rope_type: "llama3"`); null when RoPE is unscaled. */
export interface Llama3RopeScaling {
  type: 'llama3';
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  originalMaxPositions: number;
}

/** `rope_type: "linear"` (position interpolation): every inverse frequency divided by factor. */
export interface LinearRopeScaling {
  type: 'linear';
  factor: number;
}

export type RopeScaling = Llama3RopeScaling | LinearRopeScaling;

export interface ModelConfig {
  /** The `architectures[0]` string, e.g. "LlamaForCausalLM". */
  architecture: string;
  family: ModelFamily;
  /** C: hidden size. */
  hidden: number;
  /** Width of the SwiGLU MLP. */
  intermediate: number;
  /** L: decoder layers. */
  layers: number;
  /** NH: query heads. */
  heads: number;
  /** KV heads (GQA: heads % kvHeads == 0). */
  kvHeads: number;
  /** HS: per-head size; hidden / heads unless config.json says otherwise (Qwen3, Mistral-Nemo). */
  headDim: number;
  /** V: rows of embed_tokens / lm_head (may exceed the tokenizer's ids, e.g. Qwen's padding). */
  vocab: number;
  rmsEps: number;
  ropeTheta: number;
  ropeScaling: RopeScaling | null;
  tieEmbeddings: boolean;
  /** Bias on q_proj, k_proj, v_proj (Qwen2 always; Llama/Qwen3 with `attention_bias`). */
  qkvBias: boolean;
  /** Bias on o_proj (Llama/Qwen3 with `attention_bias`; never Qwen2). */
  oBias: boolean;
  /** Per-head RMSNorm on q and k before RoPE (Qwen3). */
  qkNorm: boolean;
  /** Sliding-window attention width, or null for full causal attention. */
  slidingWindow: number | null;
  maxPositions: number;
  torchDtype: TorchDtype;
  bosTokenId: number | null;
  /** All end-of-sequence ids (Llama 3.1 lists several). */
  eosTokenIds: number[];
}

export const kSupportedArchitectures = [
  'LlamaForCausalLM',
  'MistralForCausalLM',
  'Qwen2ForCausalLM',
  'Qwen3ForCausalLM',
] as const;

const kFamilyOf: Record<string, ModelFamily> = {
  LlamaForCausalLM: 'llama',
  MistralForCausalLM: 'mistral',
  Qwen2ForCausalLM: 'qwen2',
  Qwen3ForCausalLM: 'qwen3',
};
const kModelTypeOf: Record<ModelFamily, string> = {
  llama: 'llama',
  mistral: 'mistral',
  qwen2: 'qwen2',
  qwen3: 'qwen3',
};

export class UnsupportedArchitectureError extends Error {
  constructor(readonly architecture: string) {
    super(
      `Unsupported model architecture "${architecture}". SFT Studio supports ` +
        `${kSupportedArchitectures.join(', ')} (Llama 3.x, SmolLM2, TinyLlama, Mistral, ` +
        `Qwen2/2.5, Qwen3). Pick a model whose config.json lists one of these.`,
    );
    this.name = 'UnsupportedArchitectureError';
  }
}

/** A config.json that names a supported family but is malformed or uses an unsupported option. */
export class ModelConfigError extends Error {
  constructor(file: string, detail: string) {
    super(`${file}: ${detail}`);
    this.name = 'ModelConfigError';
  }
}

type Json = Record<string, unknown>;

/** Parse config.json text or its already-parsed object. `file` names it in error messages. */
export function parseModelConfig(json: string | Json, file = 'config.json'): ModelConfig {
  let raw: unknown = json;
  if (typeof json === 'string') {
    try {
      raw = JSON.parse(json);
    } catch (e) {
      throw new ModelConfigError(file, `not valid JSON (${(e as Error).message})`);
    }
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ModelConfigError(file, 'expected a JSON object');
  }
  const c = raw as Json;
  const family = familyOf(c);
  const err = (detail: string) => new ModelConfigError(file, detail);

  const int = (key: string, fallback?: number): number => {
    const v = c[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
      throw err(`"${key}" must be a positive integer, got ${JSON.stringify(c[key])}`);
    }
    return v;
  };
  const num = (key: string, fallback: number): number => {
    const v = c[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw err(`"${key}" must be a positive number, got ${JSON.stringify(c[key])}`);
    }
    return v;
  };
  const bool = (key: string, fallback: boolean): boolean => {
    const v = c[key] ?? fallback;
    if (typeof v !== 'boolean') throw err(`"${key}" must be true or false`);
    return v;
  };

  const hidden = int('hidden_size');
  const heads = int('num_attention_heads');
  const kvHeads = int('num_key_value_heads', heads);
  if (heads % kvHeads !== 0) {
    throw err(
      `num_attention_heads (${heads}) must be a multiple of num_key_value_heads (${kvHeads})`,
    );
  }
  const headDimRaw = c.head_dim;
  let headDim: number;
  if (headDimRaw === undefined || headDimRaw === null) {
    if (hidden % heads !== 0) {
      throw err(`hidden_size (${hidden}) is not divisible by num_attention_heads (${heads})`);
    }
    headDim = hidden / heads;
  } else {
    headDim = int('head_dim');
  }
  if (headDim % 2 !== 0) throw err(`head_dim (${headDim}) must be even for RoPE`);

  const act = c.hidden_act ?? 'silu';
  if (act !== 'silu') throw err(`hidden_act ${JSON.stringify(act)} is not supported (only "silu")`);
  if (c.mlp_bias === true) throw err('mlp_bias: true is not supported');

  const attentionBias = bool('attention_bias', false);
  const qkvBias = family === 'qwen2' ? true : attentionBias;
  const oBias = family === 'qwen2' ? false : attentionBias;

  const defaultMaxPos: Record<ModelFamily, number> = {
    llama: 2048,
    mistral: 4096 * 32,
    qwen2: 32768,
    qwen3: 32768,
  };

  const { theta, scaling } = parseRope(c, err);

  return {
    architecture: architectureOf(c) ?? `${family}(model_type)`,
    family,
    hidden,
    intermediate: int('intermediate_size'),
    layers: int('num_hidden_layers'),
    heads,
    kvHeads,
    headDim,
    vocab: int('vocab_size'),
    rmsEps: num('rms_norm_eps', 1e-6),
    ropeTheta: theta,
    ropeScaling: scaling,
    tieEmbeddings: bool('tie_word_embeddings', false),
    qkvBias,
    oBias,
    qkNorm: family === 'qwen3',
    slidingWindow: slidingWindowOf(c, family),
    maxPositions: int('max_position_embeddings', defaultMaxPos[family]),
    torchDtype: dtypeOf(c, err),
    bosTokenId: tokenId(c.bos_token_id, 'bos_token_id', err)[0] ?? null,
    eosTokenIds: tokenId(c.eos_token_id, 'eos_token_id', err),
  };
}

function architectureOf(c: Json): string | null {
  const archs = c.architectures;
  if (Array.isArray(archs) && typeof archs[0] === 'string') return archs[0];
  return null;
}

function familyOf(c: Json): ModelFamily {
  const arch = architectureOf(c);
  if (arch !== null) {
    const family = kFamilyOf[arch];
    if (!family) throw new UnsupportedArchitectureError(arch);
    return family;
  }
  // No `architectures`: fall back to model_type, as AutoModelForCausalLM does.
  const modelType =
    typeof c.model_type === 'string' ? c.model_type : '(no architectures or model_type)';
  const family = (Object.keys(kModelTypeOf) as ModelFamily[]).find(
    (f) => kModelTypeOf[f] === modelType,
  );
  if (!family) throw new UnsupportedArchitectureError(modelType);
  return family;
}

function dtypeOf(c: Json, err: (d: string) => Error): TorchDtype {
  const v = c.torch_dtype ?? c.dtype ?? 'float32';
  if (v === 'float32' || v === 'float16' || v === 'bfloat16') return v;
  throw err(`torch_dtype ${JSON.stringify(v)} is not supported (float32, float16, bfloat16)`);
}

function tokenId(v: unknown, key: string, err: (d: string) => Error): number[] {
  if (v === undefined || v === null) return [];
  const ids = Array.isArray(v) ? v : [v];
  for (const id of ids) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      throw err(`"${key}" must be a token id or a list of ids, got ${JSON.stringify(v)}`);
    }
  }
  return ids as number[];
}

function slidingWindowOf(c: Json, family: ModelFamily): number | null {
  const w = c.sliding_window;
  if (typeof w !== 'number' || w <= 0) return null;
  // Qwen2/Qwen3 only use it with use_sliding_window (false in every released checkpoint).
  if ((family === 'qwen2' || family === 'qwen3') && c.use_sliding_window !== true) return null;
  return w;
}

function parseRope(
  c: Json,
  err: (d: string) => Error,
): { theta: number; scaling: RopeScaling | null } {
  // transformers v5 moves both into `rope_parameters`; v4 has `rope_theta` + `rope_scaling`.
  const params = (c.rope_parameters ?? null) as Json | null;
  const thetaRaw = c.rope_theta ?? params?.rope_theta ?? 10000;
  if (typeof thetaRaw !== 'number' || !(thetaRaw > 0))
    throw err('"rope_theta" must be a positive number');
  const s = (c.rope_scaling ?? params ?? null) as Json | null;
  if (s === null) return { theta: thetaRaw, scaling: null };
  const type = s.rope_type ?? s.type ?? 'default';
  const pos = (key: string): number => {
    const v = s[key];
    if (typeof v !== 'number' || !(v > 0)) {
      throw err(
        `rope_scaling ${JSON.stringify(type)} needs a positive "${key}", got ${JSON.stringify(v)}`,
      );
    }
    return v;
  };
  if (type === 'default') return { theta: thetaRaw, scaling: null };
  if (type === 'linear')
    return { theta: thetaRaw, scaling: { type: 'linear', factor: pos('factor') } };
  if (type === 'llama3') {
    const scaling: Llama3RopeScaling = {
      type: 'llama3',
      factor: pos('factor'),
      lowFreqFactor: pos('low_freq_factor'),
      highFreqFactor: pos('high_freq_factor'),
      originalMaxPositions: pos('original_max_position_embeddings'),
    };
    if (scaling.highFreqFactor <= scaling.lowFreqFactor) {
      throw err('rope_scaling llama3 needs high_freq_factor > low_freq_factor');
    }
    return { theta: thetaRaw, scaling };
  }
  throw err(
    `rope_scaling type ${JSON.stringify(type)} is not supported (supported: default, linear, llama3)`,
  );
}

/**
 * RoPE inverse frequencies, headDim/2 of them, in float64: `1 / theta^(2i/HS)`, then HF's
 * `_compute_llama3_parameters` (or linear scaling). cos/sin for position p are cos(p·f), sin(p·f)
 * applied to both halves of the head (`rotate_half`).
 */
export function ropeInvFreq(
  cfg: Pick<ModelConfig, 'headDim' | 'ropeTheta' | 'ropeScaling'>,
): Float64Array {
  const half = cfg.headDim / 2;
  const inv = new Float64Array(half);
  for (let i = 0; i < half; i++) inv[i] = 1 / Math.pow(cfg.ropeTheta, (2 * i) / cfg.headDim);
  const s = cfg.ropeScaling;
  if (s === null) return inv;
  if (s.type === 'linear') return inv.map((f) => f / s.factor);
  const lowFreqWavelen = s.originalMaxPositions / s.lowFreqFactor;
  const highFreqWavelen = s.originalMaxPositions / s.highFreqFactor;
  return inv.map((f) => {
    const wavelen = (2 * Math.PI) / f;
    if (wavelen > lowFreqWavelen) return f / s.factor; // low frequency: fully interpolated
    if (wavelen < highFreqWavelen) return f; // high frequency: untouched
    const smooth =
      (s.originalMaxPositions / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
    return ((1 - smooth) * f) / s.factor + smooth * f;
  });
}
