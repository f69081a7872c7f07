// Residual add and elementwise helpers (scaleAdd/copy/accumulate, fill, scaleInPlace) against the
// float64 reference. Tolerance: one or two f32 ops per element, atol 1e-6 / rtol 1e-6 would do;
// STYLE's elementwise default (1e-5 / 1e-4) is used.
import { describe, test } from 'vitest';
import {
  copy,
  fill,
  residualBackward,
  residualForward,
  scaleAdd,
  scaleInPlace,
} from '../../src/kernels/residual.ts';
import { allclose } from '../helpers/allclose.ts';
import { randn } from '../helpers/random.ts';
import { residualForwardRef, scaleAddRef } from '../reference/residual.ts';
import { gpuContext, output, read, releaseAll, run, upload } from './ops_harness.ts';

const kTol = { atol: 1e-5, rtol: 1e-4 };

describe('residual gpu', () => {
  for (const n of [1, 7, 33, 127, 1000, 5 * 576, 3 * 896, 2 * 2048]) {
    test(`n ${n}`, async () => {
      const ctx = await gpuContext();
      if (!ctx) return;
      const a = randn(n, n);
      const b = randn(n, n + 1);
      const ta = upload(ctx, a, 'a');
      const tb = upload(ctx, b, 'b');
      const tout = output(ctx, n, 'out');
      const tacc = upload(ctx, b, 'acc');
      const tcopy = output(ctx, n, 'copy');
      const tscaled = upload(ctx, b, 'scaled');
      const tfill = output(ctx, n, 'fill');
      const tax = upload(ctx, b, 'axpby');
      await run(ctx, [
        residualForward(ctx, { a: ta, b: tb, out: tout, n }),
        residualBackward(ctx, { dout: ta, dx: tacc, n }),
        copy(ctx, { x: ta, y: tcopy, n }),
        scaleInPlace(ctx, { y: tscaled, n, factor: -0.5 }),
        fill(ctx, { y: tfill, n, value: 0 }),
        scaleAdd(ctx, { x: ta, y: tax, n, alpha: 0.25, beta: 2 }),
      ]);
      allclose(await read(ctx, tout, n), residualForwardRef(a, b), kTol, 'a + b');
      allclose(await read(ctx, tacc, n), residualForwardRef(a, b), kTol, 'dx += dout');
      allclose(await read(ctx, tcopy, n), a, kTol, 'copy');
      allclose(
        await read(ctx, tscaled, n),
        b.map((v) => -0.5 * v),
        kTol,
        'scale',
      );
      allclose(await read(ctx, tfill, n), new Float32Array(n), kTol, 'fill');
      allclose(await read(ctx, tax, n), scaleAddRef(a, b, 0.25, 2), kTol, 'axpby');
      releaseAll(ctx, [ta, tb, tout, tacc, tcopy, tscaled, tfill, tax]);
    });
  }
});
