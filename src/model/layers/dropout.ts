// LoRA input dropout as a prepared op (src/kernels/dropout.ts): the mask comes from the
// micro-batch seed in the step-state buffer and the site id, so forward, recompute and backward
// agree without storing masks, and changing the seed needs no new GPU objects.
import type { GpuContext, Tensor } from '../../gpu/context.ts';
import type { GpuOp } from '../../gpu/op.ts';
import { dropoutBackward, dropoutForward } from '../../kernels/dropout.ts';

/** out = dropout(x) (=), or with `accumulate` the backward out += dropout'(x) (same mask). */
export async function dropoutOp(
  ctx: GpuContext,
  site: { p: number; site: number; state?: Tensor },
  x: Tensor,
  out: Tensor,
  n: number,
  accumulate: boolean,
  label: string,
): Promise<GpuOp> {
  if (!site.state) throw new Error(`${label}: dropout needs the step-state buffer`);
  const a = { n, p: site.p, site: site.site, state: site.state, label };
  return accumulate
    ? dropoutBackward(ctx, { ...a, dout: x, dx: out })
    : dropoutForward(ctx, { ...a, x, out });
}
