// The run's LoRA weights between the host and the device: writing host weights (PEFT init, an
// adapter, a checkpoint) into the per-site A/B tensors and the optimizer's flat copy, reading the
// flat copy back as per-layer weights, and handing the live tensors to a generator. The optimizer
// owns the flat layout (optimizer.ts); the engine owns the per-site tensors (model/forward.ts).
import type { GpuContext, Tensor } from '../gpu/context.ts';
import type { DecodeLora } from '../model/decode.ts';
import type { Engine } from '../model/forward.ts';
import { initLora, type LoraSpec, type LoraWeights } from '../model/lora.ts';
import type { DeviceOptimizer } from './optimizer.ts';

/** Host weights into the per-site A/B tensors, then gathered into the flat copy. */
export function writeLoraWeights(
  ctx: GpuContext,
  engine: Engine,
  opt: DeviceOptimizer,
  w: LoraWeights,
): void {
  w.layers.forEach((layer, l) => {
    for (const m of w.spec.targets) {
      ctx.write(engine.sites[l][m]!.A, layer[m]!.a);
      ctx.write(engine.sites[l][m]!.B, layer[m]!.b);
    }
  });
  const enc = ctx.device.createCommandEncoder({ label: 'gather' });
  opt.encodeGather(enc);
  ctx.device.queue.submit([enc.finish()]);
}

/** The flat copy (written from a checkpoint) out to the per-site A/B tensors. */
export function scatterFlat(ctx: GpuContext, opt: DeviceOptimizer): void {
  const enc = ctx.device.createCommandEncoder({ label: 'scatter' });
  for (const x of opt.layout)
    enc.copyBufferToBuffer(opt.flat.buffer, x.offset * 4, x.param.buffer, 0, x.count * 4);
  ctx.device.queue.submit([enc.finish()]);
}

/** One of the optimizer's flat buffers (weights, m or v), exactly its LoRA values. */
export async function readFlat(
  ctx: GpuContext,
  opt: DeviceOptimizer,
  t: Tensor,
): Promise<Float32Array> {
  return (await ctx.readF32(t, opt.count)).slice(0, opt.count);
}

/** The current LoRA weights, per layer and module, from the flat copy. */
export async function readLoraWeights(
  ctx: GpuContext,
  engine: Engine,
  opt: DeviceOptimizer,
  spec: LoraSpec,
): Promise<LoraWeights> {
  const flat = await readFlat(ctx, opt, opt.flat);
  const w = initLora(engine.config, spec, 0);
  let i = 0;
  const next = () => {
    const x = opt.layout[i++];
    return flat.slice(x.offset, x.offset + x.count);
  };
  for (const layer of w.layers) {
    for (const m of spec.targets) {
      const p = layer[m]!;
      p.a = next();
      p.b = next();
    }
  }
  return w;
}

/** The live per-site tensors, for a generator that chats with the model mid-run. */
export function deviceLoraOf(engine: Engine, spec: LoraSpec): DecodeLora {
  return {
    spec,
    layers: engine.sites.map((layer) => {
      const out: DecodeLora['layers'][number] = {};
      for (const m of spec.targets) out[m] = { A: layer[m]!.A, B: layer[m]!.B };
      return out;
    }),
  };
}
