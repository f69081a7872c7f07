// AdamW step against (a) an f32 emulation of PyTorch's op order and (b) float64 math, over several
// steps with weight decay, clipping (coef from a GPU tensor) and odd sizes.
// Tolerance: (a) WGSL allows 2.5-ulp division and sqrt, so values may differ from the emulation by
// a few ulps: rtol 4e-7 (≈ 3 ulps) for param, m and v. (b) float64: the f32 rounding of each
// step's update is ~1e-7 relative to p: rtol 1e-6.
import { describe, test } from 'vitest';
import { adamwStep } from '../../src/kernels/adamw.ts';
import { allclose } from '../helpers/allclose.ts';
import { randn } from '../helpers/random.ts';
import { adamwRef } from '../reference/adamw.ts';
import { runOps } from '../../src/gpu/op.ts';
import { gpuContext, read, releaseAll, upload } from './ops_harness.ts';

describe('adamw gpu', () => {
  for (const n of [1, 7, 33, 1000, 70001]) {
    test(`n ${n}, 4 steps, weight decay, clip 0.5`, async () => {
      const ctx = await gpuContext();
      if (!ctx) return;
      const h = { lr: 2e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1 };
      const p0 = randn(n, n, 0.5);
      const tp = upload(ctx, p0, 'param');
      const tm = upload(ctx, new Float32Array(n), 'm');
      const tv = upload(ctx, new Float32Array(n), 'v');
      const tclip = upload(ctx, [3, 0.5], 'clip');
      const tg = upload(ctx, new Float32Array(n), 'grad');
      const op = await adamwStep(ctx, { param: tp, grad: tg, m: tm, v: tv, clip: tclip, n, ...h });
      let e32: ReturnType<typeof adamwRef> = {
        param: Float64Array.from(p0),
        m: new Float64Array(n),
        v: new Float64Array(n),
      };
      let e64: ReturnType<typeof adamwRef> = {
        param: Float64Array.from(p0),
        m: new Float64Array(n),
        v: new Float64Array(n),
      };
      for (let step = 1; step <= 4; step++) {
        const g = randn(n, 100 * step + n, step === 2 ? 1e-4 : 1);
        ctx.write(tg, g);
        op.setStep(step, h.lr * (1 - step / 10));
        const hs = { ...h, lr: h.lr * (1 - step / 10) };
        runOps(ctx, 'adamw', [op]); // not run(): that destroys the op after one submit
        await ctx.device.queue.onSubmittedWorkDone();
        e32 = adamwRef(e32.param, g, e32.m, e32.v, step, 0.5, hs, true);
        e64 = adamwRef(e64.param, g, e64.m, e64.v, step, 0.5, hs, false);
      }
      const p = await read(ctx, tp, n);
      allclose(p, e32.param, { atol: 1e-9, rtol: 4e-7 }, 'param vs f32 PyTorch order');
      allclose(await read(ctx, tm, n), e32.m, { atol: 1e-12, rtol: 4e-7 }, 'm');
      allclose(await read(ctx, tv, n), e32.v, { atol: 1e-15, rtol: 4e-7 }, 'v');
      allclose(p, e64.param, { atol: 1e-8, rtol: 1e-6 }, 'param vs float64');
      op.destroy();
      releaseAll(ctx, [tp, tm, tv, tclip, tg]);
    });
  }
});
