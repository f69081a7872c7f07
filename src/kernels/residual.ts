// Residual add and the small elementwise ops a transformer step needs, f32:
//   residualForward(ctx, { a, b, out })          out = a + b
//   residualBackward(ctx, { dout, dx })          dx += dout   (gradient onto the residual stream)
//   scaleAdd(ctx, { x, y, alpha, beta })         y = alpha·x + beta·y (beta 0: y is not read)
//   copy(ctx, { x, y })                          y = x
//   fill(ctx, { y, value })                      y = value    (zero grads / accumulators)
//   scaleInPlace(ctx, { y, factor })             y *= factor
import type { GpuContext, Tensor } from '../gpu/context.ts';
import { checkDims, checkDistinct, checkTensor } from '../gpu/check.ts';
import { makeOp, type GpuOp } from '../gpu/op.ts';
import addCode from '../../shaders/residual_forward.wgsl?raw';
import axpbyCode from '../../shaders/residual_backward.wgsl?raw';
import fillCode from '../../shaders/fill_forward.wgsl?raw';
import { grid1d } from './launch.ts';

const kWg = 256;

export interface ResidualForwardArgs {
  a: Tensor; // (N) f32
  b: Tensor; // (N) f32
  out: Tensor; // (N) f32, = (a distinct buffer)
  n: number;
  label?: string;
}

export async function residualForward(ctx: GpuContext, a: ResidualForwardArgs): Promise<GpuOp> {
  const k = 'residualForward';
  checkDims(k, { n: a.n });
  checkTensor(k, 'a', a.a, [a.n], 'f32');
  checkTensor(k, 'b', a.b, [a.n], 'f32');
  checkTensor(k, 'out', a.out, [a.n], 'f32');
  checkDistinct(k, a.out, a.a, a.b);
  return makeOp(ctx, {
    label: a.label ?? 'residual_forward',
    shader: 'residual_forward',
    code: addCode,
    overrides: { WG: kWg },
    bindings: [a.a, a.b, a.out],
    params: [['u32', a.n]],
    workgroups: grid1d(a.n, kWg),
    flops: a.n,
  });
}

export interface ScaleAddArgs {
  x: Tensor; // (N) f32
  y: Tensor; // (N) f32: y = alpha·x + beta·y
  n: number;
  alpha?: number; // default 1
  beta?: number; // default 1
  label?: string;
}

export async function scaleAdd(ctx: GpuContext, a: ScaleAddArgs): Promise<GpuOp> {
  const k = 'scaleAdd';
  checkDims(k, { n: a.n });
  checkTensor(k, 'x', a.x, [a.n], 'f32');
  checkTensor(k, 'y', a.y, [a.n], 'f32');
  checkDistinct(k, a.y, a.x);
  return makeOp(ctx, {
    label: a.label ?? 'residual_backward',
    shader: 'residual_backward',
    code: axpbyCode,
    overrides: { WG: kWg },
    bindings: [a.x, a.y],
    params: [
      ['u32', a.n],
      ['f32', a.alpha ?? 1],
      ['f32', a.beta ?? 1],
    ],
    workgroups: grid1d(a.n, kWg),
    flops: 3 * a.n,
  });
}

/** Backward of out = a + b: the gradient flows unchanged into both; dx += dout adds it onto one. */
export function residualBackward(
  ctx: GpuContext,
  a: { dout: Tensor; dx: Tensor; n: number; label?: string },
): Promise<GpuOp> {
  return scaleAdd(ctx, { x: a.dout, y: a.dx, n: a.n, alpha: 1, beta: 1, label: a.label });
}

/** y = x. */
export function copy(
  ctx: GpuContext,
  a: { x: Tensor; y: Tensor; n: number; label?: string },
): Promise<GpuOp> {
  return scaleAdd(ctx, { x: a.x, y: a.y, n: a.n, alpha: 1, beta: 0, label: a.label ?? 'copy' });
}

async function fillOp(
  ctx: GpuContext,
  kernel: string,
  y: Tensor,
  n: number,
  mode: number,
  value: number,
  label?: string,
): Promise<GpuOp> {
  checkDims(kernel, { n });
  checkTensor(kernel, 'y', y, [n], 'f32');
  return makeOp(ctx, {
    label: label ?? 'fill_forward',
    shader: 'fill_forward',
    code: fillCode,
    overrides: { WG: kWg },
    bindings: [y],
    params: [
      ['u32', n],
      ['u32', mode],
      ['f32', value],
    ],
    workgroups: grid1d(n, kWg),
    flops: mode * n,
  });
}

/** y = value (e.g. 0 to reset gradient accumulators). */
export function fill(
  ctx: GpuContext,
  a: { y: Tensor; n: number; value?: number; label?: string },
): Promise<GpuOp> {
  return fillOp(ctx, 'fill', a.y, a.n, 0, a.value ?? 0, a.label);
}

/** y *= factor. */
export function scaleInPlace(
  ctx: GpuContext,
  a: { y: Tensor; n: number; factor: number; label?: string },
): Promise<GpuOp> {
  return fillOp(ctx, 'scaleInPlace', a.y, a.n, 1, a.factor, a.label);
}
