// The model metadata a GGUF file carries for our architectures, with the keys and value types of
// gguf-py/gguf/constants.py (Keys.General, Keys.LLM, Keys.Attention, Keys.Rope) and the values
// convert_hf_to_gguf.py's TextModel.set_gguf_parameters and LlamaModel.set_gguf_parameters write.
import type { ModelConfig } from '../../model/config.ts';
import { kFileType, kQuantVersion, type GgmlTypeName } from './constants.ts';
import { kArchOf } from './tensors.ts';
import type { GgufMetadata } from './writer.ts';

export function modelMetadata(
  cfg: ModelConfig,
  opts: { name: string; type: GgmlTypeName; configHasHeadDim: boolean },
): GgufMetadata {
  const arch = kArchOf[cfg.family];
  const k = (key: string) => `${arch}.${key}`;
  const md: GgufMetadata = [
    ['general.architecture', { type: 'string', value: arch }],
    ['general.type', { type: 'string', value: 'model' }],
    ['general.name', { type: 'string', value: opts.name }],
    [k('block_count'), { type: 'u32', value: cfg.layers }],
    [k('context_length'), { type: 'u32', value: cfg.maxPositions }],
    [k('embedding_length'), { type: 'u32', value: cfg.hidden }],
    [k('feed_forward_length'), { type: 'u32', value: cfg.intermediate }],
    [k('attention.head_count'), { type: 'u32', value: cfg.heads }],
    [k('attention.head_count_kv'), { type: 'u32', value: cfg.kvHeads }],
    [k('rope.freq_base'), { type: 'f32', value: cfg.ropeTheta }],
    [k('attention.layer_norm_rms_epsilon'), { type: 'f32', value: cfg.rmsEps }],
  ];
  if (opts.configHasHeadDim || cfg.headDim * cfg.heads !== cfg.hidden) {
    md.push([k('attention.key_length'), { type: 'u32', value: cfg.headDim }]);
    md.push([k('attention.value_length'), { type: 'u32', value: cfg.headDim }]);
  }
  md.push(['general.file_type', { type: 'u32', value: kFileType[opts.type] }]);
  if (arch === 'llama') {
    md.push([k('vocab_size'), { type: 'u32', value: cfg.vocab }]);
    md.push([k('rope.dimension_count'), { type: 'u32', value: cfg.headDim }]);
  }
  if (cfg.ropeScaling?.type === 'linear') {
    md.push([k('rope.scaling.type'), { type: 'string', value: 'linear' }]);
    md.push([k('rope.scaling.factor'), { type: 'f32', value: cfg.ropeScaling.factor }]);
  }
  md.push(['general.quantization_version', { type: 'u32', value: kQuantVersion }]);
  return md;
}
