// The kernel adapters the model composes: each returns a prepared GpuOp (built once, recorded every
// step) with the engine's argument names, mapped onto the kernel library (src/kernels).
import type { GpuContext, Tensor } from '../../gpu/context.ts';
import type { GpuOp } from '../../gpu/op.ts';
import { attentionBackward as attnBackwardK, attentionForward } from '../../kernels/attention.ts';
import { crossentropyBackward, crossentropyForward } from '../../kernels/crossentropy.ts';
import { embeddingForward } from '../../kernels/embedding.ts';
import { copy, scaleAdd } from '../../kernels/residual.ts';
import { rmsnormBackward as rmsnormBackwardK, rmsnormForward } from '../../kernels/rmsnorm.ts';
import { ropeBackward as ropeBackwardK, ropeForward } from '../../kernels/rope.ts';
import { swigluBackward as swigluBackwardK, swigluForward } from '../../kernels/swiglu.ts';
import type { WeightDtype } from '../plan.ts';

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
  return embeddingForward(ctx, {
    ids: a.ids,
    weight: a.table,
    out: a.out,
    T: a.n,
    C: a.C,
    V: a.V,
    wDtype: a.dtype,
  });
}

export interface RopeArgs {
  pos: Tensor;
  invFreq: Tensor;
  n: number;
  heads: number;
  headDim: number;
}

export function rope(ctx: GpuContext, a: RopeArgs & { x: Tensor; out: Tensor }): Promise<GpuOp> {
  return ropeForward(ctx, {
    T: a.n,
    NH: a.heads,
    HS: a.headDim,
    pos: a.pos,
    invFreq: a.invFreq,
    x: a.x,
    out: a.out,
  });
}

export function ropeBackward(
  ctx: GpuContext,
  a: RopeArgs & { dout: Tensor; dx: Tensor },
): Promise<GpuOp> {
  return ropeBackwardK(ctx, {
    T: a.n,
    NH: a.heads,
    HS: a.headDim,
    pos: a.pos,
    invFreq: a.invFreq,
    dout: a.dout,
    dx: a.dx,
  });
}

/** `starts[t]`: flat index of the first token of t's example (block-diagonal causal masking). */
export interface AttnDims {
  starts: Tensor;
  n: number;
  NH: number;
  NKV: number;
  HS: number;
}

export function attention(
  ctx: GpuContext,
  a: AttnDims & { q: Tensor; k: Tensor; v: Tensor; out: Tensor; lse: Tensor },
): Promise<GpuOp> {
  return attentionForward(ctx, {
    T: a.n,
    NH: a.NH,
    NKV: a.NKV,
    HS: a.HS,
    q: a.q,
    k: a.k,
    v: a.v,
    starts: a.starts,
    out: a.out,
    lse: a.lse,
  });
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
    delta: Tensor;
    dq: Tensor;
    dk: Tensor;
    dv: Tensor;
  },
): Promise<GpuOp> {
  return attnBackwardK(ctx, {
    T: a.n,
    NH: a.NH,
    NKV: a.NKV,
    HS: a.HS,
    q: a.q,
    k: a.k,
    v: a.v,
    starts: a.starts,
    out: a.out,
    lse: a.lse,
    dout: a.dout,
    dq: a.dq,
    dk: a.dk,
    dv: a.dv,
    delta: a.delta,
  });
}

export function swiglu(
  ctx: GpuContext,
  a: { g: Tensor; u: Tensor; out: Tensor; n: number },
): Promise<GpuOp> {
  return swigluForward(ctx, { gate: a.g, up: a.u, out: a.out, n: a.n });
}

export function swigluBackward(
  ctx: GpuContext,
  a: { dout: Tensor; g: Tensor; u: Tensor; dg: Tensor; du: Tensor; n: number },
): Promise<GpuOp> {
  return swigluBackwardK(ctx, { dout: a.dout, gate: a.g, up: a.u, dgate: a.dg, dup: a.du, n: a.n });
}

/** dst += src. */
export function addInto(
  ctx: GpuContext,
  a: { dst: Tensor; src: Tensor; n: number },
): Promise<GpuOp> {
  return scaleAdd(ctx, { x: a.src, y: a.dst, n: a.n });
}

/** dst = src (a copy inside a compute pass). */
export function copyInto(
  ctx: GpuContext,
  a: { dst: Tensor; src: Tensor; n: number },
): Promise<GpuOp> {
  return copy(ctx, { x: a.src, y: a.dst, n: a.n });
}

/**
 * Fused lm_head cross-entropy over the micro-batch: `out` [loss sum, count] += (running totals of
 * the step), per-token losses into `losses`, and with `dhidden` the gradient of the loss SUM
 * (scale 1: the optimizer divides by the step's trained tokens).
 */
export function crossEntropy(
  ctx: GpuContext,
  a: {
    hidden: Tensor;
    w: Tensor;
    wDtype: WeightDtype;
    targets: Tensor;
    losses: Tensor;
    out: Tensor;
    dhidden: Tensor | null;
    n: number;
    C: number;
    V: number;
  },
): Promise<GpuOp> {
  const args = {
    hidden: a.hidden,
    weight: a.w,
    labels: a.targets,
    losses: a.losses,
    out: a.out,
    T: a.n,
    C: a.C,
    V: a.V,
    wDtype: a.wDtype,
    accumulate: true,
  };
  return a.dhidden
    ? crossentropyBackward(ctx, { ...args, dhidden: a.dhidden, scale: 1 })
    : crossentropyForward(ctx, args);
}
