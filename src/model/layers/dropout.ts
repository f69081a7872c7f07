// LoRA input dropout as a prepared op (shaders/lora_dropout_forward.wgsl): the mask comes from the
// micro-batch seed in the step-state buffer and the site id, so forward, recompute and backward
// agree without storing masks, and changing the seed needs no new GPU objects.
import type { GpuContext, Tensor } from '../../gpu/context.ts';
import { splitWorkgroups } from '../../gpu/context.ts';
import { makeOp, type GpuOp } from '../../gpu/op.ts';
import code from '../../../shaders/lora_dropout_forward.wgsl?raw';

const kWg = 256;

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
  return makeOp(ctx, {
    label,
    code,
    overrides: { WG: kWg },
    bindings: [x, out, site.state],
    params: [
      ['u32', n],
      ['u32', site.site],
      ['f32', site.p],
      ['u32', accumulate ? 1 : 0],
    ],
    workgroups: splitWorkgroups(Math.ceil(n / kWg)),
  });
}
