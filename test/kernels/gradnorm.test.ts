// Global gradient norm (gradnormForward, both phases) against float64, on odd sizes and around the
// 512-partials boundary where each thread starts summing several elements (131072 = 512 · 256);
// the reduction is deterministic (bit-identical reruns); and the clip coefficient adamwForward
// derives from it matches torch.nn.utils.clip_grad_norm_ (clipping, not clipping, 1/tokens).
// Tolerance: f32 sums of ≤ 1e6 squares in a fixed tree (relative error ~1e-6): rtol 1e-5 on the
// norm and the coefficient.
import { describe, expect, test } from 'vitest';
import { adamwForward } from '../../src/kernels/adamw.ts';
import { gradnormForward, kStatsClip, kStatsNorm, kStatsSize } from '../../src/kernels/gradnorm.ts';
import { runOps } from '../../src/gpu/op.ts';
import { allclose } from '../helpers/allclose.ts';
import { randn } from '../helpers/random.ts';
import { clipCoefRef, gradnormRef } from '../reference/gradnorm.ts';
import { gpuContext, output, read, releaseAll, run, upload } from './ops_harness.ts';

describe('gradnorm reference', () => {
  test('norm of a 3-4-12 triangle and the clamped clip coefficient', () => {
    expect(gradnormRef([[3], [4, 12]])).toBe(13);
    expect(clipCoefRef(13, 1)).toBeCloseTo(1 / (13 + 1e-6), 15);
    expect(clipCoefRef(13, 100)).toBe(1);
  });
});

describe('gradnorm gpu', () => {
  for (const n of [1, 7, 33, 1000, 131072, 131073, 300007, 1000003]) {
    test(`n ${n}: norm vs float64, deterministic`, async () => {
      const ctx = await gpuContext();
      if (!ctx) return;
      const g = randn(n, 50 + n, 0.01);
      const tg = upload(ctx, g, 'grad');
      const stats = output(ctx, kStatsSize, 'stats');
      const op = await gradnormForward(ctx, { grad: tg, stats, n });
      runOps(ctx, 'gradnorm', [op]);
      const first = await read(ctx, stats, kStatsNorm + 1);
      runOps(ctx, 'gradnorm', [op]);
      const second = await read(ctx, stats, kStatsNorm + 1);
      allclose([first[kStatsNorm]], [gradnormRef([g])], { atol: 0, rtol: 1e-5 }, 'norm');
      expect(second, 'rerun is bit-identical').toEqual(first);
      op.destroy();
      releaseAll(ctx, [tg, stats]);
    });
  }

  for (const [maxGradNorm, tokens] of [
    [0.5, 1],
    [0.5, 13],
    [1e6, 13],
  ] as const) {
    test(`clip coefficient as clip_grad_norm_: max_norm ${maxGradNorm}, ${tokens} tokens`, async () => {
      const ctx = await gpuContext();
      if (!ctx) return;
      const n = 4099;
      const g = randn(n, 9, 0.05 * tokens); // summed over tokens: the mean-loss norm is ≈ 3.2
      const tg = upload(ctx, g, 'grad');
      const stats = output(ctx, kStatsSize, 'stats');
      const t = (label: string) => output(ctx, n, label, 0);
      const [tp, tm, tv] = [t('param'), t('m'), t('v')];
      const hyper = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxGradNorm };
      const ops = [
        gradnormForward(ctx, { grad: tg, stats, n }),
        adamwForward(ctx, { param: tp, grad: tg, m: tm, v: tv, stats, n, ...hyper }).then((o) => {
          o.setStep(1e-3, 1, 1 / tokens);
          return o;
        }),
      ];
      await run(ctx, ops);
      const s = await read(ctx, stats, kStatsClip + 1);
      const norm = gradnormRef([g]) / tokens; // torch clips the gradient of the mean loss
      const want = clipCoefRef(norm, maxGradNorm);
      allclose([s[kStatsClip]], [want], { atol: 0, rtol: 1e-5 }, 'clip coefficient');
      if (maxGradNorm >= 1e6) expect(s[kStatsClip]).toBe(1);
      else expect(want).toBeLessThan(0.5);
      releaseAll(ctx, [tg, stats, tp, tm, tv]);
    });
  }
});
