// Dropout (shaders/dropout_forward.wgsl through dropoutForward/dropoutBackward, as the LoRA
// layers use it): the Philox2x32-10 reference against Random123's known-answer vectors; the GPU
// mask bit-exact against the reference for the seed in the step-state buffer and the site; the
// keep rate within 5 standard deviations of 1 − p; distinct sites and a rewritten seed give
// independent masks with the same ops; the backward applies exactly the forward's mask and
// accumulates (+=); with dropout off in the state buffer the op is the identity.
// Values are x·f32(1/(1−p)) rounded once (and once more when accumulated): exact (atol 0, rtol 0).
import { describe, expect, test } from 'vitest';
import { dropoutBackward, dropoutForward } from '../../src/kernels/dropout.ts';
import type { GpuContext, Tensor } from '../../src/gpu/context.ts';
import { runOps, type GpuOp } from '../../src/gpu/op.ts';
import { allclose } from '../helpers/allclose.ts';
import { randn } from '../helpers/random.ts';
import { dropoutMaskRef, dropoutRef, philox2x32_10 } from '../reference/dropout.ts';
import { gpuContext, output, read, releaseAll, upload } from './ops_harness.ts';

async function submit(ctx: GpuContext, ops: GpuOp[]): Promise<void> {
  runOps(ctx, 'dropout', ops); // the ops stay alive: the tests rerun them with a new seed
  await ctx.device.queue.onSubmittedWorkDone();
}

const agreeing = (a: Float32Array, b: Float32Array): number =>
  a.reduce((s, _, i) => s + ((a[i] !== 0) === (b[i] !== 0) ? 1 : 0), 0);

describe('dropout reference', () => {
  test('Philox2x32-10 matches the Random123 known-answer vectors', () => {
    expect(philox2x32_10(0, 0, 0)).toEqual([0xff1dae59, 0x6cd10df2]);
    expect(philox2x32_10(0xffffffff, 0xffffffff, 0xffffffff)).toEqual([0x2c3f628b, 0xab4fd7ad]);
    expect(philox2x32_10(0x243f6a88, 0x85a308d3, 0x13198a2e)).toEqual([0xdd7ce038, 0xf62a4c12]);
  });
});

describe('dropout gpu', () => {
  for (const [n, p] of [
    [1, 0.5],
    [1000, 0.1],
    [100003, 0.1],
    [100003, 0.05],
    [4096, 0],
  ] as const) {
    test(`n ${n} p ${p}`, async () => {
      const ctx = await gpuContext();
      if (!ctx) return;
      const seed = 1234;
      const site = 7;
      const x = randn(n, n);
      const dout = randn(n, n + 1);
      const base = randn(n, n + 2);
      const state = upload(ctx, [seed, 1, 0, 0], 'state', 'u32');
      const tx = upload(ctx, x, 'x');
      const td = upload(ctx, dout, 'dout');
      const tout = output(ctx, n, 'out');
      const tdx = upload(ctx, base, 'dx');
      const tother = output(ctx, n, 'other');
      const ops = [
        await dropoutForward(ctx, { x: tx, out: tout, n, p, site, state }),
        await dropoutBackward(ctx, { dout: td, dx: tdx, n, p, site, state }),
        await dropoutForward(ctx, { x: tx, out: tother, n, p, site: site + 1, state }),
      ];
      await submit(ctx, ops);
      const keep = dropoutMaskRef(n, p, seed, site);
      const out = await read(ctx, tout, n);
      allclose(out, dropoutRef(x, keep, p), { atol: 0, rtol: 0 }, 'forward');
      allclose(
        await read(ctx, tdx, n),
        dropoutRef(dout, keep, p, base),
        { atol: 0, rtol: 0 },
        'backward: the same mask, accumulated',
      );
      allclose(
        await read(ctx, tother, n),
        dropoutRef(x, dropoutMaskRef(n, p, seed, site + 1), p),
        { atol: 0, rtol: 0 },
        'another site',
      );

      // A new micro-batch seed, written into the state buffer: same ops, the reference's new mask.
      ctx.write(state, Uint32Array.from([seed + 1, 1, 0, 0]));
      await submit(ctx, ops.slice(0, 1));
      const reseeded = await read(ctx, tout, n);
      allclose(
        reseeded,
        dropoutRef(x, dropoutMaskRef(n, p, seed + 1, site), p),
        { atol: 0, rtol: 0 },
        'new seed',
      );

      const kept = keep.reduce((s, k) => s + k, 0);
      if (n > 1000) {
        const sd = Math.sqrt(n * p * (1 - p));
        expect(Math.abs(kept - n * (1 - p)), 'keep rate').toBeLessThanOrEqual(5 * sd + 1e-9);
        // Independent masks agree on about (1-p)^2 + p^2 of the elements, not all of them.
        const expected = n * ((1 - p) ** 2 + p ** 2);
        const sdAgree = Math.sqrt(n * 0.25) + 1;
        if (p > 0) {
          const other = await read(ctx, tother, n);
          expect(Math.abs(agreeing(out, other) - expected), 'sites').toBeLessThanOrEqual(
            5 * sdAgree,
          );
          expect(Math.abs(agreeing(out, reseeded) - expected), 'seeds').toBeLessThanOrEqual(
            5 * sdAgree,
          );
        }
      }
      for (const op of ops) op.destroy();
      releaseAll(ctx, [state, tx, td, tout, tdx, tother]);
    });
  }

  test('dropout off in the state buffer (eval): out = x, dx += dout', async () => {
    const ctx = await gpuContext();
    if (!ctx) return;
    const n = 5003;
    const p = 0.3;
    const x = randn(n, 1);
    const dout = randn(n, 2);
    const base = randn(n, 3);
    const state: Tensor = upload(ctx, [99, 0, 0, 0], 'state', 'u32');
    const tx = upload(ctx, x, 'x');
    const td = upload(ctx, dout, 'dout');
    const tout = output(ctx, n, 'out');
    const tdx = upload(ctx, base, 'dx');
    const ops = [
      await dropoutForward(ctx, { x: tx, out: tout, n, p, site: 3, state }),
      await dropoutBackward(ctx, { dout: td, dx: tdx, n, p, site: 3, state }),
    ];
    await submit(ctx, ops);
    const all = new Uint8Array(n).fill(1);
    allclose(await read(ctx, tout, n), x, { atol: 0, rtol: 0 }, 'identity forward');
    allclose(await read(ctx, tdx, n), dropoutRef(dout, all, 0, base), { atol: 0, rtol: 0 }, 'dx');
    for (const op of ops) op.destroy();
    releaseAll(ctx, [state, tx, td, tout, tdx]);
  });
});
