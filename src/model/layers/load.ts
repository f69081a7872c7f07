// Frozen base weights onto the device, tensor by tensor (one host copy at a time): projection,
// embedding and lm_head matrices stay in the checkpoint's dtype (bf16/f16 bytes are already "two
// per u32, low half first", which the kernels unpack), unless the checkpoint mixes dtypes, in which
// case everything is widened to f32; norms and biases become f32.
import type { GpuContext, Tensor } from '../../gpu/context.ts';
import type { ModelConfig } from '../config.ts';
import { isMatrixWeight, weightBytes, type WeightDtype } from '../plan.ts';
import { toFloat32, type FloatDtype } from '../io/dtype.ts';
import { loadWeights, planWeights, type WeightsPlan, type WeightsProgress } from '../weights.ts';
import type { ModelSource } from '../source.ts';

export interface DeviceModel {
  config: ModelConfig;
  /** Where the weights came from (`base_model_name_or_path` of exported adapters). */
  name: string;
  weightDtype: WeightDtype;
  /** By Hugging Face name (`model.layers.0.self_attn.q_proj.weight`, ...). */
  weights: Map<string, Tensor>;
  /** The lm_head matrix: lm_head.weight, or embed_tokens.weight when tied. */
  lmHead: Tensor;
  destroy(): void;
}

const kDtype: Record<FloatDtype, WeightDtype> = { F32: 'f32', BF16: 'bf16', F16: 'f16' };

/** The device dtype for the frozen matrices of a checkpoint. */
export function chooseWeightDtype(plan: WeightsPlan): WeightDtype {
  const kinds = new Set(plan.tensors.filter((t) => isMatrixWeight(t.name)).map((t) => t.dtype));
  return kinds.size === 1 ? kDtype[[...kinds][0]] : 'f32';
}

export async function loadDeviceModel(
  ctx: GpuContext,
  src: ModelSource,
  opts: { onProgress?: (p: WeightsProgress) => void; forceF32?: boolean } = {},
): Promise<DeviceModel> {
  const plan = await planWeights(src);
  const weightDtype = opts.forceF32 ? 'f32' : chooseWeightDtype(plan);
  const weights = new Map<string, Tensor>();
  try {
    for await (const w of loadWeights(src, { plan, onProgress: opts.onProgress })) {
      const count = w.shape.reduce((a, b) => a * b, 1);
      if (isMatrixWeight(w.name)) {
        const same = kDtype[w.dtype] === weightDtype;
        const data = same ? w.bytes : new Uint8Array(toFloat32(w.dtype, w.bytes).buffer);
        const t = ctx.tensor(weightBytes(weightDtype, count), 'weights', w.name);
        ctx.write(t, data);
        weights.set(w.name, { ...t, dtype: weightDtype, shape: w.shape });
      } else {
        const data = toFloat32(w.dtype, w.bytes);
        const t = ctx.tensorFrom(data, 'weights', w.name);
        weights.set(w.name, { ...t, dtype: 'f32', shape: w.shape });
      }
    }
  } catch (e) {
    for (const t of weights.values()) ctx.release(t);
    throw e;
  }
  const cfg = plan.config;
  const lmHead = weights.get(cfg.tieEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight')!;
  return {
    config: cfg,
    name: src.name,
    weightDtype,
    weights,
    lmHead,
    destroy() {
      for (const t of weights.values()) ctx.release(t);
      weights.clear();
    },
  };
}
