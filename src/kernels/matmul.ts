// Typed launchers for the linear-layer matmuls. Shape letters are the layer's: M = B·T flattened
// rows, N = out_features, K = in_features; W is (N, K) as Hugging Face stores it. Every launcher
// checks shapes/dtypes (ShapeError) and returns a prepared `GpuOp` (record it into a pass; it
// creates no GPU objects when recorded).
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
// Six shaders: shaders/matmul_forward.wgsl (scalar loads, any strides, 8×8 per invocation) runs
// every form; shaders/matmul_nt_forward.wgsl (X·Wᵀ) and shaders/matmul_nn_forward.wgsl (dY·W) read
// vec4s along the contiguous dimension, 4×8 per invocation, 1.6-1.9× faster on SwiftShader, when
// the sizes are multiples of 4; matmul_ntsg_forward.wgsl and matmul_nnsg_forward.wgsl are those two
// with the B loads shared across a subgroup (adapters with usable subgroups);
// matmul_tiled_forward.wgsl runs both through workgroup-memory tiles (64 × 64 per workgroup), the
// layout that suits discrete GPUs (a candidate only off CPU adapters). A configuration
// (kMatmulConfigs, matmul_configs.ts) names the shader kind and its workgroup shape; the autotuner
// picks one per adapter and shape class (`matmulTuneTasks`, matmul_tune.ts), and `defaultConfig`
// applies until then. shaders/gen/matmul.ts and matmul_scalar.ts write all six shaders.
import type { DType, Overrides, ParamField, Tensor } from '../gpu/context.ts';
import type { GpuContext } from '../gpu/context.ts';
import { checkDims, checkDistinct, checkTensor } from '../gpu/check.ts';
import { makeOp, type GpuOp } from '../gpu/op.ts';
import code from '../../shaders/matmul_forward.wgsl?raw';
import ntCode from '../../shaders/matmul_nt_forward.wgsl?raw';
import nnCode from '../../shaders/matmul_nn_forward.wgsl?raw';
import ntsgCode from '../../shaders/matmul_ntsg_forward.wgsl?raw';
import nnsgCode from '../../shaders/matmul_nnsg_forward.wgsl?raw';
import tiledCode from '../../shaders/matmul_tiled_forward.wgsl?raw';
import { grid, pickConfig, subgroupMatmulOk, type MatmulConfig } from './matmul_configs.ts';

export {
  defaultConfig,
  kMatmulConfigs,
  matmulShapeClass,
  subgroupMatmulOk,
  type MatmulConfig,
} from './matmul_configs.ts';

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

function weightDtype(kernel: string, w: Tensor, given: WeightDtype | undefined): WeightDtype {
  const d: DType = given ?? w.dtype ?? 'f32';
  if (d !== 'f32' && d !== 'bf16' && d !== 'f16') {
    checkTensor(kernel, 'w', w, [1], 'f32'); // throws the dtype mismatch
  }
  return d as WeightDtype;
}

/** Params of matmul_nt_forward.wgsl / matmul_nn_forward.wgsl: C (rows, cols) over `red`. */
function vec4Params(
  rows: number,
  cols: number,
  red: number,
  flags: number,
  alpha: number,
): ParamField[] {
  return [
    ['u32', rows],
    ['u32', cols],
    ['u32', red],
    ['u32', flags],
    ['f32', alpha],
  ];
}

/**
 * The vector shaders (every kind but `scalar`) per form: X·Wᵀ (`nt`) or dY·W (`nn`). They share
 * one binding layout and params (vec4Params); the tiled shader serves both forms through its NN
 * override.
 */
const kVectorShaders: Record<
  'nt' | 'nn',
  Record<'vec4' | 'subgroup' | 'tiled', [string, string]>
> = {
  nt: {
    vec4: ['matmul_nt_forward', ntCode],
    subgroup: ['matmul_ntsg_forward', ntsgCode],
    tiled: ['matmul_tiled_forward', tiledCode],
  },
  nn: {
    vec4: ['matmul_nn_forward', nnCode],
    subgroup: ['matmul_nnsg_forward', nnsgCode],
    tiled: ['matmul_tiled_forward', tiledCode],
  },
};

/** Overrides of a vector shader: its workgroup shape where it has one, and the weight dtype. */
function vectorOverrides(form: 'nt' | 'nn', cfg: MatmulConfig, bDtype: number): Overrides {
  if (cfg.kind === 'subgroup') return { WG_X: cfg.WG_X, B_DTYPE: bDtype };
  if (cfg.kind === 'tiled') return { B_DTYPE: bDtype, NN: form === 'nn' ? 1 : 0 };
  return { WG_X: cfg.WG_X, WG_Y: cfg.WG_Y, B_DTYPE: bDtype };
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
  const sgOk = subgroupMatmulOk(ctx);
  let cfg = pickConfig(ctx, 'matmul_forward', m, n, k, args.config, k % 4 === 0, sgOk);
  // One row (decoding a token): a matrix-vector product, one row per invocation (ROWS 1), 64
  // invocations along the columns; ran 2× faster than 4-row blocks of which 3 are clamped copies.
  const vector = m === 1 && k % 4 === 0 && !args.config;
  if (vector) cfg = { kind: 'vec4', WG_X: 64, WG_Y: 1 };
  const overrides: Overrides =
    cfg.kind === 'scalar'
      ? { WG_X: cfg.WG_X, WG_Y: cfg.WG_Y, B_DTYPE: kDtypeCode[wDtype] }
      : {
          ...vectorOverrides('nt', cfg, kDtypeCode[wDtype]),
          ...(cfg.kind === 'vec4' ? { ROWS: vector ? 1 : 4 } : {}),
        };
  const flags = (args.bias ? 1 : 0) | (args.accumulate ? 2 : 0);
  const common = {
    label,
    overrides,
    bindings: [args.x, args.w, args.bias ?? args.x, args.y],
    workgroups: vector ? grid(4, n, cfg) : grid(m, n, cfg),
    flops: 2 * m * n * k,
  };
  if (cfg.kind !== 'scalar') {
    const [shader, vcode] = kVectorShaders.nt[cfg.kind];
    return makeOp(ctx, {
      ...common,
      bindings: [...common.bindings, args.w], // binding 4: w again, as f32 vec4s
      shader,
      code: vcode,
      params: vec4Params(m, n, k, flags, args.alpha ?? 1),
    });
  }
  // op(A) = X: row stride K, step 1; op(B)[p, j] = W[j, p]: step 1, column stride K.
  return makeOp(ctx, {
    ...common,
    shader: 'matmul_forward',
    code,
    params: params(m, n, k, flags, args.alpha ?? 1, [k, 1], [1, k]),
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
  const cfg = pickConfig(
    ctx,
    'matmul_backward_input',
    m,
    k,
    n,
    args.config,
    n % 4 === 0 && k % 4 === 0,
    subgroupMatmulOk(ctx),
  );
  const common = {
    label,
    overrides:
      cfg.kind === 'scalar'
        ? { WG_X: cfg.WG_X, WG_Y: cfg.WG_Y, B_DTYPE: kDtypeCode[wDtype] }
        : vectorOverrides('nn', cfg, kDtypeCode[wDtype]),
    bindings: [args.dy, args.w, args.dy, args.dx],
    workgroups: grid(m, k, cfg),
    flops: 2 * m * n * k,
  };
  const flags = args.accumulate ? 2 : 0;
  if (cfg.kind !== 'scalar') {
    // Shader letters: c (M, K) = a (M, N) · b (N, K), reduction N.
    const [shader, vcode] = kVectorShaders.nn[cfg.kind];
    return makeOp(ctx, {
      ...common,
      bindings: [...common.bindings, args.w], // binding 4: w again, as f32 vec4s
      shader,
      code: vcode,
      params: vec4Params(m, k, n, flags, args.alpha ?? 1),
    });
  }
  // op(A) = dY: row stride N, step 1; op(B) = W (N, K): step K, column stride 1.
  return makeOp(ctx, {
    ...common,
    shader: 'matmul_forward',
    code,
    params: params(m, k, n, flags, args.alpha ?? 1, [n, 1], [k, 1]),
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
  // Strided along the reduction in dY: only the scalar shader runs this form.
  const cfg = pickConfig(ctx, 'matmul_backward_weight', n, k, m, args.config, false);
  // op(A) = dYᵀ: row stride 1, step N; op(B) = X (M, K): step K, column stride 1.
  const flags = (args.accumulate ?? true) ? 2 : 0;
  return makeOp(ctx, {
    label,
    shader: 'matmul_forward',
    code,
    overrides: { WG_X: cfg.WG_X, WG_Y: cfg.WG_Y, B_DTYPE: 0 },
    bindings: [args.dy, args.x, args.dy, args.dw],
    params: params(n, k, m, flags, args.alpha ?? 1, [1, n], [k, 1]),
    workgroups: grid(n, k, cfg),
    flops: 2 * m * n * k,
  });
}
