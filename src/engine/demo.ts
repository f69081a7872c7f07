// The offline demo model: a tiny Mistral-shaped model with seeded random weights, built in memory
// so that everything (train, try, export) can be tried with no download. Its tokenizer (Llama 2's
// 32k SentencePiece vocabulary) is handed in by the host: the studio serves it from public/demo/.
import { parseModelConfig, type ModelConfig } from '../model/config.ts';
import { modelParams } from '../model/params.ts';
import { encodeSafetensors, fromFloat32, type TensorToWrite } from '../model/safetensors.ts';
import { blobSource, type ModelSource } from '../model/source.ts';

export const kDemoName = 'sft-studio/tiny-demo (random weights)';
export const kDemoTokenizerName = 'Llama 2 tokenizer (32k)';

/** config.json of the demo model: Mistral layout, tiny shapes, the Llama 2 tokenizer's vocab. */
export const kDemoConfig = {
  architectures: ['MistralForCausalLM'],
  model_type: 'mistral',
  hidden_size: 128,
  intermediate_size: 256,
  num_hidden_layers: 4,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  hidden_act: 'silu',
  vocab_size: 32000,
  max_position_embeddings: 4096,
  rms_norm_eps: 1e-5,
  rope_theta: 10000.0,
  sliding_window: null,
  tie_word_embeddings: false,
  torch_dtype: 'float32',
  bos_token_id: 1,
  eos_token_id: 2,
};

/** Seeded N(0, std²) (mulberry32 + Box-Muller): the same demo model on every visit. */
function randn(n: number, seed: number, std: number): Float32Array {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.max(next(), 1e-12);
    const v = next();
    const r = Math.sqrt(-2 * Math.log(u)) * std;
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

function demoWeights(): Blob {
  const cfg = parseModelConfig(kDemoConfig);
  const tensors: TensorToWrite[] = modelParams(cfg).map((p, i) => {
    const n = p.shape.reduce((x, y) => x * y, 1);
    const s = 1000 + i * 7919;
    let values: Float32Array;
    if (p.name.endsWith('norm.weight')) values = new Float32Array(n).fill(1);
    else if (p.name === 'model.embed_tokens.weight' || p.name === 'lm_head.weight') {
      // 0.1 rather than HF's 0.02: with 128 dims, rows that small cap how far a LoRA can move
      // the logits, and the demo is there to show a loss that visibly falls.
      values = randn(n, s, 0.1);
    } else values = randn(n, s, 1 / Math.sqrt(p.shape[1]));
    return { name: p.name, dtype: 'F32', shape: p.shape, data: fromFloat32('F32', values) };
  });
  return new Blob(encodeSafetensors(tensors, { format: 'pt' }) as BlobPart[]);
}

/** The demo model as a source, with the tokenizer files the host provides. */
export function demoModelSource(tokenizerJson: string, tokenizerConfig: string): ModelSource {
  return blobSource(kDemoName, {
    'config.json': new Blob([JSON.stringify(kDemoConfig)]),
    'model.safetensors': demoWeights(),
    'tokenizer.json': new Blob([tokenizerJson]),
    'tokenizer_config.json': new Blob([tokenizerConfig]),
  });
}

/** The demo model's parsed config (its memory estimate needs nothing else). */
export function demoModelConfig(): ModelConfig {
  return parseModelConfig(kDemoConfig);
}
