// Dropout with a counter-based RNG (Philox2x32-10): the forward and the backward regenerate the
// same keep mask from (seed, stream, element index), so no mask is stored. torch semantics:
// kept elements are scaled by 1 / (1 - p).
//   dropoutForward(ctx, { x (N), out (N) =, p, seed, stream })
//   dropoutBackward(ctx, { dout (N), dx (N) =, p, seed, stream })   same p/seed/stream as forward
// `stream` must differ per (optimizer step, dropout site), e.g. step · sites + site.
import type { GpuContext, Tensor } from '../gpu/context.ts';
import { checkDims, checkDistinct, checkTensor } from '../gpu/check.ts';
import { ShapeError } from '../gpu/errors.ts';
import { makeOp, type GpuOp } from '../gpu/op.ts';
import forwardCode from '../../shaders/dropout_forward.wgsl?raw';
import backwardCode from '../../shaders/dropout_backward.wgsl?raw';
import { grid1d } from './launch.ts';

const kWg = 256;

export interface DropoutMask {
  n: number;
  /** Drop probability in [0, 1). */
  p: number;
  seed: number; // u32
  stream: number; // u32
  label?: string;
}

/** Keep iff philox(...) >= threshold; P(keep) = 1 − threshold / 2^32. */
export function dropoutThreshold(p: number): number {
  return Math.min(0xffffffff, Math.round(p * 2 ** 32));
}

/** The scale torch applies to kept elements, 1 / (1 − p), as an f32. */
export const dropoutScale = (p: number): number => Math.fround(1 / (1 - p));

function params(kernel: string, a: DropoutMask): ['u32' | 'f32', number][] {
  checkDims(kernel, { n: a.n });
  if (!(a.p >= 0 && a.p < 1)) throw new ShapeError(kernel, `p = ${a.p} must be in [0, 1)`);
  for (const [name, v] of [
    ['seed', a.seed],
    ['stream', a.stream],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
      throw new ShapeError(kernel, `${name} = ${v} must be a u32`);
    }
  }
  return [
    ['u32', a.n],
    ['u32', a.seed],
    ['u32', a.stream],
    ['u32', dropoutThreshold(a.p)],
    ['f32', dropoutScale(a.p)],
  ];
}

export async function dropoutForward(
  ctx: GpuContext,
  a: DropoutMask & { x: Tensor; out: Tensor },
): Promise<GpuOp> {
  const k = 'dropoutForward';
  const p = params(k, a);
  checkTensor(k, 'x', a.x, [a.n], 'f32');
  checkTensor(k, 'out', a.out, [a.n], 'f32');
  checkDistinct(k, a.out, a.x);
  return makeOp(ctx, {
    label: a.label ?? 'dropout_forward',
    shader: 'dropout_forward',
    code: forwardCode,
    overrides: { WG: kWg },
    bindings: [a.x, a.out],
    params: p,
    workgroups: grid1d(a.n, kWg),
  });
}

export async function dropoutBackward(
  ctx: GpuContext,
  a: DropoutMask & { dout: Tensor; dx: Tensor },
): Promise<GpuOp> {
  const k = 'dropoutBackward';
  const p = params(k, a);
  checkTensor(k, 'dout', a.dout, [a.n], 'f32');
  checkTensor(k, 'dx', a.dx, [a.n], 'f32');
  checkDistinct(k, a.dx, a.dout);
  return makeOp(ctx, {
    label: a.label ?? 'dropout_backward',
    shader: 'dropout_backward',
    code: backwardCode,
    overrides: { WG: kWg },
    bindings: [a.dout, a.dx],
    params: p,
    workgroups: grid1d(a.n, kWg),
  });
}
