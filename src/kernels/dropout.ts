// Dropout on the LoRA input path (shaders/dropout_forward.wgsl), torch semantics (kept elements
// scaled by 1 / (1 − p)), with a counter-based RNG, Philox2x32-10: the mask is a function of
// (element index, site, micro-batch seed), so forward, recompute and backward regenerate it
// instead of storing it. The seed and the on/off flag live in the step-state buffer (u32
// [seed, on, 0, 0]) the host rewrites per micro-batch, so a new mask needs no new GPU objects.
//   dropoutForward(ctx, { x (n), out (n) =, state, n, p, site })
//   dropoutBackward(ctx, { dout (n), dx (n) +=, state, n, p, site })   same p/site as the forward
// `site` must differ per dropout site (layer · modules + module), so each draws its own mask.
import type { GpuContext, ParamField, Tensor } from '../gpu/context.ts';
import { checkDims, checkDistinct, checkTensor } from '../gpu/check.ts';
import { ShapeError } from '../gpu/errors.ts';
import { makeOp, type GpuOp } from '../gpu/op.ts';
import code from '../../shaders/dropout_forward.wgsl?raw';
import { grid1d } from './launch.ts';

const kWg = 256;

export interface DropoutSite {
  n: number;
  /** Drop probability in [0, 1). */
  p: number;
  /** u32 stream id of this dropout site (the Philox counter's second word). */
  site: number;
  state: Tensor; // (4) u32: [micro-batch seed, 1 = dropout on, 0, 0]
  label?: string;
}

/** Keep iff philox(...).x >= threshold; P(keep) = 1 − threshold / 2^32. */
export function dropoutThreshold(p: number): number {
  return Math.min(0xffffffff, Math.round(p * 2 ** 32));
}

/** The scale torch applies to kept elements, 1 / (1 − p), as an f32. */
export const dropoutScale = (p: number): number => Math.fround(1 / (1 - p));

function params(kernel: string, a: DropoutSite, accumulate: boolean): ParamField[] {
  checkDims(kernel, { n: a.n });
  if (!(a.p >= 0 && a.p < 1)) throw new ShapeError(kernel, `p = ${a.p} must be in [0, 1)`);
  if (!Number.isInteger(a.site) || a.site < 0 || a.site > 0xffffffff) {
    throw new ShapeError(kernel, `site = ${a.site} must be a u32`);
  }
  checkTensor(kernel, 'state', a.state, [4], 'u32');
  return [
    ['u32', a.n],
    ['u32', a.site],
    ['u32', dropoutThreshold(a.p)],
    ['f32', dropoutScale(a.p)],
    ['u32', accumulate ? 1 : 0],
  ];
}

function launch(
  ctx: GpuContext,
  kernel: string,
  a: DropoutSite,
  inp: Tensor,
  out: Tensor,
  accumulate: boolean,
): Promise<GpuOp> {
  const p = params(kernel, a, accumulate);
  checkTensor(kernel, 'input', inp, [a.n], 'f32');
  checkTensor(kernel, 'output', out, [a.n], 'f32');
  checkDistinct(kernel, out, inp, a.state);
  return makeOp(ctx, {
    label: a.label ?? (accumulate ? 'dropout_backward' : 'dropout_forward'),
    shader: 'dropout_forward',
    code,
    overrides: { WG: kWg },
    bindings: [inp, out, a.state],
    params: p,
    workgroups: grid1d(Math.ceil(a.n / 2), kWg), // one invocation per element pair
  });
}

/** out = dropout(x) (=). */
export function dropoutForward(
  ctx: GpuContext,
  a: DropoutSite & { x: Tensor; out: Tensor },
): Promise<GpuOp> {
  return launch(ctx, 'dropoutForward', a, a.x, a.out, false);
}

/** dx += dropout'(dout): the forward's mask and scale on the gradient, accumulated (+=). */
export function dropoutBackward(
  ctx: GpuContext,
  a: DropoutSite & { dout: Tensor; dx: Tensor },
): Promise<GpuOp> {
  return launch(ctx, 'dropoutBackward', a, a.dout, a.dx, true);
}
