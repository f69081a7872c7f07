// The kernel adapters the model composes: each returns a prepared GpuOp with the engine's
// argument names, whatever the launcher convention of the kernel behind it (prepared ops are used
// as they are; pass-style launchers are captured once, see capture.ts).
import type { GpuContext, Tensor } from '../../gpu/context.ts';
import type { GpuOp } from '../../gpu/op.ts';
import { rmsnormBackward as rmsnormBackwardK, rmsnormForward } from '../../kernels/rmsnorm.ts';
import type { ModelConfig } from '../config.ts';
import type { WeightDtype } from '../plan.ts';
import * as I from './interim.ts';

export function rmsnorm(
  ctx: GpuContext,
  a: { x: Tensor; w: Tensor; out: Tensor; rstd: Tensor; rows: number; C: number; eps: number },
): Promise<GpuOp> {
  return rmsnormForward(ctx, {
    x: a.x,
    weight: a.w,
    out: a.out,
    rstd: a.rstd,
    rows: a.rows,
    C: a.C,
    eps: a.eps,
  });
}

export function rmsnormBackward(
  ctx: GpuContext,
  a: {
    dout: Tensor;
    x: Tensor;
    w: Tensor;
    rstd: Tensor;
    dx: Tensor;
    rows: number;
    C: number;
    accumulate: boolean;
  },
): Promise<GpuOp> {
  return rmsnormBackwardK(ctx, {
    dout: a.dout,
    x: a.x,
    weight: a.w,
    rstd: a.rstd,
    dx: a.dx,
    rows: a.rows,
    C: a.C,
    accumulate: a.accumulate,
  });
}

export function embedding(
  ctx: GpuContext,
  a: {
    ids: Tensor;
    table: Tensor;
    out: Tensor;
    n: number;
    C: number;
    V: number;
    dtype: WeightDtype;
  },
): Promise<GpuOp> {
  return I.embeddingOp(ctx, a);
}

export interface RopeArgs {
  pos: Tensor;
  invFreq: Tensor;
  n: number;
  heads: number;
  headDim: number;
  cfg: ModelConfig;
}

export function rope(ctx: GpuContext, a: RopeArgs & { x: Tensor; out: Tensor }): Promise<GpuOp> {
  return I.ropeOp(ctx, { ...a, backward: false });
}

export function ropeBackward(
  ctx: GpuContext,
  a: RopeArgs & { dout: Tensor; dx: Tensor },
): Promise<GpuOp> {
  return I.ropeOp(ctx, { ...a, x: a.dout, out: a.dx, backward: true });
}

export interface AttnDims {
  seg: Tensor;
  pos: Tensor;
  rows: number;
  T: number;
  NH: number;
  NKV: number;
  HS: number;
}

export function attention(
  ctx: GpuContext,
  a: AttnDims & { q: Tensor; k: Tensor; v: Tensor; out: Tensor; lse: Tensor },
): Promise<GpuOp> {
  return I.attentionOp(ctx, { ...a, n: a.rows * a.T });
}

export function attentionBackward(
  ctx: GpuContext,
  a: AttnDims & {
    dout: Tensor;
    q: Tensor;
    k: Tensor;
    v: Tensor;
    out: Tensor;
    lse: Tensor;
    dd: Tensor;
    dq: Tensor;
    dk: Tensor;
    dv: Tensor;
  },
): Promise<GpuOp> {
  return I.attentionBackwardOp(ctx, { ...a, n: a.rows * a.T });
}

export function swiglu(
  ctx: GpuContext,
  a: { g: Tensor; u: Tensor; out: Tensor; n: number },
): Promise<GpuOp> {
  return I.swigluOp(ctx, a);
}

export function swigluBackward(
  ctx: GpuContext,
  a: { dout: Tensor; g: Tensor; u: Tensor; dg: Tensor; du: Tensor; n: number },
): Promise<GpuOp> {
  return I.swigluBackwardOp(ctx, a);
}

/** dst += src. */
export function addInto(
  ctx: GpuContext,
  a: { dst: Tensor; src: Tensor; n: number },
): Promise<GpuOp> {
  return I.addOp(ctx, a);
}

/** dst = src (a copy inside a compute pass). */
export function copyInto(
  ctx: GpuContext,
  a: { dst: Tensor; src: Tensor; n: number },
): Promise<GpuOp> {
  return I.copyOp(ctx, a);
}

export const crossEntropy = I.crossEntropyOp;
export type EncoderOp = I.EncoderOp;
