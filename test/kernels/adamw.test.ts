// The fused optimizer step (gradnormForward then adamwForward, as src/train/optimizer.ts records
// them) over several steps with weight decay, 1/tokens scaling, clipping on and off, odd sizes,
// against (a) an f32 emulation of PyTorch's op order fed with the GPU's own f32 norm and (b)
// float64 math with the float64 norm; plus the NaN/Inf guard.
// Tolerance: (a) WGSL allows 2.5-ulp division and sqrt, so values may differ from the emulation by
// a few ulps: rtol 4e-7 (≈ 3 ulps) for param, m and v. (b) float64: the f32 norm (rtol ~1e-6)
// moves the clip coefficient and each step rounds the update (~1e-7 of p): rtol 2e-6 on param,
// 1e-5 on the clip coefficient (as in gradnorm.test.ts).
import { describe, expect, test } from 'vitest';
import { adamwForward } from '../../src/kernels/adamw.ts';
import { gradnormForward, kStatsSize } from '../../src/kernels/gradnorm.ts';
import { runOps } from '../../src/gpu/op.ts';
import { allclose } from '../helpers/allclose.ts';
import { randn } from '../helpers/random.ts';
import { adamwRef, type AdamwRefHyper, type AdamwRefState } from '../reference/adamw.ts';
import { gradnormRef } from '../reference/gradnorm.ts';
import { gpuContext, output, read, releaseAll, upload } from './ops_harness.ts';

const kHyper = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1 };
const kTokens = 37;

const state0 = (p0: Float32Array): AdamwRefState => ({
  param: Float64Array.from(p0),
  m: new Float64Array(p0.length),
  v: new Float64Array(p0.length),
});

describe('adamw reference', () => {
  test('first step from zero moments is lr·g/(|g| + eps) after decay', () => {
    const h: AdamwRefHyper = { ...kHyper, lr: 1e-3, maxGradNorm: 1e9, invTokens: 0.5 };
    const p0 = [0.5, -1, 2];
    const grad = [0.3, -4, 1e-3];
    const out = adamwRef(state0(Float32Array.from(p0)), grad, gradnormRef([grad]), 1, h);
    for (let i = 0; i < 3; i++) {
      const g = grad[i] * h.invTokens;
      const want = p0[i] * (1 - h.lr * h.weightDecay) - (h.lr * g) / (Math.abs(g) + h.eps);
      expect(out.param[i]).toBeCloseTo(want, 14);
    }
    expect(out.skipped).toBe(false);
    expect(out.clip).toBe(1);
  });
});

describe('adamw gpu', () => {
  for (const [n, maxGradNorm] of [
    [1, 1],
    [7, 1],
    [33, 1e6],
    [1000, 1],
    [70001, 1],
    [70001, 1e6],
  ] as const) {
    test(`n ${n}, 4 steps, weight decay, 1/tokens, max_norm ${maxGradNorm}`, async () => {
      const ctx = await gpuContext();
      if (!ctx) return;
      const p0 = randn(n, n, 0.5);
      const tp = upload(ctx, p0, 'param');
      const tm = upload(ctx, new Float32Array(n), 'm');
      const tv = upload(ctx, new Float32Array(n), 'v');
      const tg = upload(ctx, new Float32Array(n), 'grad');
      const stats = output(ctx, kStatsSize, 'stats', 0);
      const norm = await gradnormForward(ctx, { grad: tg, stats, n });
      const op = await adamwForward(ctx, {
        param: tp,
        grad: tg,
        m: tm,
        v: tv,
        stats,
        n,
        ...kHyper,
        maxGradNorm,
      });
      let e32 = state0(p0);
      let e64 = state0(p0);
      for (let step = 1; step <= 4; step++) {
        // Summed over kTokens tokens; step 2 is small enough that max_norm 1 does not clip.
        const g = randn(n, 100 * step + n, (step === 2 ? 1e-4 : 1) * kTokens);
        const lr = 2e-3 * (1 - step / 10);
        ctx.write(tg, g);
        op.setStep(lr, step, 1 / kTokens);
        runOps(ctx, 'adamw', [norm, op]); // not run(): that destroys the ops after one submit
        await ctx.device.queue.onSubmittedWorkDone();
        const [normGpu, skipped, clip] = await read(ctx, stats, 515).then((s) => s.slice(512));
        const h: AdamwRefHyper = { ...kHyper, lr, maxGradNorm, invTokens: 1 / kTokens };
        const norm64 = gradnormRef([g]);
        const r32 = adamwRef(e32, g, normGpu, step, h, true);
        const r64 = adamwRef(e64, g, norm64, step, h);
        expect(skipped, `step ${step}: skipped flag`).toBe(0);
        allclose([clip], [r32.clip], { atol: 0, rtol: 4e-7 }, `step ${step}: clip vs f32`);
        allclose([clip], [r64.clip], { atol: 0, rtol: 1e-5 }, `step ${step}: clip coefficient`);
        if (maxGradNorm >= 1e6) expect(clip).toBe(1);
        e32 = r32;
        e64 = r64;
      }
      const p = await read(ctx, tp, n);
      allclose(p, e32.param, { atol: 1e-9, rtol: 4e-7 }, 'param vs f32 PyTorch order');
      allclose(await read(ctx, tm, n), e32.m, { atol: 1e-12, rtol: 4e-7 }, 'm');
      allclose(await read(ctx, tv, n), e32.v, { atol: 1e-15, rtol: 4e-7 }, 'v');
      allclose(p, e64.param, { atol: 1e-8, rtol: 2e-6 }, 'param vs float64');
      norm.destroy();
      op.destroy();
      releaseAll(ctx, [tp, tm, tv, tg, stats]);
    });
  }

  for (const bad of [NaN, Infinity]) {
    test(`a ${bad} gradient skips the update and sets the flag; the next step proceeds`, async () => {
      const ctx = await gpuContext();
      if (!ctx) return;
      const n = 1000;
      const h = { ...kHyper, maxGradNorm: 1 };
      const p0 = randn(n, 3, 0.5);
      const m0 = randn(n, 4, 1e-2);
      const v0 = randn(n, 5, 1e-4).map(Math.abs);
      const tp = upload(ctx, p0, 'param');
      const tm = upload(ctx, m0, 'm');
      const tv = upload(ctx, v0, 'v');
      const g = randn(n, 6, kTokens);
      g[417] = bad;
      const tg = upload(ctx, g, 'grad');
      const stats = output(ctx, kStatsSize, 'stats', 0);
      const norm = await gradnormForward(ctx, { grad: tg, stats, n });
      const op = await adamwForward(ctx, { param: tp, grad: tg, m: tm, v: tv, stats, n, ...h });
      op.setStep(1e-3, 3, 1 / kTokens);
      runOps(ctx, 'adamw', [norm, op]);
      await ctx.device.queue.onSubmittedWorkDone();
      expect((await read(ctx, stats, 514))[513], 'skipped flag').toBe(1);
      expect(await read(ctx, tp, n), 'param untouched').toEqual(p0);
      expect(await read(ctx, tm, n), 'm untouched').toEqual(m0);
      expect(await read(ctx, tv, n), 'v untouched').toEqual(v0);

      g[417] = 0;
      ctx.write(tg, g);
      op.setStep(1e-3, 3, 1 / kTokens);
      runOps(ctx, 'adamw', [norm, op]);
      await ctx.device.queue.onSubmittedWorkDone();
      const [normGpu, skipped] = (await read(ctx, stats, 514)).slice(512);
      expect(skipped, 'flag cleared').toBe(0);
      const s = {
        param: Float64Array.from(p0),
        m: Float64Array.from(m0),
        v: Float64Array.from(v0),
      };
      const want = adamwRef(s, g, normGpu, 3, { ...h, lr: 1e-3, invTokens: 1 / kTokens }, true);
      allclose(await read(ctx, tp, n), want.param, { atol: 1e-9, rtol: 4e-7 }, 'param');
      norm.destroy();
      op.destroy();
      releaseAll(ctx, [tp, tm, tv, tg, stats]);
    });
  }
});
