// Loading a model's frozen weights from a ModelSource, one tensor at a time, GPU-free: read
// config.json, open the checkpoint (single or sharded), check it against params.ts, then yield each
// tensor's bytes in the stable order of `modelParams` with progress. The engine uploads each one
// and drops it, so at most one tensor is held in memory besides what the GPU keeps.
import { parseModelConfig, type ModelConfig } from './config.ts';
import { modelParams, validateCheckpoint, type ParamSpec } from './params.ts';
import {
  isFloatDtype,
  openCheckpoint,
  readTensorBytes,
  UnsupportedDtypeError,
  type Checkpoint,
  type FloatDtype,
  type TensorInfo,
} from './safetensors.ts';
import { readText, type ModelSource } from './source.ts';

export interface WeightTensor {
  name: string;
  dtype: FloatDtype;
  shape: number[];
  /** Little-endian element bytes, exactly as in the file. */
  bytes: Uint8Array;
  /** Decoder layer, or -1 (embeddings, final norm, lm_head). */
  layer: number;
}

export interface WeightsProgress {
  /** Tensors done so far, out of `count`. */
  index: number;
  count: number;
  bytesDone: number;
  bytesTotal: number;
  /** The tensor just read. */
  name: string;
}

export interface WeightsPlan {
  config: ModelConfig;
  checkpoint: Checkpoint;
  /** Every tensor the model uses, in load order, with where it lives. */
  tensors: (ParamSpec & { info: TensorInfo; dtype: FloatDtype })[];
  bytesTotal: number;
  /** Checkpoint tensors the model does not use (RoPE buffers, a tied lm_head copy). */
  ignored: string[];
}

/** Read and parse config.json from a source. */
export async function loadModelConfig(src: ModelSource): Promise<ModelConfig> {
  return parseModelConfig(await readText(src, 'config.json'), `${src.name}/config.json`);
}

/**
 * Open the checkpoint and validate it against the config (names, shapes, float dtypes), reading
 * only headers. Throws CheckpointMismatchError / UnsupportedDtypeError / SafetensorsError.
 */
export async function planWeights(src: ModelSource, config?: ModelConfig): Promise<WeightsPlan> {
  const cfg = config ?? (await loadModelConfig(src));
  const checkpoint = await openCheckpoint(src);
  const { ignored } = validateCheckpoint(cfg, checkpoint.tensors, src.name);
  const tensors = modelParams(cfg).map((p) => {
    const info = checkpoint.tensors.get(p.name)!;
    if (!isFloatDtype(info.dtype))
      throw new UnsupportedDtypeError(`${src.name}/${info.file}: tensor "${p.name}"`, info.dtype);
    return { ...p, info, dtype: info.dtype };
  });
  const bytesTotal = tensors.reduce((n, t) => n + (t.info.end - t.info.start), 0);
  return { config: cfg, checkpoint, tensors, bytesTotal, ignored };
}

/**
 * Yield every weight in `modelParams` order. `onProgress` fires after each tensor is read.
 * Pass a plan from `planWeights` to reuse it (e.g. to size GPU buffers first).
 */
export async function* loadWeights(
  src: ModelSource,
  opts: {
    config?: ModelConfig;
    plan?: WeightsPlan;
    onProgress?: (p: WeightsProgress) => void;
  } = {},
): AsyncGenerator<WeightTensor> {
  const plan = opts.plan ?? (await planWeights(src, opts.config));
  let bytesDone = 0;
  for (let i = 0; i < plan.tensors.length; i++) {
    const t = plan.tensors[i];
    const bytes = await readTensorBytes(src, t.info);
    bytesDone += bytes.byteLength;
    opts.onProgress?.({
      index: i + 1,
      count: plan.tensors.length,
      bytesDone,
      bytesTotal: plan.bytesTotal,
      name: t.name,
    });
    yield { name: t.name, dtype: t.dtype, shape: t.shape, bytes, layer: t.layer };
  }
}
