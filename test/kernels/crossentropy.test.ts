// Fused lm_head + cross-entropy (loss sum, count, per-token losses, dhidden) against the float64
// reference: odd shapes, ignored labels (-100 and runs of them), forced vocabulary splits, bf16 and
// f16 weights, accumulate across micro-batches, and large vocabularies (49152, 128256, 151936)
// with few tokens and a small hidden size. C % 4 == 0 takes the vec4 sweeps, other C the scalar
// fallbacks; both get token counts and vocabulary splits that are not multiples of their blocks.
// Reference gradient by float64 finite differences; GPU gradient through the scalar loss.
//
// Tolerance: a logit is an f32 dot product over C ≤ 896 terms of O(1/√C)·O(1) values (error
// ~1e-6); the log-sum-exp over V ≤ 152k terms is summed in f32 per split then merged (relative
// error ~1e-6 of a loss ~log V ≈ 12): losses atol 1e-4 / rtol 1e-4, the loss sum rtol 1e-4.
// dhidden is scale·(Σ_v p_v W_v − W_label), a V-term f32 sum with cancellation against W_label:
// atol 2e-5·scale·√C-ish → atol 1e-5, rtol 1e-3. The count is exact.
import { describe, expect, test } from 'vitest';
import { crossentropyBackward, crossentropyForward } from '../../src/kernels/crossentropy.ts';
import { allclose } from '../helpers/allclose.ts';
import { randn, rng } from '../helpers/random.ts';
import { packBf16, packF16 } from '../reference/embedding.ts';
import { crossentropyRef } from '../reference/crossentropy.ts';
import { expectGradClose, f64, numericalGrad } from '../reference/gradcheck.ts';
import {
  expectDirectional,
  gpuContext,
  output,
  read,
  releaseAll,
  run,
  upload,
} from './ops_harness.ts';

const kLoss = { atol: 1e-4, rtol: 1e-4 };
const kGrad = { atol: 1e-5, rtol: 1e-3 };

function labelsFor(T: number, V: number, seed: number, ignoreEvery = 3): Int32Array {
  const r = rng(seed);
  const out = new Int32Array(T);
  for (let t = 0; t < T; t++) out[t] = t % ignoreEvery === 1 ? -100 : Math.floor(r() * V);
  return out;
}

describe('crossentropy reference', () => {
  test('dhidden matches float64 central differences of scale · Σ loss', () => {
    const [T, C, V] = [4, 3, 7];
    const h = f64(randn(T * C, 1));
    const w = f64(randn(V * C, 2));
    const labels = [3, -100, 0, 6];
    const scale = 1 / 3;
    const { dhidden } = crossentropyRef(h, w, labels, T, C, V, scale);
    const num = numericalGrad(
      () => scale * crossentropyRef(h, w, labels, T, C, V, scale).lossSum,
      h,
    );
    expectGradClose(dhidden, num, 'dhidden');
  });
});

describe('crossentropy gpu', () => {
  // [T, C, V, splits?, dtype]
  const cases: [number, number, number, number | undefined, 'f32' | 'bf16' | 'f16'][] = [
    [1, 1, 1, undefined, 'f32'],
    [7, 33, 127, undefined, 'f32'],
    [33, 7, 1000, undefined, 'f32'],
    [33, 7, 1000, 1, 'f32'],
    [127, 16, 33, 3, 'f32'],
    [9, 64, 500, undefined, 'bf16'],
    [5, 33, 301, undefined, 'f16'],
    [6, 576, 200, undefined, 'f32'], // SmolLM2 hidden, truncated vocab
    [3, 896, 150, undefined, 'bf16'], // Qwen2.5-0.5B hidden
    [4, 16, 49152, undefined, 'f32'], // SmolLM2 vocab
    [3, 8, 128256, undefined, 'bf16'], // Llama-3 vocab
    [3, 8, 151936, undefined, 'f32'], // Qwen2.5 vocab
    // The vec4 sweeps (C % 4 == 0): token blocks of 4 and row steps of 8 with tails, every dtype.
    [5, 4, 7, undefined, 'f32'],
    [10, 20, 301, undefined, 'f16'],
    [13, 12, 1001, 5, 'bf16'],
    [18, 36, 77, 2, 'f32'],
  ];
  for (const [T, C, V, splits, dtype] of cases) {
    test(`T ${T} C ${C} V ${V}${splits ? ` splits ${splits}` : ''} ${dtype}`, async () => {
      const ctx = await gpuContext();
      if (!ctx) return;
      const seed = T * 7 + C + V;
      const h = randn(T * C, seed);
      let w: Float32Array = randn(V * C, seed + 1, 1 / Math.sqrt(C));
      let packed: Uint32Array = new Uint32Array(w.buffer);
      if (dtype === 'bf16') ({ packed, rounded: w } = packBf16(w));
      if (dtype === 'f16') ({ packed, rounded: w } = packF16(w));
      const labels = labelsFor(T, V, seed + 2);
      if (T > 2) labels[T - 1] = V; // out of range: ignored too
      const scale = 1 / 7;
      const th = upload(ctx, h, 'hidden');
      const tw = ctx.tensorFrom(packed, 'weights', 'lm_head');
      const tl = upload(ctx, labels, 'labels', 'i32');
      const common = { hidden: th, weight: tw, labels: tl, T, C, V, wDtype: dtype, splits };
      const f = { losses: output(ctx, T, 'losses_f'), out: output(ctx, 2, 'out_f') };
      const b = {
        losses: output(ctx, T, 'losses_b'),
        out: upload(ctx, [1.5, 2], 'out_b'),
        dhidden: output(ctx, T * C, 'dh'),
      };
      await run(ctx, [
        crossentropyForward(ctx, { ...common, ...f }),
        crossentropyBackward(ctx, { ...common, ...b, scale, accumulate: true }),
      ]);
      const ref = crossentropyRef(h, w, labels, T, C, V, scale);
      allclose(await read(ctx, f.losses, T), ref.losses, kLoss, 'losses (forward)');
      allclose(await read(ctx, b.losses, T), ref.losses, kLoss, 'losses (backward)');
      const fo = await read(ctx, f.out, 2);
      allclose([fo[0]], [ref.lossSum], { atol: 1e-4, rtol: 1e-4 }, 'loss sum');
      expect(fo[1]).toBe(ref.count);
      const bo = await read(ctx, b.out, 2);
      allclose([bo[0]], [ref.lossSum + 1.5], { atol: 1e-4, rtol: 1e-4 }, 'loss sum +=');
      expect(bo[1]).toBe(ref.count + 2);
      allclose(await read(ctx, b.dhidden, T * C), ref.dhidden, kGrad, 'dhidden');
      releaseAll(ctx, [th, tw, tl, f.losses, f.out, b.losses, b.out, b.dhidden]);
    });
  }

  // The sweeps with weight loads shared across subgroups (the default where the adapter allows
  // it) against the plain ones and the reference: bit-identical to the plain sweeps. Labels
  // with long ignored runs (whole subgroups return early, others mix ignored and trained lanes),
  // T not a multiple of 4 or of a subgroup's 16 tokens, splits that end mid-step, every dtype.
  test.each([
    [70, 36, 301, 3, 'f32'],
    [37, 64, 1000, undefined, 'bf16'],
    [130, 12, 77, 2, 'f16'],
  ] as const)('subgroup sweep T %i C %i V %i splits %s %s', async (T, C, V, splits, dtype) => {
    const ctx = await gpuContext();
    if (!ctx) return;
    const seed = T + C + V;
    const h = randn(T * C, seed);
    let w: Float32Array = randn(V * C, seed + 1, 1 / Math.sqrt(C));
    let packed: Uint32Array = new Uint32Array(w.buffer);
    if (dtype === 'bf16') ({ packed, rounded: w } = packBf16(w));
    if (dtype === 'f16') ({ packed, rounded: w } = packF16(w));
    const labels = labelsFor(T, V, seed + 2);
    labels.fill(-100, 0, 34); // a prompt: tokens 0..33 ignored
    labels.fill(-100, T - 9, T - 3); // and a run near the end
    const scale = 1 / 5;
    const th = upload(ctx, h, 'hidden');
    const tw = ctx.tensorFrom(packed, 'weights', 'lm_head');
    const tl = upload(ctx, labels, 'labels', 'i32');
    const common = { hidden: th, weight: tw, labels: tl, T, C, V, wDtype: dtype, splits, scale };
    const outs = [true, false].map((subgroups) => ({
      subgroups,
      losses: output(ctx, T, `losses_${subgroups}`),
      out: output(ctx, 2, `out_${subgroups}`),
      dhidden: output(ctx, T * C, `dh_${subgroups}`),
    }));
    // The loss-only sweeps (evaluation) too.
    const evals = [true, false].map((subgroups) => ({
      subgroups,
      losses: output(ctx, T, `eval_losses_${subgroups}`),
      out: output(ctx, 2, `eval_out_${subgroups}`),
    }));
    await run(ctx, [
      ...outs.map((o) => crossentropyBackward(ctx, { ...common, ...o })),
      ...evals.map((o) => crossentropyForward(ctx, { ...common, ...o })),
    ]);
    const evalLosses = await Promise.all(evals.map((o) => read(ctx, o.losses, T)));

    const ref = crossentropyRef(h, w, labels, T, C, V, scale);
    const got = await Promise.all(
      outs.map(async (o) => ({
        losses: await read(ctx, o.losses, T),
        out: await read(ctx, o.out, 2),
        dhidden: await read(ctx, o.dhidden, T * C),
      })),
    );
    allclose(got[0].losses, ref.losses, kLoss, 'losses (subgroups)');
    allclose(got[0].dhidden, ref.dhidden, kGrad, 'dhidden (subgroups)');
    expect(got[0].out[1]).toBe(ref.count);
    allclose(got[1].dhidden, ref.dhidden, kGrad, 'dhidden (plain)');
    expect([...got[0].dhidden]).toEqual([...got[1].dhidden]);
    expect([...got[0].losses]).toEqual([...got[1].losses]);
    allclose(evalLosses[0], ref.losses, kLoss, 'losses (eval, subgroups)');
    expect([...evalLosses[0]]).toEqual([...evalLosses[1]]);
    releaseAll(ctx, [
      th,
      tw,
      tl,
      ...outs.flatMap((o) => [o.losses, o.out, o.dhidden]),
      ...evals.flatMap((o) => [o.losses, o.out]),
    ]);
  });

  test('all tokens ignored: zero loss, zero count, zero gradient', async () => {
    const ctx = await gpuContext();
    if (!ctx) return;
    const [T, C, V] = [6, 5, 40];
    const th = upload(ctx, randn(T * C, 1), 'hidden');
    const tw = upload(ctx, randn(V * C, 2), 'w');
    const tl = upload(ctx, new Int32Array(T).fill(-100), 'labels', 'i32');
    const losses = output(ctx, T, 'losses');
    const out = output(ctx, 2, 'out');
    const dh = output(ctx, T * C, 'dh');
    await run(ctx, [
      crossentropyBackward(ctx, {
        hidden: th,
        weight: tw,
        labels: tl,
        losses,
        out,
        dhidden: dh,
        T,
        C,
        V,
        scale: 1,
      }),
    ]);
    expect([...(await read(ctx, out, 2))]).toEqual([0, 0]);
    expect([...(await read(ctx, dh, T * C))].every((x) => x === 0)).toBe(true);
    releaseAll(ctx, [th, tw, tl, losses, out, dh]);
  });

  test('dhidden through the scalar loss (f32 finite differences)', async () => {
    const ctx = await gpuContext();
    if (!ctx) return;
    const [T, C, V] = [9, 12, 300];
    const h = randn(T * C, 3);
    const tw = upload(ctx, randn(V * C, 4, 0.5), 'w');
    const labels = labelsFor(T, V, 5);
    const tl = upload(ctx, labels, 'labels', 'i32');
    const scale = 1 / 6;
    const dh = output(ctx, T * C, 'dh');
    const lossAt = async (hv: Float32Array, backward = false): Promise<number> => {
      const th = upload(ctx, hv, 'hidden');
      const losses = output(ctx, T, 'losses');
      const out = output(ctx, 2, 'out');
      const args = { hidden: th, weight: tw, labels: tl, losses, out, T, C, V };
      await run(ctx, [
        backward
          ? crossentropyBackward(ctx, { ...args, dhidden: dh, scale })
          : crossentropyForward(ctx, args),
      ]);
      const L = (await read(ctx, out, 2))[0] * scale;
      releaseAll(ctx, [th, losses, out]);
      return L;
    };
    await lossAt(h, true);
    await expectDirectional(
      (hv) => lossAt(hv),
      h,
      await read(ctx, dh, T * C),
      randn(T * C, 6),
      1e-2,
      'dhidden',
    );
    releaseAll(ctx, [tw, tl, dh]);
  });
});
