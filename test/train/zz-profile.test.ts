import { it } from 'vitest';
import { createEngine } from '../../src/model/forward.ts';
import { createBackward } from '../../src/model/backward.ts';
import { testContext, tinyModel } from './engine-helpers.ts';
import { GpuTimer } from '../../src/gpu/timing.ts';

it('profile', async () => {
  const ctx = (await testContext())!;
  const { model } = await tinyModel(ctx, 'llama');
  const e = await createEngine(ctx, model, { rows: 1, seqLen: 14, lora: { r: 4, alpha: 8, useRslora: false, targets: ['q_proj','k_proj','v_proj','o_proj','gate_proj','up_proj','down_proj'] }, dropout: 0, training: true });
  const bw = await createBackward(e);
  const time = async (label: string, f: (enc: GPUCommandEncoder) => void) => {
    for (let r = 0; r < 2; r++) {
      const t0 = performance.now();
      const enc = ctx.device.createCommandEncoder();
      f(enc);
      ctx.device.queue.submit([enc.finish()]);
      await ctx.device.queue.onSubmittedWorkDone();
      console.log(label, (performance.now() - t0).toFixed(1), 'ms');
    }
  };
  await time('forward body', (enc) => { const p = enc.beginComputePass(); e.forward.record(p); p.end(); });
  await time('ce', (enc) => e.ce.record(enc));
  await time('backward', (enc) => { const p = enc.beginComputePass(); bw.record(p); p.end(); });
  console.log('ops fwd', e.forward.ops.length, 'bwd', bw.ops.length);
  void GpuTimer;
});
