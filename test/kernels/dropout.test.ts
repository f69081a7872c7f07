// Dropout: the Philox2x32-10 reference against Random123's known-answer vectors; the GPU mask
// bit-exact against the reference; the keep rate within 5 standard deviations of 1 − p; distinct
// streams give independent masks; and the backward applies exactly the forward's mask.
// Values are x·f32(1/(1−p)) rounded once: exact (atol 0, rtol 0) against the reference.
import { describe, expect, test } from 'vitest';
import { dropoutBackward, dropoutForward } from '../../src/kernels/dropout.ts';
import { allclose } from '../helpers/allclose.ts';
import { randn } from '../helpers/random.ts';
import { dropoutMaskRef, dropoutRef, philox2x32_10 } from '../reference/dropout.ts';
import { gpuContext, output, read, releaseAll, run, upload } from './ops_harness.ts';

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
      const stream = 7;
      const x = randn(n, n);
      const dout = randn(n, n + 1);
      const tx = upload(ctx, x, 'x');
      const td = upload(ctx, dout, 'dout');
      const tout = output(ctx, n, 'out');
      const tdx = output(ctx, n, 'dx');
      const tother = output(ctx, n, 'other');
      await run(ctx, [
        dropoutForward(ctx, { x: tx, out: tout, n, p, seed, stream }),
        dropoutBackward(ctx, { dout: td, dx: tdx, n, p, seed, stream }),
        dropoutForward(ctx, { x: tx, out: tother, n, p, seed, stream: stream + 1 }),
      ]);
      const keep = dropoutMaskRef(n, p, seed, stream);
      const out = await read(ctx, tout, n);
      allclose(out, dropoutRef(x, keep, p), { atol: 0, rtol: 0 }, 'forward');
      allclose(
        await read(ctx, tdx, n),
        dropoutRef(dout, keep, p),
        { atol: 0, rtol: 0 },
        'backward uses the same mask',
      );
      const kept = keep.reduce((s, k) => s + k, 0);
      if (n > 1000) {
        const sd = Math.sqrt(n * p * (1 - p));
        expect(Math.abs(kept - n * (1 - p))).toBeLessThanOrEqual(5 * sd + 1e-9);
        // Another stream: masks agree on about (1-p)^2 + p^2 of the elements, not all of them.
        const other = await read(ctx, tother, n);
        let both = 0;
        for (let i = 0; i < n; i++) if ((out[i] !== 0) === (other[i] !== 0)) both++;
        const expected = n * ((1 - p) ** 2 + p ** 2);
        if (p > 0)
          expect(Math.abs(both - expected)).toBeLessThanOrEqual(5 * Math.sqrt(n * 0.25) + 1);
      }
      releaseAll(ctx, [tx, td, tout, tdx, tother]);
    });
  }
});
