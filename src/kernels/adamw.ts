// One AdamW step (torch.optim.AdamW) on a flat f32 parameter buffer (shaders/adamw_forward.wgsl),
// fused with the trainer's per-step gradient handling: the 1/tokens loss normalisation, the clip
// coefficient of torch.nn.utils.clip_grad_norm_ from the norm gradnormForward left in `stats`, and
// the NaN/Inf guard (a non-finite norm skips the update on the device and sets the skipped flag).
//   const op = await adamwForward(ctx, { param, grad, m, v, stats, n, ...hyper })
//   op.setStep(lr, step, invTokens)   // before submitting each optimizer step (1-based step)
//   op.record(pass)                   // after gradnormForward's op in the same pass
// The step-dependent scalars are computed here in float64, as PyTorch does with Python floats,
// and rounded to f32 when packed; setStep only writes the uniform (no new GPU objects).
import type { GpuContext, ParamField, Tensor } from '../gpu/context.ts';
import { packParams } from '../gpu/context.ts';
import { checkDims, checkDistinct, checkTensor } from '../gpu/check.ts';
import { ShapeError } from '../gpu/errors.ts';
import { makeOp, type GpuOp } from '../gpu/op.ts';
import code from '../../shaders/adamw_forward.wgsl?raw';
import { kStatsSize } from './gradnorm.ts';
import { grid1d } from './launch.ts';

const kWg = 256;

export interface AdamwHyper {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** clip_grad_norm_'s max_norm (> 0). */
  maxGradNorm: number;
}

export interface AdamwArgs extends AdamwHyper {
  param: Tensor; // (n) f32, updated in place
  grad: Tensor; // (n) f32, the sum over the step's tokens (scaled by invTokens here)
  m: Tensor; // (n) f32, zeros before the first step
  v: Tensor; // (n) f32, zeros before the first step
  stats: Tensor; // (kStatsSize) f32: reads the norm, writes the skipped flag and clip coefficient
  n: number;
  label?: string;
}

export interface AdamwOp extends GpuOp {
  /** Rewrites lr, the 1-based step and 1/tokens for the next submitted step. */
  setStep(lr: number, step: number, invTokens: number): void;
}

/** The Step uniform of adamw_forward.wgsl, in declaration order. */
export function adamwParams(
  n: number,
  h: AdamwHyper,
  lr: number,
  step: number,
  invTokens: number,
): ParamField[] {
  return [
    ['u32', n],
    ['f32', 1 - lr * h.weightDecay],
    ['f32', 1 - h.beta1],
    ['f32', h.beta2],
    ['f32', 1 - h.beta2],
    ['f32', lr / (1 - h.beta1 ** step)],
    ['f32', Math.sqrt(1 - h.beta2 ** step)],
    ['f32', h.eps],
    ['f32', h.maxGradNorm],
    ['f32', invTokens],
  ];
}

export async function adamwForward(ctx: GpuContext, a: AdamwArgs): Promise<AdamwOp> {
  const k = 'adamwForward';
  checkDims(k, { n: a.n });
  for (const [name, t] of [
    ['param', a.param],
    ['grad', a.grad],
    ['m', a.m],
    ['v', a.v],
  ] as const) {
    checkTensor(k, name, t, [a.n], 'f32');
  }
  checkTensor(k, 'stats', a.stats, [kStatsSize], 'f32');
  checkDistinct(k, a.param, a.grad, a.m, a.v, a.stats);
  checkDistinct(k, a.m, a.grad, a.v, a.stats);
  checkDistinct(k, a.v, a.grad, a.stats);
  checkDistinct(k, a.stats, a.grad);
  if (!(a.maxGradNorm > 0)) throw new ShapeError(k, `maxGradNorm = ${a.maxGradNorm} must be > 0`);
  const check = (lr: number, step: number, invTokens: number): void => {
    if (!Number.isInteger(step) || step < 1) throw new ShapeError(k, `step = ${step} must be >= 1`);
    if (!Number.isFinite(lr)) throw new ShapeError(k, `lr = ${lr} must be finite`);
    if (!(invTokens > 0)) throw new ShapeError(k, `invTokens = ${invTokens} must be > 0`);
  };
  const label = a.label ?? 'adamw_forward';
  const uniform = ctx.params(adamwParams(a.n, a, 0, 1, 1), `${label}.step`);
  const op = await makeOp(ctx, {
    label,
    shader: 'adamw_forward',
    code,
    overrides: { WG: kWg },
    bindings: [a.param, a.grad, a.m, a.v, a.stats, uniform],
    workgroups: grid1d(a.n, kWg),
    flops: 16 * a.n,
  });
  return {
    label: op.label,
    flops: op.flops,
    record: (pass) => op.record(pass),
    setStep(lr, step, invTokens) {
      check(lr, step, invTokens);
      const fields = adamwParams(a.n, a, lr, step, invTokens);
      ctx.device.queue.writeBuffer(uniform, 0, packParams(fields));
    },
    destroy() {
      op.destroy();
      uniform.destroy();
    },
  };
}
