// A model (the base alone, or with a LoRA adapter folded in) as a GGUF file that llama.cpp loads,
// streamed: the header (architecture metadata, tokenizer, tensor infos) is built from config.json,
// the tokenizer files and the checkpoint's headers; then each weight is read, folded in f32,
// permuted where the `llama` architecture needs it, converted to its GGUF type and handed out
// before the next is read. Mirrors convert_hf_to_gguf.py (LlamaModel, Qwen2Model, Qwen3Model).
import type { LoraWeights } from '../../model/lora.ts';
import { readJson, readText, type ModelSource } from '../../model/source.ts';
import { planWeights } from '../../model/weights.ts';
import { checkAdapter, foldedWeights } from '../merge.ts';
import type { GgmlTypeName } from './constants.ts';
import { modelMetadata } from './metadata.ts';
import { encodeTensor } from './quant.ts';
import { ggufName, permuteHeads, permuteRows, ropeFreqs, tensorType } from './tensors.ts';
import { tokenizerMetadata } from './tokenizer.ts';
import { ggufChunks, type GgufTensorInfo } from './writer.ts';

type Json = Record<string, unknown>;

export interface ModelGgufOptions {
  /** F32, F16, BF16 or Q8_0 for the matrices (norms and 1-D tensors stay F32). */
  type: GgmlTypeName;
  /** general.name. */
  name: string;
}

/** The GGUF file's chunks and the tensor list its header declares. */
export async function modelGguf(
  src: ModelSource,
  lora: LoraWeights | null,
  opts: ModelGgufOptions,
): Promise<{ tensors: GgufTensorInfo[]; chunks: AsyncGenerator<Uint8Array> }> {
  const plan = await planWeights(src);
  if (lora) checkAdapter(plan, lora);
  const cfg = plan.config;
  const configJson = (await readJson(src, 'config.json')) as Json;
  const tokJson = (await readJson(src, 'tokenizer.json')) as Json;
  const tokConfig = (
    (await src.exists('tokenizer_config.json')) ? await readJson(src, 'tokenizer_config.json') : {}
  ) as Json;

  const jinja = (await src.exists('chat_template.jinja'))
    ? await readText(src, 'chat_template.jinja')
    : undefined;
  const metadata = [
    ...modelMetadata(cfg, {
      name: opts.name,
      type: opts.type,
      configHasHeadDim: configJson.head_dim !== undefined && configJson.head_dim !== null,
    }),
    ...tokenizerMetadata(tokJson, tokConfig, configJson, cfg.vocab, jinja),
  ];
  const freqs = ropeFreqs(cfg);
  const tensors: GgufTensorInfo[] = [];
  if (freqs) tensors.push({ name: 'rope_freqs.weight', shape: [freqs.length], type: 'F32' });
  for (const t of plan.tensors) {
    const name = ggufName(t.name);
    tensors.push({ name, shape: t.shape, type: tensorType(opts.type, name, t.shape) });
  }

  async function* data(): AsyncGenerator<Uint8Array> {
    if (freqs) yield encodeTensor('F32', freqs);
    let i = freqs ? 1 : 0;
    for await (const w of foldedWeights(src, lora, plan)) {
      const heads = permuteHeads(cfg, w.name);
      const rows = w.shape[0];
      const cols = w.shape.length > 1 ? w.shape[1] : 1;
      const values = heads ? permuteRows(w.data, rows, cols, heads) : w.data;
      yield encodeTensor(tensors[i++].type, values);
    }
  }
  return { tensors, chunks: ggufChunks(metadata, tensors, data()) };
}
