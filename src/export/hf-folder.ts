// The merged model as a Hugging Face model folder, file by file, each file a stream of byte chunks
// that any host can sink (a file in Node, the File System Access API in the browser):
// config.json (the base's, only `torch_dtype` changed), model.safetensors (or shards of at most
// 2 GB with model.safetensors.index.json, as `save_pretrained(max_shard_size="2GB")` names them),
// the tokenizer files, generation_config.json, the chat template, and a model card.
// The safetensors header is written from the plan (names, shapes, output dtype) before any weight
// is read, so every shard streams tensor by tensor.
import type { LoraWeights } from '../model/lora.ts';
import {
  dtypeBytes,
  fromFloat32,
  kIndexFile,
  kSingleFile,
  safetensorsHead,
  type FloatDtype,
} from '../model/safetensors.ts';
import { readText, type ModelSource } from '../model/source.ts';
import { planWeights, type WeightsPlan } from '../model/weights.ts';
import { checkAdapter, foldedWeights, type FoldedTensor } from './merge.ts';

/** One output file: its path in the folder and its bytes as chunks, produced on demand. */
export interface ExportFile {
  path: string;
  chunks(): AsyncIterable<Uint8Array>;
}

/** Shards above this size split the checkpoint (2 GB, decimal as in transformers). */
export const kMaxShardBytes = 2_000_000_000;

const kTorchDtype: Record<FloatDtype, string> = {
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
};
const kDtypeOfTorch: Record<string, FloatDtype> = {
  float32: 'F32',
  float16: 'F16',
  bfloat16: 'BF16',
};

/** Files copied as they are when the source has them. */
export const kTokenizerFiles = [
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'tokenizer.model',
  'vocab.json',
  'merges.txt',
  'added_tokens.json',
  'chat_template.jinja',
  'chat_template.json',
];

interface ShardPlan {
  file: string;
  names: string[];
  bytes: number;
}

function shardPlan(plan: WeightsPlan, dtype: FloatDtype, maxShard: number): ShardPlan[] {
  const size = (shape: number[]) => shape.reduce((a, d) => a * d, 1) * dtypeBytes(dtype);
  const total = plan.tensors.reduce((n, t) => n + size(t.shape), 0);
  if (total <= maxShard)
    return [{ file: kSingleFile, names: plan.tensors.map((t) => t.name), bytes: total }];
  const shards: ShardPlan[] = [];
  let cur: ShardPlan = { file: '', names: [], bytes: 0 };
  for (const t of plan.tensors) {
    const n = size(t.shape);
    if (cur.names.length > 0 && cur.bytes + n > maxShard) {
      shards.push(cur);
      cur = { file: '', names: [], bytes: 0 };
    }
    cur.names.push(t.name);
    cur.bytes += n;
  }
  shards.push(cur);
  const pad = (k: number) => String(k).padStart(5, '0');
  shards.forEach((s, k) => (s.file = `model-${pad(k + 1)}-of-${pad(shards.length)}.safetensors`));
  return shards;
}

/** The safetensors header for tensors of known shapes (space-padded to 8 bytes, as encodeSafetensors). */
function safetensorsHeader(
  tensors: { name: string; shape: number[] }[],
  dtype: FloatDtype,
): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const t of tensors) {
    const n = t.shape.reduce((a, d) => a * d, 1) * dtypeBytes(dtype);
    header[t.name] = { dtype, shape: t.shape, data_offsets: [offset, offset + n] };
    offset += n;
  }
  return safetensorsHead(header);
}

const text = (s: string) => new TextEncoder().encode(s);

async function* once(bytes: Uint8Array | Promise<Uint8Array>): AsyncIterable<Uint8Array> {
  yield await bytes;
}

/**
 * The merged model folder's files. `dtype` defaults to the base checkpoint's `torch_dtype`.
 * `card` gives the model card's markdown (README.md) for the output dtype; written when given.
 */
export async function mergedModelFiles(
  src: ModelSource,
  lora: LoraWeights | null,
  opts: { dtype?: FloatDtype; card?: (dtype: FloatDtype) => string; maxShardBytes?: number } = {},
): Promise<{ files: ExportFile[]; dtype: FloatDtype }> {
  const plan = await planWeights(src);
  if (lora) checkAdapter(plan, lora);
  const configJson = JSON.parse(await readText(src, 'config.json')) as Record<string, unknown>;
  const dtype = opts.dtype ?? kDtypeOfTorch[plan.config.torchDtype] ?? 'F32';
  const shards = shardPlan(plan, dtype, opts.maxShardBytes ?? kMaxShardBytes);
  const shapes = new Map(plan.tensors.map((t) => [t.name, t.shape]));
  const files: ExportFile[] = [];
  const config = { ...configJson, torch_dtype: kTorchDtype[dtype] };
  files.push({
    path: 'config.json',
    chunks: () => once(text(JSON.stringify(config, null, 2) + '\n')),
  });

  // One pass over the weights feeds every shard in order: shard k's generator pulls from it.
  let stream: AsyncGenerator<FoldedTensor> | null = null;
  for (const shard of shards) {
    files.push({
      path: shard.file,
      chunks: async function* () {
        stream ??= foldedWeights(src, lora, plan);
        yield safetensorsHeader(
          shard.names.map((name) => ({ name, shape: shapes.get(name)! })),
          dtype,
        );
        for (const name of shard.names) {
          const next = await stream.next();
          if (next.done || next.value.name !== name) {
            throw new Error(`merged weights out of order at ${name}: write the shards in order`);
          }
          yield fromFloat32(dtype, next.value.data);
        }
      },
    });
  }
  if (shards.length > 1) {
    const weightMap: Record<string, string> = {};
    for (const s of shards) for (const n of s.names) weightMap[n] = s.file;
    const total = shards.reduce((n, s) => n + s.bytes, 0);
    const index = { metadata: { total_size: total }, weight_map: weightMap };
    files.push({
      path: kIndexFile,
      chunks: () => once(text(JSON.stringify(index, null, 2) + '\n')),
    });
  }
  for (const f of kTokenizerFiles) {
    if (await src.exists(f)) files.push({ path: f, chunks: () => once(src.readFile(f)) });
  }
  files.push({
    path: 'generation_config.json',
    chunks: async function* () {
      if (await src.exists('generation_config.json'))
        yield await src.readFile('generation_config.json');
      else {
        const gen: Record<string, unknown> = { _from_model_config: true };
        if (configJson.bos_token_id !== undefined) gen.bos_token_id = configJson.bos_token_id;
        if (configJson.eos_token_id !== undefined) gen.eos_token_id = configJson.eos_token_id;
        yield text(JSON.stringify(gen, null, 2) + '\n');
      }
    },
  });
  if (opts.card !== undefined) {
    const card = opts.card(dtype);
    files.push({ path: 'README.md', chunks: () => once(text(card)) });
  }
  return { files, dtype };
}
