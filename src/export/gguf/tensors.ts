// From Hugging Face weights to llama.cpp's tensors, as convert_hf_to_gguf.py writes them for our
// architectures (gguf-py/gguf/tensor_mapping.py and constants.py MODEL_TENSOR names):
// `llama` (Llama and Mistral; q/k rows permuted by LlamaModel.permute so that llama.cpp's RoPE,
// which rotates adjacent pairs, equals HF's rotate_half), `qwen2` and `qwen3` (not permuted).
// Also the type each tensor gets (1-D tensors and norms stay F32, as prepare_tensors does; Q8_0
// falls back to F16 for rows that are not a multiple of 32) and Llama 3's `rope_freqs.weight`
// (LlamaModel.generate_extra_tensors), the per-frequency divisors of `_compute_llama3_parameters`.
import type { ModelConfig, ModelFamily } from '../../model/config.ts';
import type { GgmlTypeName } from './constants.ts';

export type GgufArch = 'llama' | 'qwen2' | 'qwen3';

export const kArchOf: Record<ModelFamily, GgufArch> = {
  llama: 'llama',
  mistral: 'llama',
  qwen2: 'qwen2',
  qwen3: 'qwen3',
};

export class GgufTensorError extends Error {
  constructor(detail: string) {
    super(`GGUF export: ${detail}`);
    this.name = 'GgufTensorError';
  }
}

const kLayerNames: Record<string, string> = {
  'input_layernorm.weight': 'attn_norm.weight',
  'self_attn.q_proj.weight': 'attn_q.weight',
  'self_attn.q_proj.bias': 'attn_q.bias',
  'self_attn.k_proj.weight': 'attn_k.weight',
  'self_attn.k_proj.bias': 'attn_k.bias',
  'self_attn.v_proj.weight': 'attn_v.weight',
  'self_attn.v_proj.bias': 'attn_v.bias',
  'self_attn.o_proj.weight': 'attn_output.weight',
  'self_attn.o_proj.bias': 'attn_output.bias',
  'self_attn.q_norm.weight': 'attn_q_norm.weight',
  'self_attn.k_norm.weight': 'attn_k_norm.weight',
  'post_attention_layernorm.weight': 'ffn_norm.weight',
  'mlp.gate_proj.weight': 'ffn_gate.weight',
  'mlp.up_proj.weight': 'ffn_up.weight',
  'mlp.down_proj.weight': 'ffn_down.weight',
};

/** The GGUF name of an HF weight name. */
export function ggufName(hfName: string): string {
  if (hfName === 'model.embed_tokens.weight') return 'token_embd.weight';
  if (hfName === 'model.norm.weight') return 'output_norm.weight';
  if (hfName === 'lm_head.weight') return 'output.weight';
  const m = /^model\.layers\.(\d+)\.(.+)$/.exec(hfName);
  const rest = m ? kLayerNames[m[2]] : undefined;
  if (!m || rest === undefined) throw new GgufTensorError(`no GGUF name for tensor ${hfName}`);
  return `blk.${m[1]}.${rest}`;
}

/** How many heads LlamaModel.permute groups the rows of this tensor by, or 0 for none. */
export function permuteHeads(cfg: ModelConfig, hfName: string): number {
  if (kArchOf[cfg.family] !== 'llama') return 0;
  if (/\.self_attn\.q_proj\.(weight|bias)$/.test(hfName)) return cfg.heads;
  if (/\.self_attn\.k_proj\.(weight|bias)$/.test(hfName)) return cfg.kvHeads;
  return 0;
}

/**
 * LlamaModel.permute: rows grouped as [heads, 2, HS/2] become [heads, HS/2, 2]
 * (`reshape(n_head, 2, rows // n_head // 2, *rest).swapaxes(1, 2)`). `cols` is 1 for a bias.
 */
export function permuteRows(
  x: Float32Array,
  rows: number,
  cols: number,
  heads: number,
): Float32Array {
  const half = rows / heads / 2;
  const out = new Float32Array(x.length);
  for (let h = 0; h < heads; h++) {
    for (let two = 0; two < 2; two++) {
      for (let j = 0; j < half; j++) {
        const from = (h * 2 * half + two * half + j) * cols;
        const to = (h * 2 * half + j * 2 + two) * cols;
        out.set(x.subarray(from, from + cols), to);
      }
    }
  }
  return out;
}

/** The type a tensor is written in when the file's type is `t`. */
export function tensorType(t: GgmlTypeName, gname: string, shape: number[]): GgmlTypeName {
  if (shape.length <= 1 || gname.endsWith('_norm.weight')) return 'F32';
  if (t === 'Q8_0' && shape[shape.length - 1] % 32 !== 0) return 'F16';
  return t;
}

/** `rope_freqs.weight` for `llama3` rope scaling (null otherwise), computed in f32 as torch does. */
export function ropeFreqs(cfg: ModelConfig): Float32Array | null {
  const s = cfg.ropeScaling;
  if (s === null || s.type !== 'llama3') return null;
  const dim = cfg.headDim;
  const lowWavelen = s.originalMaxPositions / s.lowFreqFactor;
  const highWavelen = s.originalMaxPositions / s.highFreqFactor;
  const out = new Float32Array(dim / 2);
  for (let i = 0; i < dim / 2; i++) {
    const freq = Math.fround(1 / Math.fround(Math.pow(cfg.ropeTheta, Math.fround((2 * i) / dim))));
    const wavelen = Math.fround((2 * Math.PI) / freq);
    if (wavelen < highWavelen) out[i] = 1;
    else if (wavelen > lowWavelen) out[i] = s.factor;
    else {
      const smooth =
        (s.originalMaxPositions / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
      out[i] = 1 / ((1 - smooth) / s.factor + smooth);
    }
  }
  return out;
}
