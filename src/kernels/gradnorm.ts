// Global gradient L2 norm over any number of gradient buffers, and the clip coefficient of
// torch.nn.utils.clip_grad_norm_ (min(1, max_norm / (norm + 1e-6))), kept on the GPU in a
// 2-float tensor [norm, coef] that adamw reads. Two passes, no atomics: per-workgroup partial sums
// of squares for each buffer (disjoint ranges of one partials tensor), then one workgroup sums them.
//   gradnormPartials(grads) -> floats the partials scratch needs
//   gradnorm(ctx, { grads: [{ grad, n }], partials, out (2) =, maxNorm })
// The norm can be read back lazily (every N steps) for the chart; the step does not wait on it.
import type { GpuContext, Tensor } from '../gpu/context.ts';
import { checkDims, checkDistinct, checkTensor } from '../gpu/check.ts';
import { ShapeError } from '../gpu/errors.ts';
import { makeOp, sequenceOps, type GpuOp } from '../gpu/op.ts';
import partialCode from '../../shaders/gradnorm_forward.wgsl?raw';
import finalizeCode from '../../shaders/gradnorm_finalize.wgsl?raw';
import { cdiv } from './launch.ts';

const kWg = 256;
const kMaxGroups = 1024; // per gradient buffer

export interface GradSlice {
  grad: Tensor; // (n) f32
  n: number;
}

/** Elements per workgroup for a buffer of n: a multiple of WG, at most kMaxGroups groups. */
function chunkFor(n: number): number {
  return Math.max(kWg * 4, cdiv(cdiv(n, kMaxGroups), kWg) * kWg);
}

/** Partial sums one buffer of n elements writes. */
const groupsFor = (n: number): number => cdiv(n, chunkFor(n));

/** Size (floats) of the partials scratch for these gradient buffers. */
export function gradnormPartials(grads: { n: number }[]): number {
  return grads.reduce((s, g) => s + groupsFor(g.n), 0);
}

export interface GradnormArgs {
  grads: GradSlice[];
  partials: Tensor; // (gradnormPartials(grads)) f32 scratch
  out: Tensor; // (2) f32: [norm, clip coef], =
  /** clip_grad_norm_'s max_norm; <= 0 disables clipping (coef 1). */
  maxNorm: number;
  label?: string;
}

export async function gradnorm(ctx: GpuContext, a: GradnormArgs): Promise<GpuOp> {
  const k = 'gradnorm';
  if (a.grads.length === 0) throw new ShapeError(k, 'no gradient buffers');
  const count = gradnormPartials(a.grads);
  checkTensor(k, 'partials', a.partials, [count], 'f32');
  checkTensor(k, 'out', a.out, [2], 'f32');
  checkDistinct(k, a.out, a.partials);
  const label = a.label ?? 'gradnorm';
  const ops: GpuOp[] = [];
  let offset = 0;
  for (const [idx, g] of a.grads.entries()) {
    checkDims(k, { [`grads[${idx}].n`]: g.n });
    checkTensor(k, `grads[${idx}]`, g.grad, [g.n], 'f32');
    checkDistinct(k, a.partials, g.grad);
    checkDistinct(k, a.out, g.grad);
    const groups = groupsFor(g.n);
    ops.push(
      await makeOp(ctx, {
        label: `${label}.partials`,
        shader: 'gradnorm_forward',
        code: partialCode,
        overrides: { WG: kWg },
        bindings: [g.grad, a.partials],
        params: [
          ['u32', g.n],
          ['u32', chunkFor(g.n)],
          ['u32', offset],
        ],
        workgroups: [groups, 1, 1],
        flops: 2 * g.n,
      }),
    );
    offset += groups;
  }
  ops.push(
    await makeOp(ctx, {
      label: `${label}.finalize`,
      shader: 'gradnorm_finalize',
      code: finalizeCode,
      overrides: { WG: kWg },
      bindings: [a.partials, a.out],
      params: [
        ['u32', count],
        ['f32', a.maxNorm],
      ],
      workgroups: [1, 1, 1],
    }),
  );
  return sequenceOps(label, ops);
}
