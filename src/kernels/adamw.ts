// AdamW step (torch.optim.AdamW semantics: decoupled weight decay, bias correction, eps added
// after the bias-corrected sqrt), elementwise over one flat f32 parameter buffer with its
// gradient and moments. Clipping is applied inside: the gradient is multiplied by the clip
// coefficient that gradnorm left on the GPU (bind a [0, 1] tensor to disable), times gradScale.
//
//   const op = await adamwStep(ctx, { param, grad, m, v, clip, n, weightDecay })
//   op.setStep(step, lr)   // before submitting each optimizer step (1-based step, scheduled lr)
//   op.record(pass)
//
// Prefer one flat buffer for all LoRA A/B (one dispatch); several buffers need one op each.
import type { GpuContext, Tensor } from '../gpu/context.ts';
import { packParams, type ParamField } from '../gpu/context.ts';
import { checkDims, checkDistinct, checkTensor } from '../gpu/check.ts';
import { ShapeError } from '../gpu/errors.ts';
import { makeOp, type GpuOp } from '../gpu/op.ts';
import code from '../../shaders/adamw_forward.wgsl?raw';
import { grid1d } from './launch.ts';

const kWg = 256;

export interface AdamwHyper {
  beta1?: number; // 0.9
  beta2?: number; // 0.999
  eps?: number; // 1e-8
  weightDecay?: number; // 0.01 (torch's AdamW default)
  /** Extra gradient multiplier (e.g. to undo a loss scale); default 1. */
  gradScale?: number;
}

export interface AdamwArgs extends AdamwHyper {
  param: Tensor; // (n) f32, updated in place
  grad: Tensor; // (n) f32
  m: Tensor; // (n) f32, zeros at step 0
  v: Tensor; // (n) f32, zeros at step 0
  clip: Tensor; // (2) f32 [norm, coef] from gradnorm, or [0, 1]
  n: number;
  /** Initial step and lr (setStep changes them); default step 1, lr 0. */
  step?: number;
  lr?: number;
  label?: string;
}

export interface AdamwOp extends GpuOp {
  /** Rewrites the step-dependent scalars; call before submitting the step (1-based). */
  setStep(step: number, lr: number): void;
}

/** The Params fields of adamw_forward.wgsl for one step, computed in float64 as PyTorch does. */
export function adamwParams(n: number, step: number, lr: number, h: AdamwHyper): ParamField[] {
  const beta1 = h.beta1 ?? 0.9;
  const beta2 = h.beta2 ?? 0.999;
  const wd = h.weightDecay ?? 0.01;
  return [
    ['u32', n],
    ['f32', 1 - lr * wd],
    ['f32', 1 - beta1],
    ['f32', beta2],
    ['f32', 1 - beta2],
    ['f32', lr / (1 - beta1 ** step)],
    ['f32', Math.sqrt(1 - beta2 ** step)],
    ['f32', h.eps ?? 1e-8],
    ['f32', h.gradScale ?? 1],
  ];
}

export async function adamwStep(ctx: GpuContext, a: AdamwArgs): Promise<AdamwOp> {
  const k = 'adamwStep';
  checkDims(k, { n: a.n });
  for (const [name, t] of [
    ['param', a.param],
    ['grad', a.grad],
    ['m', a.m],
    ['v', a.v],
  ] as const) {
    checkTensor(k, name, t, [a.n], 'f32');
  }
  checkTensor(k, 'clip', a.clip, [2], 'f32');
  checkDistinct(k, a.param, a.grad, a.m, a.v, a.clip);
  checkDistinct(k, a.m, a.grad, a.v, a.clip);
  checkDistinct(k, a.v, a.grad, a.clip);
  const check = (step: number, lr: number): void => {
    if (!Number.isInteger(step) || step < 1) throw new ShapeError(k, `step = ${step} must be >= 1`);
    if (!Number.isFinite(lr)) throw new ShapeError(k, `lr = ${lr} must be finite`);
  };
  const step = a.step ?? 1;
  const lr = a.lr ?? 0;
  check(step, lr);
  const label = a.label ?? 'adamw_forward';
  const uniform = ctx.params(adamwParams(a.n, step, lr, a), `${label}.params`);
  const op = await makeOp(ctx, {
    label,
    shader: 'adamw_forward',
    code,
    overrides: { WG: kWg },
    bindings: [a.param, a.grad, a.m, a.v, a.clip, uniform],
    workgroups: grid1d(a.n, kWg),
    flops: 14 * a.n,
  });
  return {
    ...op,
    record: (pass) => op.record(pass),
    setStep(s, l) {
      check(s, l);
      ctx.device.queue.writeBuffer(uniform, 0, packParams(adamwParams(a.n, s, l, a)));
    },
    destroy() {
      op.destroy();
      uniform.destroy();
    },
  };
}
