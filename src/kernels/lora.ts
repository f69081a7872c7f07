// Typed launchers for the LoRA branch of a linear layer, y = W·x + b + s · B(A(x)) with
// A = lora_A.weight (R, K) and B = lora_B.weight (N, R), s = alpha/r (or alpha/√r with rsLoRA).
// Letters: M = B·T rows, K = in_features, N = out_features, R = rank. All f32.
//
//   loraForward(ctx, { x, a, b, h, y })                         one dispatch (shaders/lora_forward.wgsl)
//     h (M,R) = x·aᵀ  (=, saved for backward);  y (M,N) += s · h·bᵀ
//   loraBackward(ctx, { x, a, b, h, dy, g, dx, da, db })        three dispatches
//     g (M,R) = dy·b (=, scratch);  dx (M,K) += s · g·a          (shaders/lora_backward.wgsl)
//     da (R,K) += s · gᵀ·x;  db (N,R) += s · dyᵀ·h              (matmulBackwardWeight)
//
// `x` is the LoRA input: with LoRA dropout pass dropout(x) to both, and in backward send dx to a
// separate buffer (`accumulateDx: false`) that the dropout backward then masks and adds.
// Parameter grads da/db always accumulate (+=, gradient accumulation); y and dx accumulate by
// default (the base layer wrote them first). Both return a prepared `GpuOp`.
//
// Configurations (autotuned per adapter and rank class, see `loraTuneTasks`): the fused kernels
// with 16/32/64 rows per workgroup (default 32), or `matmul`: the same math as two dispatches of
// the register-blocked matmul kernel in its narrow/shallow shapes. The fused kernels read every
// buffer as vec4s along its contiguous dimension when K, N and R are multiples of 4 (every
// supported model at the usual ranks; shaders/gen/lora.ts writes them); other shapes take the
// hand-written `lora_scalar_*.wgsl` versions.
import type { Tensor } from '../gpu/context.ts';
import type { GpuContext } from '../gpu/context.ts';
import { checkDims, checkDistinct, checkTensor } from '../gpu/check.ts';
import { ShapeError } from '../gpu/errors.ts';
import { makeOp, sequenceOps, type GpuOp } from '../gpu/op.ts';
import type { TuneTask } from '../gpu/autotune.ts';
import { matmulBackwardInput, matmulBackwardWeight, matmulForward } from './matmul.ts';
import forwardCode from '../../shaders/lora_forward.wgsl?raw';
import backwardCode from '../../shaders/lora_backward.wgsl?raw';
import forwardScalarCode from '../../shaders/lora_scalar_forward.wgsl?raw';
import backwardScalarCode from '../../shaders/lora_scalar_backward.wgsl?raw';

/** Largest supported rank (workgroup memory holds ROWS × R floats). */
export const kMaxLoraRank = 256;

export interface LoraDims {
  m: number;
  n: number;
  k: number;
  r: number;
  /** s = alpha / r (or alpha / √r with rsLoRA). */
  scale: number;
  label?: string;
  /** Rows per workgroup (a multiple of 4) of the fused kernel instead of the tuned/default one. */
  rows?: number;
  /**
   * Force a configuration: `rows16`/`rows32`/`rows64` (fused kernel) or `matmul` (the same math as
   * two dispatches of the matmul kernel, which the autotuner picks where it is faster).
   */
  config?: string;
}

export interface LoraForwardArgs extends LoraDims {
  x: Tensor; // (M, K)
  a: Tensor; // (R, K)
  b: Tensor; // (N, R)
  h: Tensor; // (M, R) output, saved for backward
  y: Tensor; // (M, N) output, += by default
  /** Default true: y += s·h·bᵀ (y already holds the base layer's output). */
  accumulate?: boolean;
}

export interface LoraBackwardArgs extends LoraDims {
  x: Tensor; // (M, K) the forward's LoRA input
  a: Tensor; // (R, K)
  b: Tensor; // (N, R)
  h: Tensor; // (M, R) saved by loraForward
  dy: Tensor; // (M, N)
  g: Tensor; // (M, R) scratch: dy·b
  dx: Tensor; // (M, K) output
  da: Tensor; // (R, K) += s·gᵀ·x
  db: Tensor; // (N, R) += s·dyᵀ·h
  /** Default true: dx += s·g·a (dx already holds the base layer's dY·W). */
  accumulateDx?: boolean;
}

export const kLoraRowOptions = [16, 32, 64] as const;

/** The fused kernel for these dims: vec4 loads when K, N and R are multiples of 4, else scalar. */
function fusedKernel(kind: 'forward' | 'backward', d: LoraDims): { shader: string; code: string } {
  const vec4 = d.k % 4 === 0 && d.n % 4 === 0 && d.r % 4 === 0;
  if (kind === 'forward') {
    return vec4
      ? { shader: 'lora_forward', code: forwardCode }
      : { shader: 'lora_scalar_forward', code: forwardScalarCode };
  }
  return vec4
    ? { shader: 'lora_backward', code: backwardCode }
    : { shader: 'lora_scalar_backward', code: backwardScalarCode };
}

/**
 * Fused kernel with `rows` rows per workgroup (0 = the two-matmul path): forced, else tuned per
 * adapter and rank class, else fused with 32 rows (16 for ranks > 64).
 */
function pickRows(ctx: GpuContext, kernel: string, d: LoraDims): number {
  if (d.rows !== undefined) return d.rows;
  const choice = d.config ?? ctx.tuning.choice(kernel, loraShapeClass(d.r));
  if (choice === 'matmul') return 0;
  const tuned = Number(choice?.replace('rows', ''));
  if (kLoraRowOptions.includes(tuned as 16)) return tuned;
  return d.r > 64 ? 16 : 32;
}

export function loraShapeClass(r: number): string {
  return r <= 16 ? 'r16' : r <= 64 ? 'r64' : 'r256';
}

function checkCommon(ctx: GpuContext, label: string, d: LoraDims, rows: number): void {
  checkDims(label, { m: d.m, n: d.n, k: d.k, r: d.r });
  if (d.r > kMaxLoraRank) throw new ShapeError(label, `rank ${d.r} > ${kMaxLoraRank}`);
  if (!Number.isFinite(d.scale)) throw new ShapeError(label, `scale ${d.scale} is not finite`);
  if (rows === 0) return; // two-matmul path
  if (rows % 4 !== 0 || rows < 4 || rows > 256) {
    throw new ShapeError(label, `rows per workgroup ${rows} must be a multiple of 4 in [4, 256]`);
  }
  const shared = rows * Math.ceil(d.r / 4) * 16;
  if (shared > ctx.device.limits.maxComputeWorkgroupStorageSize) {
    throw new ShapeError(
      label,
      `${rows} rows × rank ${d.r} need ${shared} bytes of workgroup memory`,
    );
  }
}

/** h = x·aᵀ (=); y += s·h·bᵀ: the LoRA branch's forward, one dispatch. */
export async function loraForward(ctx: GpuContext, args: LoraForwardArgs): Promise<GpuOp> {
  const { m, n, k, r } = args;
  const label = args.label ?? 'lora_forward';
  const rows = pickRows(ctx, 'lora_forward', args);
  checkCommon(ctx, label, args, rows);
  checkTensor(label, 'x', args.x, [m, k], 'f32');
  checkTensor(label, 'a', args.a, [r, k], 'f32');
  checkTensor(label, 'b', args.b, [n, r], 'f32');
  checkTensor(label, 'h', args.h, [m, r], 'f32');
  checkTensor(label, 'y', args.y, [m, n], 'f32');
  checkDistinct(label, args.h, args.x, args.a, args.b, args.y);
  checkDistinct(label, args.y, args.x, args.a, args.b);
  if (rows === 0) {
    // h (M, R) = x·aᵀ;  y (M, N) (+)= s · h·bᵀ, on the matmul kernel.
    const first = await matmulForward(ctx, {
      x: args.x,
      w: args.a,
      y: args.h,
      m,
      n: r,
      k,
      label: `${label}.h`,
    });
    const second = await matmulForward(ctx, {
      x: args.h,
      w: args.b,
      y: args.y,
      m,
      n,
      k: r,
      alpha: args.scale,
      accumulate: args.accumulate ?? true,
      label: `${label}.y`,
    });
    return sequenceOps(label, [first, second]);
  }
  return makeOp(ctx, {
    label,
    ...fusedKernel('forward', args),
    overrides: { ROWS: rows, RV: Math.ceil(r / 4) },
    bindings: [args.x, args.a, args.b, args.h, args.y],
    params: [
      ['u32', m],
      ['u32', n],
      ['u32', k],
      ['u32', r],
      ['u32', (args.accumulate ?? true) ? 2 : 0],
      ['f32', args.scale],
    ],
    workgroups: [Math.ceil(m / rows), 1, 1],
    flops: 2 * m * r * (k + n),
  });
}

/**
 * The LoRA branch's backward: g = dy·b, dx (+)= s·g·a (fused), then da += s·gᵀ·x and
 * db += s·dyᵀ·h (two-pass: g is complete before the weight-gradient reductions read it).
 */
export async function loraBackward(ctx: GpuContext, args: LoraBackwardArgs): Promise<GpuOp> {
  const { m, n, k, r, scale } = args;
  const label = args.label ?? 'lora_backward';
  const rows = pickRows(ctx, 'lora_backward', args);
  checkCommon(ctx, label, args, rows);
  checkTensor(label, 'x', args.x, [m, k], 'f32');
  checkTensor(label, 'a', args.a, [r, k], 'f32');
  checkTensor(label, 'b', args.b, [n, r], 'f32');
  checkTensor(label, 'h', args.h, [m, r], 'f32');
  checkTensor(label, 'dy', args.dy, [m, n], 'f32');
  checkTensor(label, 'g', args.g, [m, r], 'f32');
  checkTensor(label, 'dx', args.dx, [m, k], 'f32');
  checkTensor(label, 'da', args.da, [r, k], 'f32');
  checkTensor(label, 'db', args.db, [n, r], 'f32');
  checkDistinct(label, args.g, args.dy, args.a, args.b, args.dx);
  checkDistinct(label, args.dx, args.dy, args.a, args.b);
  const input =
    rows === 0
      ? await loraBackwardInputByMatmul(ctx, args, label)
      : await makeOp(ctx, {
          label: `${label}.dx`,
          ...fusedKernel('backward', args),
          overrides: { ROWS: rows, RV: Math.ceil(r / 4) },
          bindings: [args.dy, args.b, args.a, args.g, args.dx],
          params: [
            ['u32', m],
            ['u32', n],
            ['u32', k],
            ['u32', r],
            ['u32', (args.accumulateDx ?? true) ? 2 : 0],
            ['f32', scale],
          ],
          workgroups: [Math.ceil(m / rows), 1, 1],
          flops: 2 * m * r * (n + k),
        });
  // da (R, K) += s · gᵀ (R, M) · x (M, K);  db (N, R) += s · dyᵀ (N, M) · h (M, R).
  const da = await matmulBackwardWeight(ctx, {
    dy: args.g,
    x: args.x,
    dw: args.da,
    m,
    n: r,
    k,
    alpha: scale,
    label: `${label}.da`,
  });
  const db = await matmulBackwardWeight(ctx, {
    dy: args.dy,
    x: args.h,
    dw: args.db,
    m,
    n,
    k: r,
    alpha: scale,
    label: `${label}.db`,
  });
  return sequenceOps(label, [input, da, db]);
}

/** g (M, R) = dy·b;  dx (M, K) (+)= s · g·a, as two matmul dispatches (the `matmul` config). */
async function loraBackwardInputByMatmul(
  ctx: GpuContext,
  args: LoraBackwardArgs,
  label: string,
): Promise<GpuOp> {
  const { m, n, k, r } = args;
  const g = await matmulBackwardInput(ctx, {
    dy: args.dy,
    w: args.b,
    dx: args.g,
    m,
    n,
    k: r,
    label: `${label}.g`,
  });
  const dx = await matmulBackwardInput(ctx, {
    dy: args.g,
    w: args.a,
    dx: args.dx,
    m,
    n: r,
    k,
    alpha: args.scale,
    accumulate: args.accumulateDx ?? true,
    label: `${label}.dx`,
  });
  return sequenceOps(`${label}.input`, [g, dx]);
}

/** Autotune tasks for the fused LoRA kernels (rows per workgroup) at rank 16 on SmolLM2 widths. */
export function loraTuneTasks(ctx: GpuContext): TuneTask[] {
  const [m, n, k, r] = [512, 576, 576, 16];
  const kernels = ['lora_forward', 'lora_backward'] as const;
  return kernels.map((kernel) => ({
    kernel,
    shapeClass: loraShapeClass(r),
    candidates: [...kLoraRowOptions.map((rows) => `rows${rows}`), 'matmul'],
    preferred: 'rows32',
    async build(candidate: string) {
      const t = (count: number, name: string) => ctx.tensor(4 * count, 'scratch', `tune.${name}`);
      const x = t(m * k, 'x');
      const a = t(r * k, 'a');
      const b = t(n * r, 'b');
      const h = t(m * r, 'h');
      const y = t(m * Math.max(n, k), 'y');
      const free = () => [x, a, b, h, y].forEach((tt) => ctx.release(tt));
      try {
        const dims = { m, n, k, r, scale: 1, config: candidate, label: `tune.${kernel}` };
        // The input-gradient half only (the weight gradients run on matmul either way).
        const args = { x, a, b, h, dy: y, g: h, dx: x, da: a, db: b, ...dims };
        const rows = pickRows(ctx, kernel, dims);
        const op =
          kernel === 'lora_forward'
            ? await loraForward(ctx, { x, a, b, h, y, ...dims })
            : rows === 0
              ? await loraBackwardInputByMatmul(ctx, args, dims.label)
              : await makeOp(ctx, {
                  label: `tune.${kernel}`,
                  ...fusedKernel('backward', dims),
                  overrides: { ROWS: rows, RV: Math.ceil(r / 4) },
                  bindings: [y, b, a, h, x],
                  params: [
                    ['u32', m],
                    ['u32', n],
                    ['u32', k],
                    ['u32', r],
                    ['u32', 2],
                    ['f32', 1],
                  ],
                  workgroups: [Math.ceil(m / rows), 1, 1],
                });
        return {
          record: (pass: GPUComputePassEncoder) => op.record(pass),
          dispose: () => {
            op.destroy();
            free();
          },
        };
      } catch (e) {
        free();
        throw e;
      }
    },
  }));
}
