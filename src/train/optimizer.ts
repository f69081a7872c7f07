// The optimizer step on the device, one encoder: gather the per-site LoRA gradients into one flat
// buffer (copies), global L2 norm, then a fused AdamW update that also applies the loss
// normalisation (1 / trained tokens of the step), clipping to `maxGradNorm`, and the NaN/Inf guard
// (a non-finite norm skips the update on the device and flags it), then scatter the flat weights
// back to the per-site A/B buffers. Step-varying values (lr, step, 1/tokens) live in a small
// uniform the host rewrites before each step, so no GPU objects are created per step.
import type { GpuContext, Tensor } from '../gpu/context.ts';
import type { GpuOp } from '../gpu/op.ts';
import { adamwForward, type AdamwHyper } from '../kernels/adamw.ts';
import { gradnormForward } from '../kernels/gradnorm.ts';
import type { Engine } from '../model/forward.ts';
import { linearShape } from '../model/lora.ts';

/** Where each per-site tensor sits in the flat buffers (element offsets). */
export interface FlatEntry {
  param: Tensor;
  grad: Tensor;
  offset: number;
  count: number;
}

export function flatLayout(e: Engine): FlatEntry[] {
  const out: FlatEntry[] = [];
  let offset = 0;
  for (const layer of e.sites) {
    for (const m of e.opts.lora?.targets ?? []) {
      const s = layer[m]!;
      const [inF, outF] = linearShape(e.config, m);
      out.push({ param: s.A, grad: s.dA!, offset, count: s.r * inF });
      offset += s.r * inF;
      out.push({ param: s.B, grad: s.dB!, offset, count: outF * s.r });
      offset += outF * s.r;
    }
  }
  return out;
}

export type OptimizerHyper = AdamwHyper;

export interface DeviceOptimizer {
  layout: FlatEntry[];
  count: number;
  flat: Tensor;
  m: Tensor;
  v: Tensor;
  /** (kStatsSize) f32: norm² partials, then [norm, skipped, clip] at kStatsNorm (kernels/gradnorm). */
  stats: Tensor;
  /** Sets lr, step (1-based) and 1/tokens for the next `encode`. */
  setStep(lr: number, step: number, invTokens: number): void;
  /** Gathers grads, updates, scatters weights back. */
  encode(encoder: GPUCommandEncoder): void;
  /** Writes per-site weights into the flat buffer (after loading/resuming weights). */
  encodeGather(encoder: GPUCommandEncoder): void;
  destroy(): void;
}

export async function createOptimizer(
  ctx: GpuContext,
  e: Engine,
  h: OptimizerHyper,
): Promise<DeviceOptimizer> {
  const layout = flatLayout(e);
  const count = layout.reduce((s, x) => s + x.count, 0);
  const o = e.buffers.optimizer;
  if (!o) throw new Error('createOptimizer: the engine was built with training: false');
  const { loraFlat: flat, gradFlat: grad, m, v } = o;
  const stats = o.norm; // (1024) f32: partials [0, 512), [norm, skipped, clip] at 512
  const normOp: GpuOp = await gradnormForward(ctx, {
    grad,
    stats,
    n: count,
    label: 'lora_gradnorm',
  });
  const adamOp = await adamwForward(ctx, {
    param: flat,
    grad,
    m,
    v,
    stats,
    n: count,
    ...h,
    label: 'lora_adamw',
  });
  return {
    layout,
    count,
    flat,
    m,
    v,
    stats,
    setStep(lr, step, invTokens) {
      adamOp.setStep(lr, step, invTokens);
    },
    encode(encoder) {
      for (const x of layout) {
        encoder.copyBufferToBuffer(x.grad.buffer, 0, grad.buffer, x.offset * 4, x.count * 4);
      }
      const pass = encoder.beginComputePass({ label: 'optimizer' });
      normOp.record(pass);
      adamOp.record(pass);
      pass.end();
      for (const x of layout) {
        encoder.copyBufferToBuffer(flat.buffer, x.offset * 4, x.param.buffer, 0, x.count * 4);
      }
    },
    encodeGather(encoder) {
      for (const x of layout) {
        encoder.copyBufferToBuffer(x.param.buffer, 0, flat.buffer, x.offset * 4, x.count * 4);
      }
    },
    destroy() {
      adamOp.destroy();
      normOp.destroy();
    },
  };
}
