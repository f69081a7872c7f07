// Taking a model anywhere: the engine-level exports the hosts call (the CLI's `merge` and
// `export-gguf`, the studio's Export step). Each returns byte chunks (or files of chunks) that the
// host sinks to disk as they are produced: a 1B model is never held twice in memory.
//   - mergedModelFiles: base + adapter folded in f32, as a Hugging Face model folder;
//   - ggufChunks: the merged model (or the base alone) as one GGUF file for llama.cpp / Ollama;
//   - loraGgufChunks: the adapter alone as a llama.cpp LoRA GGUF;
//   - ollamaModelfile: the Modelfile that goes beside them.
import { modelGguf } from '../export/gguf/model.ts';
import { loraGguf } from '../export/gguf/lora.ts';
import type { GgmlTypeName } from '../export/gguf/constants.ts';
import { mergedModelFiles as folderFiles, type ExportFile } from '../export/hf-folder.ts';
import { modelfile } from '../export/modelfile.ts';
import { parseModelConfig } from '../model/config.ts';
import type { LoraWeights } from '../model/lora.ts';
import type { FloatDtype } from '../model/safetensors.ts';
import { readJson, readText, type ModelSource } from '../model/source.ts';

export type { ExportFile };
export type MergeDtype = FloatDtype;
export type GgufType = GgmlTypeName;
export const kGgufTypes: readonly GgufType[] = ['F32', 'F16', 'BF16', 'Q8_0'];

/** The model card (README.md) of a merged model. */
export function mergedModelCard(f: {
  baseModel: string;
  adapter: LoraWeights | null;
  dtype: FloatDtype;
}): string {
  const a = f.adapter?.spec;
  const lora = a
    ? `A LoRA adapter (r ${a.r}, alpha ${a.alpha}${a.useRslora ? ', rsLoRA' : ''}; ${a.targets.join(', ')}) ` +
      'folded into the weights as W + s·B·A, computed in f32.'
    : 'The base weights, unchanged.';
  return `---
base_model: ${f.baseModel}
library_name: transformers
tags:
- sft
- sft-studio
- merged
---

# ${f.baseModel}, merged

${lora} Exported by SFT Studio in ${f.dtype}.

\`\`\`python
from transformers import AutoModelForCausalLM, AutoTokenizer
model = AutoModelForCausalLM.from_pretrained("path/to/this/folder")
tokenizer = AutoTokenizer.from_pretrained("path/to/this/folder")
\`\`\`
`;
}

/** The merged model as a Hugging Face folder; `dtype` defaults to the base checkpoint's. */
export async function mergedModelFiles(
  source: ModelSource,
  adapter: LoraWeights | null,
  dtype?: MergeDtype,
): Promise<{ files: ExportFile[]; dtype: MergeDtype }> {
  const card = (d: MergeDtype) => mergedModelCard({ baseModel: source.name, adapter, dtype: d });
  return folderFiles(source, adapter, { dtype, card });
}

/** The merged model (or the base alone, with `adapter` null) as one GGUF file. */
export async function ggufChunks(
  source: ModelSource,
  adapter: LoraWeights | null,
  type: GgufType,
  name = source.name,
): Promise<AsyncGenerator<Uint8Array>> {
  return (await modelGguf(source, adapter, { type, name })).chunks;
}

/** The adapter alone as a llama.cpp LoRA GGUF, for the model it was trained on. */
export async function loraGgufChunks(
  source: ModelSource,
  adapter: LoraWeights,
  name = `${source.name} LoRA`,
): Promise<AsyncGenerator<Uint8Array>> {
  const config = parseModelConfig(await readText(source, 'config.json'));
  return loraGguf(config, adapter, { name }).chunks;
}

const kStopCandidates = [
  '<|eot_id|>',
  '<|im_end|>',
  '<|end|>',
  '<end_of_turn>',
  '<|end_of_text|>',
  '<|endoftext|>',
  '</s>',
];

/**
 * The Ollama Modelfile beside a GGUF: FROM `from` (the model GGUF, or for an adapter-only export
 * the base model's GGUF or Ollama name), ADAPTER the LoRA GGUF, and the tokenizer's end tokens
 * as stop strings.
 */
export async function ollamaModelfile(
  source: ModelSource,
  opts: { from: string; adapter?: string },
): Promise<string> {
  const tok = (await readJson(source, 'tokenizer.json')) as {
    added_tokens?: { content: string }[];
  };
  const have = new Set((tok.added_tokens ?? []).map((t) => t.content));
  const stop = kStopCandidates.filter((s) => have.has(s));
  return modelfile({
    ...opts,
    stop,
    comment: `Exported by SFT Studio from ${source.name}.\nCreate the model with: ollama create NAME -f Modelfile`,
  });
}
