// A LoRA adapter alone as a llama.cpp LoRA GGUF (`--lora` in llama.cpp, `ADAPTER` in an Ollama
// Modelfile), as llama.cpp's convert_lora_to_gguf.py writes it: general.type = "adapter",
// adapter.type = "lora", adapter.lora.alpha, and per targeted weight `<gguf name>.lora_a` (A,
// [r, in]) and `.lora_b` (B, [out, r]); for the `llama` architecture B's rows are permuted like
// the q/k weights they update (LoraTorchTensor.permute acts on B). llama.cpp scales a LoRA by
// alpha / r (llama-adapter.cpp) and convert_lora_to_gguf.py ignores use_rslora, so for rsLoRA
// we write alpha·sqrt(r): then alpha' / r = alpha / sqrt(r), PEFT's scale, and base GGUF + LoRA
// GGUF equals the merged model.
import type { ModelConfig } from '../../model/config.ts';
import { kLoraModules, loraScaling, modulePath, type LoraWeights } from '../../model/lora.ts';
import { kQuantVersion } from './constants.ts';
import { encodeTensor } from './quant.ts';
import { ggufName, kArchOf, permuteHeads, permuteRows } from './tensors.ts';
import { ggufChunks, type GgufMetadata, type GgufTensorInfo } from './writer.ts';

/** The alpha to write so that llama.cpp's alpha / r equals PEFT's scale (rsLoRA included). */
export function ggufLoraAlpha(spec: LoraWeights['spec']): number {
  return loraScaling(spec) * spec.r;
}

export function loraGguf(
  cfg: ModelConfig,
  lora: LoraWeights,
  opts: { name: string; type?: 'F32' | 'F16' },
): { tensors: GgufTensorInfo[]; chunks: AsyncGenerator<Uint8Array> } {
  const type = opts.type ?? 'F32';
  const metadata: GgufMetadata = [
    ['general.architecture', { type: 'string', value: kArchOf[cfg.family] }],
    ['general.type', { type: 'string', value: 'adapter' }],
    ['general.name', { type: 'string', value: opts.name }],
    ['adapter.type', { type: 'string', value: 'lora' }],
    ['adapter.lora.alpha', { type: 'f32', value: ggufLoraAlpha(lora.spec) }],
    ['general.file_type', { type: 'u32', value: type === 'F32' ? 0 : 1 }],
    ['general.quantization_version', { type: 'u32', value: kQuantVersion }],
  ];
  const r = lora.spec.r;
  const items: { info: GgufTensorInfo; values: () => Float32Array }[] = [];
  lora.layers.forEach((layer, i) => {
    for (const m of kLoraModules) {
      const p = layer[m];
      if (!p) continue;
      const hf = `model.layers.${i}.${modulePath(m)}.weight`;
      const name = ggufName(hf);
      const heads = permuteHeads(cfg, hf);
      items.push({ info: { name: `${name}.lora_a`, shape: [r, p.inF], type }, values: () => p.a });
      items.push({
        info: { name: `${name}.lora_b`, shape: [p.outF, r], type },
        values: () => (heads ? permuteRows(p.b, p.outF, r, heads) : p.b),
      });
    }
  });
  const tensors = items.map((t) => t.info);
  async function* data(): AsyncGenerator<Uint8Array> {
    for (const t of items) yield encodeTensor(type, t.values());
  }
  return { tensors, chunks: ggufChunks(metadata, tensors, data()) };
}
