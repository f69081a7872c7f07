// Embedding gather launcher: out[t] = weight[ids[t]] for token ids (u32). Forward only: the
// embeddings are frozen in LoRA training, so no backward exists. `weight` (V, C) may be f32 or
// bf16/f16 packed two per u32 (the raw safetensors bytes; element e in word e/2, low half first).
// An id >= V produces a zero row (ids live on the GPU, so the launcher cannot check them).
//   embeddingForward(ctx, { ids (T) u32, weight (V, C), out (T, C) f32 = })
import type { GpuContext, Tensor } from '../gpu/context.ts';
import { checkDims, checkDistinct, checkTensor } from '../gpu/check.ts';
import { makeOp, type GpuOp } from '../gpu/op.ts';
import forwardCode from '../../shaders/embedding_forward.wgsl?raw';
import { grid1d, kWeightDtypeCode, weightDtypeOf, type WeightDtype } from './launch.ts';

const kWg = 256;

export interface EmbeddingForwardArgs {
  ids: Tensor; // (T) u32
  weight: Tensor; // (V, C) wDtype
  out: Tensor; // (T, C) f32, =
  T: number;
  C: number;
  V: number;
  /** Default: weight.dtype when annotated, else f32. */
  wDtype?: WeightDtype;
  label?: string;
}

export async function embeddingForward(ctx: GpuContext, a: EmbeddingForwardArgs): Promise<GpuOp> {
  const k = 'embeddingForward';
  checkDims(k, { T: a.T, C: a.C, V: a.V });
  const wd = weightDtypeOf(a.wDtype, a.weight.dtype);
  checkTensor(k, 'ids', a.ids, [a.T], a.ids.dtype === 'i32' ? 'i32' : 'u32');
  checkTensor(k, 'weight', a.weight, [a.V, a.C], wd);
  checkTensor(k, 'out', a.out, [a.T, a.C], 'f32');
  checkDistinct(k, a.out, a.ids, a.weight);
  return makeOp(ctx, {
    label: a.label ?? 'embedding_forward',
    shader: 'embedding_forward',
    code: forwardCode,
    overrides: { WG: kWg, W_DTYPE: kWeightDtypeCode[wd] },
    bindings: [a.ids, a.weight, a.out],
    params: [
      ['u32', a.T],
      ['u32', a.C],
      ['u32', a.V],
    ],
    workgroups: grid1d(a.T * a.C, kWg),
  });
}
