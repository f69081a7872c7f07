// Global L2 norm of one flat f32 gradient buffer (shaders/gradnorm_forward.wgsl), deterministic:
// two dispatches of the same shader, per-workgroup partial sums of squares into stats[0, partials),
// then one workgroup sums them into stats[kStatsNorm] = sqrt(total). No atomics, fixed order.
// The clip coefficient (torch.nn.utils.clip_grad_norm_) is applied by adamwForward, which reads the
// norm from the same stats buffer, so the step never waits on a readback.
//   const op = await gradnormForward(ctx, { grad, stats, n })   // stats (kStatsSize) f32
//   op.record(pass)
import type { GpuContext, Tensor } from '../gpu/context.ts';
import { checkDims, checkDistinct, checkTensor } from '../gpu/check.ts';
import { makeOp, sequenceOps, type GpuOp } from '../gpu/op.ts';
import code from '../../shaders/gradnorm_forward.wgsl?raw';
import { cdiv } from './launch.ts';

const kWg = 256;
/** Partial sums of the first pass: one per workgroup, at most this many. */
export const kNormPartials = 512;
/** stats layout (f32): partials [0, 512), norm [512], skipped flag [513], clip coefficient [514]. */
export const kStatsNorm = 512;
export const kStatsSkipped = 513;
export const kStatsClip = 514;
export const kStatsSize = 1024;

export interface GradnormArgs {
  grad: Tensor; // (n) f32
  stats: Tensor; // (kStatsSize) f32: partials and the norm written (=)
  n: number;
  label?: string;
}

export async function gradnormForward(ctx: GpuContext, a: GradnormArgs): Promise<GpuOp> {
  const k = 'gradnormForward';
  checkDims(k, { n: a.n });
  checkTensor(k, 'grad', a.grad, [a.n], 'f32');
  checkTensor(k, 'stats', a.stats, [kStatsSize], 'f32');
  checkDistinct(k, a.stats, a.grad);
  const perThread = Math.max(1, cdiv(a.n, kNormPartials * kWg));
  const partials = cdiv(a.n, perThread * kWg);
  const label = a.label ?? 'gradnorm_forward';
  const phase = (p: number) =>
    makeOp(ctx, {
      label: `${label}.${p === 0 ? 'partials' : 'finalize'}`,
      shader: 'gradnorm_forward',
      code,
      overrides: { WG: kWg },
      bindings: [a.grad, a.stats],
      params: [
        ['u32', a.n],
        ['u32', perThread],
        ['u32', partials],
        ['u32', p],
      ],
      workgroups: [p === 0 ? partials : 1, 1, 1],
      flops: p === 0 ? 2 * a.n : partials,
    });
  return sequenceOps(label, [await phase(0), await phase(1)]);
}
