// Typed launchers for the linear-layer matmuls, all on shaders/matmul_forward.wgsl (one strided,
// register-blocked kernel; each launcher sets the strides for its form).
// Shape letters are the layer's: M = B·T flattened rows, N = out_features, K = in_features; W is
// (N, K) as Hugging Face stores it. Every launcher checks shapes/dtypes (ShapeError) and returns a
// prepared `GpuOp` (record it into a pass; it creates no GPU objects when recorded).
//
//   matmulForward(ctx, { x (M,K), w (N,K), y (M,N), bias? (N) })   y (=|+=) alpha·x·wᵀ (+ bias)
//   matmulBackwardInput(ctx, { dy (M,N), w (N,K), dx (M,K) })      dx (=|+=) alpha·dy·w
//   matmulBackwardWeight(ctx, { dy (M,N), x (M,K), dw (N,K) })     dw (+=|=) alpha·dyᵀ·x
//
// `w` may be f32, bf16 or f16 (16-bit types packed two per u32 little-endian, i.e. the raw bytes of
// a safetensors tensor; f16 is unpacked with unpack2x16float, so it needs no `shader-f16`).
// Activations, gradients and accumulation are f32. Defaults: alpha 1; forward/backward-input
// overwrite (=), backward-weight accumulates (+=, gradient accumulation).
//
// Workgroup shape (WG_X × WG_Y invocations, each owning an 8×8 output block) is autotuned per
// adapter and shape class: see `matmulTuneTasks`; `defaultConfig` applies until then.
import type { DType, Overrides, Tensor } from '../gpu/context.ts';
import type { GpuContext } from '../gpu/context.ts';
import { checkDims, checkDistinct, checkTensor } from '../gpu/check.ts';
import { makeOp, type GpuOp } from '../gpu/op.ts';
import type { TuneTask } from '../gpu/autotune.ts';
import code from '../../shaders/matmul_forward.wgsl?raw';
import type { ParamField } from '../gpu/context.ts';

export type WeightDtype = 'f32' | 'bf16' | 'f16';

const kDtypeCode: Record<WeightDtype, number> = { f32: 0, bf16: 1, f16: 2 };

export interface MatmulForwardArgs {
  x: Tensor; // (M, K) f32
  w: Tensor; // (N, K) wDtype
  y: Tensor; // (M, N) f32
  m: number;
  n: number;
  k: number;
  /** Weight dtype; default `w.dtype` if it is annotated, else f32. */
  wDtype?: WeightDtype;
  bias?: Tensor; // (N) f32
  alpha?: number;
  /** y += … instead of y = … */
  accumulate?: boolean;
  label?: string;
  /** Force a workgroup configuration (a key of kMatmulConfigs) instead of the tuned one. */
  config?: string;
}

export interface MatmulBackwardInputArgs {
  dy: Tensor; // (M, N) f32
  w: Tensor; // (N, K) wDtype
  dx: Tensor; // (M, K) f32
  m: number;
  n: number;
  k: number;
  wDtype?: WeightDtype;
  alpha?: number;
  accumulate?: boolean;
  label?: string;
  /** Force a workgroup configuration (a key of kMatmulConfigs) instead of the tuned one. */
  config?: string;
}

export interface MatmulBackwardWeightArgs {
  dy: Tensor; // (M, N) f32
  x: Tensor; // (M, K) f32
  dw: Tensor; // (N, K) f32
  m: number;
  n: number;
  k: number;
  alpha?: number;
  /** Default true: parameter gradients accumulate. */
  accumulate?: boolean;
  label?: string;
  /** Force a workgroup configuration (a key of kMatmulConfigs) instead of the tuned one. */
  config?: string;
}

/** Workgroup shapes the autotuner chooses from (WG_X along output columns, WG_Y along rows). */
export const kMatmulConfigs: Record<string, { WG_X: number; WG_Y: number }> = {
  wg8x8: { WG_X: 8, WG_Y: 8 },
  wg16x4: { WG_X: 16, WG_Y: 4 },
  wg4x16: { WG_X: 4, WG_Y: 16 },
  wg16x16: { WG_X: 16, WG_Y: 16 },
  wg32x2: { WG_X: 32, WG_Y: 2 },
  wg2x32: { WG_X: 2, WG_Y: 32 },
  wg1x64: { WG_X: 1, WG_Y: 64 },
};

/** Shape classes: outputs (rows × cols) with reduction depth `red`. */
export function matmulShapeClass(rows: number, cols: number, red: number): string {
  if (cols <= 16) return 'narrow';
  if (red <= 64) return 'shallow';
  if (rows <= 64) return 'short';
  return 'large';
}

/** Default before tuning: 64 invocations, no more columns of threads than the output needs. */
export function defaultConfig(cols: number): string {
  const blocks = Math.ceil(cols / 8);
  if (blocks <= 1) return 'wg1x64';
  if (blocks <= 2) return 'wg2x32';
  if (blocks <= 4) return 'wg4x16';
  return 'wg8x8';
}

function pickConfig(
  ctx: GpuContext,
  kernel: string,
  rows: number,
  cols: number,
  red: number,
  forced: string | undefined,
): { WG_X: number; WG_Y: number } {
  const tuned = forced ?? ctx.tuning.choice(kernel, matmulShapeClass(rows, cols, red));
  return kMatmulConfigs[tuned ?? ''] ?? kMatmulConfigs[defaultConfig(cols)];
}

function weightDtype(kernel: string, w: Tensor, given: WeightDtype | undefined): WeightDtype {
  const d: DType = given ?? w.dtype ?? 'f32';
  if (d !== 'f32' && d !== 'bf16' && d !== 'f16') {
    checkTensor(kernel, 'w', w, [1], 'f32'); // throws the dtype mismatch
  }
  return d as WeightDtype;
}

function grid(rows: number, cols: number, cfg: { WG_X: number; WG_Y: number }) {
  return [Math.ceil(cols / (8 * cfg.WG_X)), Math.ceil(rows / (8 * cfg.WG_Y)), 1] as [
    number,
    number,
    number,
  ];
}

/** Params of matmul_forward.wgsl: C (rows, cols) over `red`, with A/B strides (elements). */
function params(
  rows: number,
  cols: number,
  red: number,
  flags: number,
  alpha: number,
  sa: [number, number],
  sb: [number, number],
): ParamField[] {
  return [
    ['u32', rows],
    ['u32', cols],
    ['u32', red],
    ['u32', flags],
    ['f32', alpha],
    ['u32', sa[0]],
    ['u32', sa[1]],
    ['u32', sb[0]],
    ['u32', sb[1]],
  ];
}

/** y (=|+=) alpha · x·wᵀ (+ bias): the forward of a linear layer. */
export async function matmulForward(ctx: GpuContext, args: MatmulForwardArgs): Promise<GpuOp> {
  const { m, n, k } = args;
  const label = args.label ?? 'matmul_forward';
  checkDims(label, { m, n, k });
  const wDtype = weightDtype(label, args.w, args.wDtype);
  checkTensor(label, 'x', args.x, [m, k], 'f32');
  checkTensor(label, 'w', args.w, [n, k], wDtype);
  checkTensor(label, 'y', args.y, [m, n], 'f32');
  if (args.bias) checkTensor(label, 'bias', args.bias, [n], 'f32');
  checkDistinct(label, args.y, args.x, args.w, args.bias);
  const cfg = pickConfig(ctx, 'matmul_forward', m, n, k, args.config);
  const overrides: Overrides = { ...cfg, B_DTYPE: kDtypeCode[wDtype] };
  const flags = (args.bias ? 1 : 0) | (args.accumulate ? 2 : 0);
  // op(A) = X: row stride K, step 1; op(B)[p, j] = W[j, p]: step 1, column stride K.
  return makeOp(ctx, {
    label,
    shader: 'matmul_forward',
    code,
    overrides,
    bindings: [args.x, args.w, args.bias ?? args.x, args.y],
    params: params(m, n, k, flags, args.alpha ?? 1, [k, 1], [1, k]),
    workgroups: grid(m, n, cfg),
    flops: 2 * m * n * k,
  });
}

/** dx (=|+=) alpha · dy·w: the input gradient of a linear layer (frozen or not). */
export async function matmulBackwardInput(
  ctx: GpuContext,
  args: MatmulBackwardInputArgs,
): Promise<GpuOp> {
  const { m, n, k } = args;
  const label = args.label ?? 'matmul_backward_input';
  checkDims(label, { m, n, k });
  const wDtype = weightDtype(label, args.w, args.wDtype);
  checkTensor(label, 'dy', args.dy, [m, n], 'f32');
  checkTensor(label, 'w', args.w, [n, k], wDtype);
  checkTensor(label, 'dx', args.dx, [m, k], 'f32');
  checkDistinct(label, args.dx, args.dy, args.w);
  // C (M, K) = dY (M, N) · W (N, K): output cols = K, reduction = N.
  const cfg = pickConfig(ctx, 'matmul_backward_input', m, k, n, args.config);
  // op(A) = dY: row stride N, step 1; op(B) = W (N, K): step K, column stride 1.
  return makeOp(ctx, {
    label,
    shader: 'matmul_forward',
    code,
    overrides: { ...cfg, B_DTYPE: kDtypeCode[wDtype] },
    bindings: [args.dy, args.w, args.dy, args.dx],
    params: params(m, k, n, args.accumulate ? 2 : 0, args.alpha ?? 1, [n, 1], [k, 1]),
    workgroups: grid(m, k, cfg),
    flops: 2 * m * n * k,
  });
}

/** dw (+=|=) alpha · dyᵀ·x: the weight gradient of a linear layer (LoRA A and B use it). */
export async function matmulBackwardWeight(
  ctx: GpuContext,
  args: MatmulBackwardWeightArgs,
): Promise<GpuOp> {
  const { m, n, k } = args;
  const label = args.label ?? 'matmul_backward_weight';
  checkDims(label, { m, n, k });
  checkTensor(label, 'dy', args.dy, [m, n], 'f32');
  checkTensor(label, 'x', args.x, [m, k], 'f32');
  checkTensor(label, 'dw', args.dw, [n, k], 'f32');
  checkDistinct(label, args.dw, args.dy, args.x);
  // C (N, K) = dYᵀ (N, M) · X (M, K): output rows = N, cols = K, reduction = M.
  const cfg = pickConfig(ctx, 'matmul_backward_weight', n, k, m, args.config);
  // op(A) = dYᵀ: row stride 1, step N; op(B) = X (M, K): step K, column stride 1.
  const flags = (args.accumulate ?? true) ? 2 : 0;
  return makeOp(ctx, {
    label,
    shader: 'matmul_forward',
    code,
    overrides: { ...cfg, B_DTYPE: 0 },
    bindings: [args.dy, args.x, args.dy, args.dw],
    params: params(n, k, m, flags, args.alpha ?? 1, [1, n], [k, 1]),
    workgroups: grid(n, k, cfg),
    flops: 2 * m * n * k,
  });
}

// Candidates per class (each one is a pipeline compile, so keep the lists short).
const kWideCandidates = ['wg8x8', 'wg16x4', 'wg4x16', 'wg16x16'];
const kNarrowCandidates = ['wg1x64', 'wg2x32', 'wg4x16', 'wg8x8'];

type Kernel = 'matmul_forward' | 'matmul_backward_input' | 'matmul_backward_weight';

/** A representative shape (m, n, k in layer letters) per kernel and shape class. */
const kTuneShapes: { kernel: Kernel; shapeClass: string; m: number; n: number; k: number }[] = [
  { kernel: 'matmul_forward', shapeClass: 'large', m: 128, n: 384, k: 384 },
  { kernel: 'matmul_forward', shapeClass: 'narrow', m: 512, n: 16, k: 384 },
  { kernel: 'matmul_forward', shapeClass: 'shallow', m: 512, n: 384, k: 16 },
  { kernel: 'matmul_backward_input', shapeClass: 'large', m: 128, n: 384, k: 384 },
  { kernel: 'matmul_backward_weight', shapeClass: 'large', m: 128, n: 384, k: 384 },
  { kernel: 'matmul_backward_weight', shapeClass: 'narrow', m: 512, n: 384, k: 16 },
];

/**
 * Autotune tasks for the matmul kernels: pass them to `ctx.tuning.tune(timer, tasks, opts)`.
 * Each candidate is one workgroup shape, timed on a small representative shape of its class.
 */
export function matmulTuneTasks(ctx: GpuContext): TuneTask[] {
  return kTuneShapes.map(({ kernel, shapeClass, m, n, k }) => ({
    kernel,
    shapeClass,
    candidates: shapeClass === 'narrow' ? kNarrowCandidates : kWideCandidates,
    // The default for the tuning shape's output width (`k` columns for the backward forms).
    preferred: defaultConfig(kernel === 'matmul_forward' ? n : k),
    async build(candidate: string) {
      const a = ctx.tensor(4 * m * Math.max(n, k), 'scratch', 'tune.a');
      const b = ctx.tensor(4 * n * k, 'scratch', 'tune.b');
      const c = ctx.tensor(4 * m * Math.max(n, k), 'scratch', 'tune.c');
      const free = () => [a, b, c].forEach((t) => ctx.release(t));
      const common = { m, n, k, label: `tune.${kernel}`, config: candidate };
      let op: GpuOp;
      try {
        op =
          kernel === 'matmul_forward'
            ? await matmulForward(ctx, { x: a, w: b, y: c, ...common })
            : kernel === 'matmul_backward_input'
              ? await matmulBackwardInput(ctx, { dy: a, w: b, dx: c, ...common })
              : await matmulBackwardWeight(ctx, { dy: a, x: c, dw: b, ...common });
      } catch (e) {
        free();
        throw e;
      }
      return {
        record: (pass: GPUComputePassEncoder) => op.record(pass),
        dispose: () => {
          op.destroy();
          free();
        },
      };
    },
  }));
}
