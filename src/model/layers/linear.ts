// A targeted linear layer as ops: the frozen base `y = x·Wᵀ (+ b)` plus LoRA
// `y += s · (drop(x)·Aᵀ)·Bᵀ`, and its mirror-image backward
// `dB += s·dyᵀ·t`, `dt = s·dy·B`, `dA += dtᵀ·drop(x)`, `dx (+)= dy·W + drop'(dt·A)`.
// Built from the matmul and LoRA launchers and the dropout op, all prepared once. Ops are not labelled per site: the context's pipeline cache is keyed by label,
// and per-site labels would compile one pipeline per site. `t = drop(x)·Aᵀ` (N, R) is kept from the forward for dB.
import type { Tensor } from '../../gpu/context.ts';
import type { GpuContext } from '../../gpu/context.ts';
import type { GpuOp } from '../../gpu/op.ts';
import { matmulBackwardInput, matmulForward } from '../../kernels/matmul.ts';
import { loraBackward, loraForward } from '../../kernels/lora.ts';
import type { WeightDtype } from '../plan.ts';
import { dropoutOp } from './dropout.ts';

export interface LoraSite {
  A: Tensor; // (R, in)
  B: Tensor; // (out, R)
  dA?: Tensor; // (R, in)
  dB?: Tensor; // (out, R)
  t: Tensor; // (N, R) saved drop(x)·Aᵀ
  dt?: Tensor; // (N, R)
  r: number;
  scale: number;
  /** Dropout probability and site id (0 = no dropout). */
  p: number;
  site: number;
  /** Dropout scratch (N, maxIn) for drop(x), and for drop'(dt·A) in backward. */
  xd?: Tensor;
  dxd?: Tensor;
  /** Step-state buffer the dropout op reads its per-micro-batch seed from. */
  state?: Tensor;
}

export interface LinearSpec {
  label: string;
  n: number; // rows (tokens)
  inF: number;
  outF: number;
  w: Tensor;
  wDtype: WeightDtype;
  bias?: Tensor;
  lora?: LoraSite;
}

/**
 * LoRA's input: `x`, or with dropout drop(x) written into the dropout scratch by an op appended to
 * `ops` (the same mask in the forward, its recompute and the backward).
 */
async function loraInput(
  ctx: GpuContext,
  s: LinearSpec,
  l: LoraSite,
  x: Tensor,
  ops: GpuOp[],
): Promise<Tensor> {
  if (l.p <= 0) return x;
  ops.push(await dropoutOp(ctx, l, x, l.xd!, s.n * s.inF, false, 'lora_dropout'));
  return l.xd!;
}

export async function linearForward(
  ctx: GpuContext,
  s: LinearSpec,
  x: Tensor,
  y: Tensor,
  opts: { accumulate?: boolean } = {},
): Promise<GpuOp[]> {
  const ops: GpuOp[] = [
    await matmulForward(ctx, {
      x,
      w: s.w,
      y,
      m: s.n,
      n: s.outF,
      k: s.inF,
      wDtype: s.wDtype,
      bias: s.bias,
      accumulate: opts.accumulate,
    }),
  ];
  const l = s.lora;
  if (l) {
    const src = await loraInput(ctx, s, l, x, ops);
    ops.push(
      await loraForward(ctx, {
        x: src,
        a: l.A,
        b: l.B,
        h: l.t,
        y,
        m: s.n,
        n: s.outF,
        k: s.inF,
        r: l.r,
        scale: l.scale,
      }),
    );
  }
  return ops;
}

/**
 * Backward of `y = linear(x)`: LoRA grads (+=) and `dx` (= unless `accumulate`). `x` is the
 * forward input (recomputed), `dy` the output gradient.
 */
export async function linearBackward(
  ctx: GpuContext,
  s: LinearSpec,
  x: Tensor,
  dy: Tensor,
  dx: Tensor,
  opts: { accumulate?: boolean } = {},
): Promise<GpuOp[]> {
  const ops: GpuOp[] = [
    await matmulBackwardInput(ctx, {
      dy,
      w: s.w,
      dx,
      m: s.n,
      n: s.outF,
      k: s.inF,
      wDtype: s.wDtype,
      accumulate: opts.accumulate,
    }),
  ];
  const l = s.lora;
  if (l) {
    const src = await loraInput(ctx, s, l, x, ops);
    const dropped = l.p > 0;
    ops.push(
      await loraBackward(ctx, {
        x: src,
        a: l.A,
        b: l.B,
        h: l.t,
        dy,
        g: l.dt!,
        dx: dropped ? l.dxd! : dx,
        da: l.dA!,
        db: l.dB!,
        m: s.n,
        n: s.outF,
        k: s.inF,
        r: l.r,
        scale: l.scale,
        accumulateDx: !dropped,
      }),
    );
    // dx += drop'(s·g·A): the same mask and 1/(1-p) scale as the forward.
    if (dropped) ops.push(await dropoutOp(ctx, l, l.dxd!, dx, s.n * s.inF, true, 'lora_dropout'));
  }
  return ops;
}
