// How many bytes an export will write, known before any weight is read: the studio shows it
// before the user commits to a multi-GB write, and the writer's progress counts against it.
// Every export here puts its header first (the safetensors JSON, the GGUF metadata and tensor
// infos) and then tensors whose sizes follow from shape and type; so the size is the header
// (the first chunk, built from the plan alone, then the generator is closed unread) plus the
// tensors. Nothing is folded, quantized or copied to measure.
import type { LoraWeights } from '../model/lora.ts';
import { dtypeBytes, type FloatDtype } from '../model/safetensors.ts';
import { readText, type ModelSource } from '../model/source.ts';
import { planWeights } from '../model/weights.ts';
import type { ExportFile } from './hf-folder.ts';
import { kGgufAlignment, tensorBytes, type GgmlTypeName } from './gguf/constants.ts';
import { loraGguf } from './gguf/lora.ts';
import { modelGguf } from './gguf/model.ts';
import type { GgufTensorInfo } from './gguf/writer.ts';
import { parseModelConfig } from '../model/config.ts';

const count = (shape: number[]) => shape.reduce((a, d) => a * d, 1);

/** The first chunk of a stream (its header), closing the stream without reading further. */
async function firstChunk(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const it = chunks[Symbol.asyncIterator]();
  const first = await it.next();
  await it.return?.();
  return first.done ? new Uint8Array(0) : first.value;
}

/** A GGUF file's size: its header plus every tensor padded to the alignment. */
async function ggufFileBytes(
  tensors: GgufTensorInfo[],
  chunks: AsyncGenerator<Uint8Array>,
): Promise<number> {
  let total = (await firstChunk(chunks)).byteLength;
  for (const t of tensors) {
    total += Math.ceil(tensorBytes(t.type, count(t.shape)) / kGgufAlignment) * kGgufAlignment;
  }
  return total;
}

/**
 * The merged model folder's size, from the files `mergedModelFiles` returned (not yet written):
 * each safetensors shard is its header plus its tensors in `dtype`; the small files (config,
 * tokenizer, card) are read whole.
 */
export async function mergedFolderBytes(
  src: ModelSource,
  files: ExportFile[],
  dtype: FloatDtype,
): Promise<number> {
  const plan = await planWeights(src);
  let total = plan.tensors.reduce((n, t) => n + count(t.shape) * dtypeBytes(dtype), 0);
  for (const f of files) {
    if (f.path.endsWith('.safetensors')) total += (await firstChunk(f.chunks())).byteLength;
    else for await (const c of f.chunks()) total += c.byteLength;
  }
  return total;
}

/** The merged (or base) model's GGUF file size for type `type` (`name` as given to `ggufChunks`). */
export async function ggufBytes(
  src: ModelSource,
  adapter: LoraWeights | null,
  type: GgmlTypeName,
  name = src.name,
): Promise<number> {
  const { tensors, chunks } = await modelGguf(src, adapter, { type, name });
  return ggufFileBytes(tensors, chunks);
}

/** The adapter's llama.cpp LoRA GGUF size (`name` as given to `loraGgufChunks`). */
export async function loraGgufBytes(
  src: ModelSource,
  adapter: LoraWeights,
  name = `${src.name} LoRA`,
): Promise<number> {
  const config = parseModelConfig(await readText(src, 'config.json'));
  const { tensors, chunks } = loraGguf(config, adapter, { name });
  return ggufFileBytes(tensors, chunks);
}
