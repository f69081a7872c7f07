// SwiGLU (silu(gate) * up) launchers, f32, elementwise over N = T · intermediate_size.
//   swigluForward(ctx, { gate (N), up (N), out (N) = })
//   swigluBackward(ctx, { dout, gate, up, dgate (N) =, dup (N) = })
import type { GpuContext, Tensor } from '../gpu/context.ts';
import { checkDims, checkDistinct, checkTensor } from '../gpu/check.ts';
import { makeOp, type GpuOp } from '../gpu/op.ts';
import forwardCode from '../../shaders/swiglu_forward.wgsl?raw';
import backwardCode from '../../shaders/swiglu_backward.wgsl?raw';
import { grid1d } from './launch.ts';

const kWg = 256;

export interface SwigluForwardArgs {
  gate: Tensor; // (N) f32
  up: Tensor; // (N) f32
  out: Tensor; // (N) f32, =
  n: number;
  label?: string;
}

export async function swigluForward(ctx: GpuContext, a: SwigluForwardArgs): Promise<GpuOp> {
  const k = 'swigluForward';
  checkDims(k, { n: a.n });
  for (const [name, t] of [
    ['gate', a.gate],
    ['up', a.up],
    ['out', a.out],
  ] as const) {
    checkTensor(k, name, t, [a.n], 'f32');
  }
  checkDistinct(k, a.out, a.gate, a.up);
  return makeOp(ctx, {
    label: a.label ?? 'swiglu_forward',
    shader: 'swiglu_forward',
    code: forwardCode,
    overrides: { WG: kWg },
    bindings: [a.gate, a.up, a.out],
    params: [['u32', a.n]],
    workgroups: grid1d(a.n, kWg),
    flops: 5 * a.n,
  });
}

export interface SwigluBackwardArgs {
  dout: Tensor; // (N) f32
  gate: Tensor; // (N) f32
  up: Tensor; // (N) f32
  dgate: Tensor; // (N) f32, =
  dup: Tensor; // (N) f32, =
  n: number;
  label?: string;
}

export async function swigluBackward(ctx: GpuContext, a: SwigluBackwardArgs): Promise<GpuOp> {
  const k = 'swigluBackward';
  checkDims(k, { n: a.n });
  for (const [name, t] of [
    ['dout', a.dout],
    ['gate', a.gate],
    ['up', a.up],
    ['dgate', a.dgate],
    ['dup', a.dup],
  ] as const) {
    checkTensor(k, name, t, [a.n], 'f32');
  }
  checkDistinct(k, a.dgate, a.dout, a.gate, a.up, a.dup);
  checkDistinct(k, a.dup, a.dout, a.gate, a.up);
  return makeOp(ctx, {
    label: a.label ?? 'swiglu_backward',
    shader: 'swiglu_backward',
    code: backwardCode,
    overrides: { WG: kWg },
    bindings: [a.dout, a.gate, a.up, a.dgate, a.dup],
    params: [['u32', a.n]],
    workgroups: grid1d(a.n, kWg),
    flops: 10 * a.n,
  });
}
