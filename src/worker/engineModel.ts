// Model sources for the engine worker: a Hub id (downloaded once into Cache Storage, so the second
// visit is offline), a local model folder (the File objects the user picked), or the offline demo
// model: a tiny Mistral-shaped model with seeded random weights, generated here in the worker, whose
// tokenizer (Llama 2's 32k SentencePiece vocabulary) is served from public/demo/.
// Also the memory estimate shown before loading: the planner's exact buffer list for the model's
// config and the train form's sizes, against what the adapter allows.
import { loadTokenizer, type Tokenizer } from '../data/tokenizer.ts';
import { parseModelConfig, type ModelConfig } from '../model/config.ts';
import { countParams, modelParams } from '../model/params.ts';
import {
  chooseKeepActivations,
  planMemory,
  type PlanInput,
  type WeightDtype,
} from '../model/plan.ts';
import { encodeSafetensors, fromFloat32, type TensorToWrite } from '../model/safetensors.ts';
import {
  blobSource,
  cacheStorageCache,
  hubSource,
  readText,
  type DownloadProgress,
  type ModelSource,
} from '../model/source.ts';
import { resolveTargets } from '../model/lora.ts';
import type { DeviceSummary, MemoryEstimate, MemoryKnobs, ModelSpec } from './engineProtocol.ts';

export const kDemoName = 'sft-studio/tiny-demo (random weights)';

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

async function fetchText(url: string): Promise<string> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not fetch ${url} (HTTP ${res.status})`);
  return res.text();
}

const demoAsset = (file: string) =>
  new URL(`${import.meta.env.BASE_URL}demo/${file}`, self.location.origin).href;

export interface OpenedModel {
  source: ModelSource;
  tokenizer: Tokenizer;
  demo: boolean;
}

/** Opens a source (downloads nothing big yet) and loads the model's own tokenizer. */
export async function openModel(
  spec: ModelSpec,
  onDownload: (p: DownloadProgress) => void,
): Promise<OpenedModel> {
  if (spec.kind === 'demo') {
    const [tokenizerJson, tokenizerConfig] = await Promise.all([
      fetchText(demoAsset('tokenizer.json')),
      fetchText(demoAsset('tokenizer_config.json')),
    ]);
    const source = blobSource(kDemoName, {
      'config.json': new Blob([JSON.stringify(kDemoConfig)]),
      'model.safetensors': demoWeights(),
    });
    const tokenizer = await loadTokenizer({
      kind: 'files',
      tokenizerJson,
      tokenizerConfig,
      name: 'Llama 2 tokenizer (32k)',
    });
    return { source, tokenizer, demo: true };
  }
  const source = sourceOf(spec, onDownload);
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) {
    if (!(await source.exists(f))) {
      throw new Error(
        `${f} is missing from ${source.name}: a model needs config.json, model.safetensors ` +
          `(or its shards and model.safetensors.index.json), tokenizer.json and tokenizer_config.json`,
      );
    }
  }
  const tokenizer = await loadTokenizer({
    kind: 'files',
    tokenizerJson: await readText(source, 'tokenizer.json'),
    tokenizerConfig: await readText(source, 'tokenizer_config.json'),
    name: spec.kind === 'hub' ? spec.id : spec.name,
  });
  return { source, tokenizer, demo: false };
}

function sourceOf(spec: ModelSpec, onDownload: (p: DownloadProgress) => void): ModelSource {
  if (spec.kind === 'files') return blobSource(spec.name, spec.files);
  if (spec.kind === 'hub') {
    let cache;
    try {
      cache = typeof caches === 'undefined' ? undefined : cacheStorageCache();
    } catch {
      cache = undefined;
    }
    return hubSource({
      repo: spec.id,
      revision: spec.revision,
      endpoint: spec.endpoint,
      cache,
      onProgress: onDownload,
    });
  }
  throw new Error('the demo model has no file source');
}

/** config.json of a model spec (only that file is read or downloaded). */
export async function readModelConfig(spec: ModelSpec): Promise<ModelConfig> {
  if (spec.kind === 'demo') return parseModelConfig(kDemoConfig);
  const src = sourceOf(spec, () => {});
  return parseModelConfig(await readText(src, 'config.json'), `${src.name}/config.json`);
}

export function modelParamCount(cfg: ModelConfig): number {
  return countParams(cfg);
}

function weightDtypeOf(cfg: ModelConfig): WeightDtype {
  if (cfg.torchDtype === 'bfloat16') return 'bf16';
  if (cfg.torchDtype === 'float16') return 'f16';
  return 'f32';
}

const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
export const fmtBytes = (b: number) => (b >= 2 ** 30 ? gib(b) : mib(b));

/**
 * The planner's device bytes for training this model at these sizes, against the adapter.
 * WebGPU does not report how much memory a GPU has; the limits it does report bound single
 * buffers, so the total is compared with a budget: half the machine's RAM (navigator.deviceMemory,
 * which browsers cap at 8) or 4 GiB when unknown.
 */
export function estimateMemory(
  cfg: ModelConfig,
  knobs: MemoryKnobs,
  device: DeviceSummary | null,
): MemoryEstimate {
  const input: PlanInput = {
    config: cfg,
    seqLen: knobs.maxLength,
    rows: knobs.microBatch,
    r: knobs.r,
    targets: resolveTargets(knobs.targets),
    weightDtype: weightDtypeOf(cfg),
    dropout: knobs.dropout > 0,
    training: true,
  };
  // As the trainer decides (gradient checkpointing 'auto').
  const plan = planMemory({ ...input, keepActivations: chooseKeepActivations(input) });
  const largest = plan.buffers.reduce((a, b) => (b.bytes > a.bytes ? b : a), plan.buffers[0]);
  const ram = (self.navigator as Navigator & { deviceMemory?: number }).deviceMemory;
  const budget = ram ? (ram * 2 ** 30) / 2 : 4 * 2 ** 30;
  const budgetSource = ram
    ? `half of this machine's ${ram} GB of RAM as the browser reports it`
    : 'a 4 GiB budget (the browser does not report GPU memory)';
  let level: MemoryEstimate['level'] = 'ok';
  let message = `About ${fmtBytes(plan.total)} of GPU memory; fits within ${fmtBytes(budget)}.`;
  const limit = device ? Math.min(device.maxStorageBufferBindingSize, device.maxBufferSize) : null;
  if (limit !== null && largest.bytes > limit) {
    level = 'error';
    message =
      `The largest buffer (${largest.name}, ${fmtBytes(largest.bytes)}) is over this GPU's ` +
      `limit of ${fmtBytes(limit)} per buffer: lower the max length or the micro-batch, or pick a smaller model.`;
  } else if (plan.total > budget) {
    level = 'warn';
    message =
      `About ${fmtBytes(plan.total)} of GPU memory, more than ${fmtBytes(budget)}: this may run ` +
      `out of memory. Lower the max length or the micro-batch, or pick a smaller model.`;
  }
  return {
    byCategory: { ...plan.byCategory },
    total: plan.total,
    largestBuffer: { name: largest.name, bytes: largest.bytes },
    budget,
    budgetSource,
    level,
    message,
    knobs,
  };
}
