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
// (kMatmulConfigs) names the shader kind and its workgroup shape; the autotuner picks one per
// adapter and shape class (`matmulTuneTasks`), and `defaultConfig` applies until then.
import type { DType, Overrides, Tensor } from '../gpu/context.ts';
import type { GpuContext } from '../gpu/context.ts';
import { checkDims, checkDistinct, checkTensor } from '../gpu/check.ts';
import { makeOp, type GpuOp } from '../gpu/op.ts';
import type { TuneTask } from '../gpu/autotune.ts';
import code from '../../shaders/matmul_forward.wgsl?raw';
import ntCode from '../../shaders/matmul_nt_forward.wgsl?raw';
import nnCode from '../../shaders/matmul_nn_forward.wgsl?raw';
import ntsgCode from '../../shaders/matmul_ntsg_forward.wgsl?raw';
import nnsgCode from '../../shaders/matmul_nnsg_forward.wgsl?raw';
import tiledCode from '../../shaders/matmul_tiled_forward.wgsl?raw';
import type { ParamField } from '../gpu/context.ts';
import { cpuAdapter, subgroupSharingOk } from './launch.ts';

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

/**
 * Configurations the autotuner chooses from: the shader (`scalar` matmul_forward.wgsl, 8×8 outputs
 * per invocation; `vec4` matmul_nt/nn_forward.wgsl, 4×8; `subgroup` matmul_ntsg/nnsg_forward.wgsl,
 * 4×8 with x along rows; `tiled` matmul_tiled_forward.wgsl, 4×4 in 64×64 workgroup tiles) and its
 * workgroup shape (WG_X invocations along output columns, WG_Y along rows).
 */
export interface MatmulConfig {
  kind: 'scalar' | 'vec4' | 'subgroup' | 'tiled';
  WG_X: number;
  WG_Y: number;
}

export const kMatmulConfigs: Record<string, MatmulConfig> = {
  wg8x8: { kind: 'scalar', WG_X: 8, WG_Y: 8 },
  wg16x4: { kind: 'scalar', WG_X: 16, WG_Y: 4 },
  wg4x16: { kind: 'scalar', WG_X: 4, WG_Y: 16 },
  wg16x16: { kind: 'scalar', WG_X: 16, WG_Y: 16 },
  wg32x2: { kind: 'scalar', WG_X: 32, WG_Y: 2 },
  wg2x32: { kind: 'scalar', WG_X: 2, WG_Y: 32 },
  wg1x64: { kind: 'scalar', WG_X: 1, WG_Y: 64 },
  v16x4: { kind: 'vec4', WG_X: 16, WG_Y: 4 },
  v16x8: { kind: 'vec4', WG_X: 16, WG_Y: 8 },
  v8x8: { kind: 'vec4', WG_X: 8, WG_Y: 8 },
  v4x16: { kind: 'vec4', WG_X: 4, WG_Y: 16 },
  v2x32: { kind: 'vec4', WG_X: 2, WG_Y: 32 },
  v1x64: { kind: 'vec4', WG_X: 1, WG_Y: 64 },
  // matmul_ntsg_forward.wgsl (X·Wᵀ) / matmul_nnsg_forward.wgsl (dY·W): B shared across each
  // subgroup (x runs along rows).
  sg64: { kind: 'subgroup', WG_X: 64, WG_Y: 1 },
  // matmul_tiled_forward.wgsl (both forms): 64 × 64 tiles of C through workgroup memory.
  t16x16: { kind: 'tiled', WG_X: 16, WG_Y: 16 },
};

/** Output rows × columns one invocation computes. */
const kBlock: Record<MatmulConfig['kind'], { rows: number; cols: number }> = {
  scalar: { rows: 8, cols: 8 },
  vec4: { rows: 4, cols: 8 },
  subgroup: { rows: 4, cols: 8 },
  tiled: { rows: 4, cols: 4 },
};

/** Whether the subgroup shaders (matmul_ntsg / matmul_nnsg) can run here (launch.ts). */
export const subgroupMatmulOk = subgroupSharingOk;

/** Shape classes: outputs (rows × cols) with reduction depth `red`. */
export function matmulShapeClass(rows: number, cols: number, red: number): string {
  if (cols <= 16) return 'narrow';
  if (red <= 64) return 'shallow';
  if (rows <= 64) return 'short';
  return 'large';
}

/**
 * Default before tuning: the subgroup shader where subgroups and the shape allow it, else the vec4
 * shader when the shape allows it, with no more columns of threads than the output needs (8 output
 * columns per invocation either way), else the scalar one.
 */
export function defaultConfig(cols: number, vec4 = false, subgroup = false): string {
  const blocks = Math.ceil(cols / 8);
  // Usable subgroups: the subgroup shader, at any width (SwiftShader: X·Wᵀ 1.2-1.45× the vec4 one;
  // dY·W 1.3-1.6× the scalar one and 2.5× the vec4 one at 16×4; 16 output columns, as LoRA's
  // dY·B, 1.6× the vec4 one at 2×32).
  if (vec4 && subgroup) return 'sg64';
  const p = vec4 ? 'v' : 'wg';
  if (blocks <= 1) return `${p}1x64`;
  if (blocks <= 2) return `${p}2x32`;
  if (blocks <= 4) return `${p}4x16`;
  return vec4 ? 'v16x4' : 'wg8x8';
}

/**
 * The configuration for one dispatch: forced, else tuned, else the default. A choice this form or
 * shape cannot run (vec4 without `vec4Ok`; subgroup without `subgroupOk`) falls back to the default.
 */
function pickConfig(
  ctx: GpuContext,
  kernel: string,
  rows: number,
  cols: number,
  red: number,
  forced: string | undefined,
  vec4Ok: boolean,
  subgroupOk = false,
): MatmulConfig {
  const chosen =
    kMatmulConfigs[forced ?? ctx.tuning.choice(kernel, matmulShapeClass(rows, cols, red)) ?? ''];
  const ok = { scalar: true, vec4: vec4Ok, subgroup: subgroupOk && vec4Ok, tiled: vec4Ok };
  if (chosen && ok[chosen.kind]) return chosen;
  return kMatmulConfigs[defaultConfig(cols, vec4Ok, subgroupOk)];
}

function weightDtype(kernel: string, w: Tensor, given: WeightDtype | undefined): WeightDtype {
  const d: DType = given ?? w.dtype ?? 'f32';
  if (d !== 'f32' && d !== 'bf16' && d !== 'f16') {
    checkTensor(kernel, 'w', w, [1], 'f32'); // throws the dtype mismatch
  }
  return d as WeightDtype;
}

function grid(rows: number, cols: number, cfg: MatmulConfig): [number, number, number] {
  const b = kBlock[cfg.kind];
  // The subgroup shader runs x along rows (a workgroup shares its columns), the others along columns.
  if (cfg.kind === 'subgroup') {
    return [Math.ceil(rows / (b.rows * cfg.WG_X)), Math.ceil(cols / b.cols), 1];
  }
  return [Math.ceil(cols / (b.cols * cfg.WG_X)), Math.ceil(rows / (b.rows * cfg.WG_Y)), 1];
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

// Candidates per class (each one is a pipeline compile, so keep the lists short).
// The vec4 shader won every LLM shape measured on SwiftShader (README); the scalar ones stay in the
// running for adapters where it does not (and for the weight gradient, which has no vec4 form).
// Three per task keeps the whole tuning (compiles included) to seconds.
// dY·W: the vec4 shader at 16×4 ran at half the scalar one's rate on SwiftShader, at 1×64 (a
// subgroup's lanes share columns, so their B loads coincide) at 1.3× it.
const kWideCandidates = ['sg64', 'v1x64', 'v16x4', 'wg8x8'];
const kForwardWideCandidates = ['v16x4', 'sg64', 'v16x8', 'wg8x8'];
const kNarrowCandidates = ['v1x64', 'v2x32', 'wg1x64', 'sg64'];
const kScalarWideCandidates = ['wg8x8', 'wg16x4', 'wg4x16'];
const kScalarNarrowCandidates = ['wg1x64', 'wg2x32', 'wg4x16'];

type Kernel = 'matmul_forward' | 'matmul_backward_input' | 'matmul_backward_weight';

/** A representative shape (m, n, k in layer letters) per kernel and shape class. */
const kTuneShapes: { kernel: Kernel; shapeClass: string; m: number; n: number; k: number }[] = [
  // 'large' at 512 rows: at 128 rows a candidate takes ~20 ms on SwiftShader and the vec4 shader's
  // lead (~20%) was within a busy machine's noise (the tuner kept the scalar one on some runs); at
  // 512 rows it leads by 30-45%, as on layer-sized products.
  { kernel: 'matmul_forward', shapeClass: 'large', m: 512, n: 384, k: 384 },
  { kernel: 'matmul_forward', shapeClass: 'narrow', m: 512, n: 16, k: 384 },
  { kernel: 'matmul_forward', shapeClass: 'shallow', m: 512, n: 384, k: 16 },
  { kernel: 'matmul_backward_input', shapeClass: 'large', m: 512, n: 384, k: 384 },
  // 16 output columns: LoRA's g = dY·B when its backward runs as two matmuls.
  { kernel: 'matmul_backward_input', shapeClass: 'narrow', m: 512, n: 384, k: 16 },
  { kernel: 'matmul_backward_weight', shapeClass: 'large', m: 128, n: 384, k: 384 },
  { kernel: 'matmul_backward_weight', shapeClass: 'narrow', m: 512, n: 384, k: 16 },
];

/**
 * Autotune tasks for the matmul kernels: pass them to `ctx.tuning.tune(timer, tasks, opts)`.
 * Each candidate is one configuration (shader and workgroup shape), timed on a small
 * representative shape of its class.
 */
export function matmulTuneTasks(ctx: GpuContext): TuneTask[] {
  // Off CPU adapters the workgroup-memory tiled shader joins the wide products' candidates.
  const tiled = cpuAdapter(ctx) ? [] : ['t16x16'];
  return kTuneShapes.map(({ kernel, shapeClass, m, n, k }) => ({
    kernel,
    shapeClass,
    candidates:
      kernel === 'matmul_backward_weight'
        ? shapeClass === 'narrow'
          ? kScalarNarrowCandidates
          : kScalarWideCandidates
        : shapeClass === 'narrow'
          ? kNarrowCandidates
          : kernel === 'matmul_forward'
            ? [...kForwardWideCandidates, ...tiled]
            : [...kWideCandidates, ...tiled],
    // The default for the tuning shape's output width (`k` columns for the backward forms); every
    // tuning shape's sizes are multiples of 4, so the vec4 shader can run it.
    preferred: defaultConfig(
      kernel === 'matmul_forward' ? n : k,
      kernel !== 'matmul_backward_weight',
      kernel !== 'matmul_backward_weight' && subgroupMatmulOk(ctx),
    ),
    async build(candidate: string) {
      if (kMatmulConfigs[candidate]?.kind === 'subgroup' && !subgroupMatmulOk(ctx)) {
        throw new Error(`${candidate}: this adapter has no usable subgroups`);
      }
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
