// Small helpers shared by the launchers of the non-matmul kernels (rmsnorm, rope, attention,
// swiglu, embedding, residual, dropout, adamw, gradnorm, crossentropy). Launchers follow the
// src/gpu/op.ts convention: `await opForward(ctx, args)` checks shapes (ShapeError), compiles
// through the context's pipeline cache and returns a prepared `GpuOp` to record into a pass.
// In the shaders the storage bindings come first, in argument order, and `params` last.
import type { DType, GpuContext } from '../gpu/context.ts';
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

/**
 * Whether the subgroup variants (matmul_ntsg / matmul_nnsg / crossentropy_sg) can run here: the
 * 'subgroups' feature, and subgroups of 4 to 64 invocations. They share 8 rows loaded by lanes
 * 0..3 of each subgroup, and a 64-wide workgroup must hold whole subgroups.
 */
export function subgroupSharingOk(ctx: GpuContext): boolean {
  if (!ctx.device.features.has('subgroups')) return false;
  const info = ctx.device.adapterInfo as { subgroupMinSize?: number; subgroupMaxSize?: number };
  const min = info?.subgroupMinSize ?? 0;
  const max = info?.subgroupMaxSize ?? 0;
  return min >= 4 && max <= 64 && 64 % max === 0;
}

/**
 * Whether the adapter is a CPU implementation of WebGPU (SwiftShader, llvmpipe / lavapipe, WARP,
 * alias Microsoft Basic Render Driver):
 * there workgroup memory is ordinary memory behind extra copies and barriers, and its shaders
 * compile slowly, so the workgroup-memory tiled kernels are not worth timing.
 */
export function cpuAdapter(ctx: GpuContext): boolean {
  const { vendor, architecture, description } = ctx.info;
  return /swiftshader|llvmpipe|lavapipe|\bwarp\b|basic render|software|\bcpu\b/i.test(
    `${vendor} ${architecture} ${description}`,
  );
}
