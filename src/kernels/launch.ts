// Small helpers shared by the launchers of the non-matmul kernels (rmsnorm, rope, attention,
// swiglu, embedding, residual, dropout, adamw, gradnorm, crossentropy). Launchers follow the
// src/gpu/op.ts convention: `await opForward(ctx, args)` checks shapes (ShapeError), compiles
// through the context's pipeline cache and returns a prepared `GpuOp` to record into a pass.
// In the shaders the storage bindings come first, in argument order, and `params` last.
import type { DType } from '../gpu/context.ts';
import { splitWorkgroups } from '../gpu/context.ts';

export const cdiv = (a: number, b: number): number => Math.ceil(a / b);

/** Workgroups for `threads` 1-D invocations of `wg` each, split over x/y past 65535. */
export function grid1d(threads: number, wg: number): [number, number, number] {
  return splitWorkgroups(cdiv(threads, wg));
}

/** Frozen-weight dtypes the gather/lm_head shaders unpack (override W_DTYPE), as in matmul. */
export type WeightDtype = 'f32' | 'bf16' | 'f16';
export const kWeightDtypeCode: Record<WeightDtype, number> = { f32: 0, bf16: 1, f16: 2 };

export function weightDtypeOf(
  given: WeightDtype | undefined,
  annotated: DType | undefined,
): WeightDtype {
  const d = given ?? annotated ?? 'f32';
  return d === 'bf16' || d === 'f16' ? d : 'f32';
}
