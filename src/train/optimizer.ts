// The optimizer step on the device, one encoder: gather the per-site LoRA gradients into one flat
// buffer (copies), global L2 norm, then a fused AdamW update that also applies the loss
// normalisation (1 / trained tokens of the step), clipping to `maxGradNorm`, and the NaN/Inf guard
// (a non-finite norm skips the update on the device and flags it), then scatter the flat weights
// back to the per-site A/B buffers. Step-varying values (lr, step, 1/tokens) live in a small
// uniform the host rewrites before each step, so no GPU objects are created per step.
import type { GpuContext, Tensor } from '../gpu/context.ts';
import { splitWorkgroups } from '../gpu/context.ts';
import { makeOp, sequenceOps, type GpuOp } from '../gpu/op.ts';
import type { Engine } from '../model/forward.ts';
import { linearShape } from '../model/lora.ts';
import normCode from '../../shaders/lora_gradnorm_forward.wgsl?raw';
import adamwCode from '../../shaders/lora_adamw_forward.wgsl?raw';

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

export interface OptimizerHyper {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  maxGradNorm: number;
}

export interface DeviceOptimizer {
  layout: FlatEntry[];
  count: number;
  flat: Tensor;
  m: Tensor;
  v: Tensor;
  /** [0] norm² partials..., the final [norm, skipped] at `statsOffset`. */
  stats: Tensor;
  /** Sets lr, step (1-based) and 1/tokens for the next `encode`. */
  setStep(lr: number, step: number, invTokens: number): void;
  /** Gathers grads, updates, scatters weights back. */
  encode(encoder: GPUCommandEncoder): void;
  /** Writes per-site weights into the flat buffer (after loading/resuming weights). */
  encodeGather(encoder: GPUCommandEncoder): void;
  destroy(): void;
}

const kWg = 256;
/** Partial sums of the norm: one per workgroup of the first pass (at most this many). */
export const kNormPartials = 512;

export async function createOptimizer(
  ctx: GpuContext,
  e: Engine,
  h: OptimizerHyper,
): Promise<DeviceOptimizer> {
  const layout = flatLayout(e);
  const count = layout.reduce((s, x) => s + x.count, 0);
  const flat = e.buf('lora.flat');
  const grad = e.buf('grad.flat');
  const m = e.buf('adam.m');
  const v = e.buf('adam.v');
  const stats = e.buf('adam.norm'); // (1024) f32: partials [0, 512), norm at 512, skipped at 513
  const uniform = ctx.device.createBuffer({
    label: 'adamw.step',
    size: 48,
    usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
  });
  const perThread = Math.max(1, Math.ceil(count / (kNormPartials * kWg)));
  const partials = Math.ceil(count / (perThread * kWg));
  const normParams = (phase: number): ['u32', number][] => [
    ['u32', count],
    ['u32', perThread],
    ['u32', partials],
    ['u32', phase],
  ];
  const normOp: GpuOp = sequenceOps('lora_gradnorm', [
    await makeOp(ctx, {
      label: 'lora_gradnorm',
      code: normCode,
      overrides: { WG: kWg },
      bindings: [grad, stats],
      params: normParams(0),
      workgroups: [partials, 1, 1],
    }),
    await makeOp(ctx, {
      label: 'lora_gradnorm',
      code: normCode,
      overrides: { WG: kWg },
      bindings: [grad, stats],
      params: normParams(1),
      workgroups: [1, 1, 1],
    }),
  ]);
  const adamPipeline = await ctx.pipeline('lora_adamw', adamwCode, { WG: kWg });
  const adamBind = ctx.bindGroup(
    adamPipeline,
    [flat.buffer, grad.buffer, m.buffer, v.buffer, stats.buffer, uniform],
    'lora_adamw',
  );
  const adamGrid = splitWorkgroups(Math.ceil(count / kWg));
  const host = new ArrayBuffer(48);
  const f = new Float32Array(host);
  const u = new Uint32Array(host);
  return {
    layout,
    count,
    flat,
    m,
    v,
    stats,
    setStep(lr, step, invTokens) {
      u[0] = count;
      u[1] = partials;
      f[2] = lr;
      f[3] = h.beta1;
      f[4] = h.beta2;
      f[5] = h.eps;
      f[6] = h.weightDecay;
      f[7] = h.maxGradNorm;
      f[8] = invTokens;
      f[9] = 1 - Math.pow(h.beta1, step);
      f[10] = 1 - Math.pow(h.beta2, step);
      ctx.device.queue.writeBuffer(uniform, 0, host);
    },
    encode(encoder) {
      for (const x of layout) {
        encoder.copyBufferToBuffer(x.grad.buffer, 0, grad.buffer, x.offset * 4, x.count * 4);
      }
      const pass = encoder.beginComputePass({ label: 'optimizer' });
      normOp.record(pass);
      pass.setPipeline(adamPipeline);
      pass.setBindGroup(0, adamBind);
      pass.dispatchWorkgroups(adamGrid[0], adamGrid[1], adamGrid[2]);
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
      uniform.destroy();
      normOp.destroy();
    },
  };
}
