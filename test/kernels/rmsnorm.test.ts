// RMSNorm forward/backward on the GPU against the float64 reference, plus finite-difference checks
// of the reference (float64) and of the GPU backward (f32, through a scalar loss).
//
// Tolerances: forward is elementwise after one f32 reduction of C squares; |out| ≲ |w|·few, the
// f32 sum of C ≤ 2048 squares has relative error ≲ C·eps32 worst case (~1e-4) but ~sqrt(C)·eps32
// in practice, so atol 1e-5 / rtol 1e-4 (STYLE default) is a real test. The backward adds a second
// reduction (mean(g·x)) whose cancellation can amplify relative error for entries near zero:
// atol 1e-4, rtol 1e-3 (the reduction default).
import { describe, expect, test } from 'vitest';
import { ShapeError } from '../../src/gpu/errors.ts';
import { rmsnormBackward, rmsnormForward } from '../../src/kernels/rmsnorm.ts';
import { allclose } from '../helpers/allclose.ts';
import { randn, randomF32 } from '../helpers/random.ts';
import { rmsnormBackwardRef, rmsnormForwardRef } from '../reference/rmsnorm.ts';
import { dot, expectGradClose, f64, numericalGrad } from '../reference/gradcheck.ts';
import {
  expectDirectional,
  gpuContext,
  output,
  read,
  releaseAll,
  run,
  upload,
} from './ops_harness.ts';

const kFwd = { atol: 1e-5, rtol: 1e-4 };
const kBwd = { atol: 1e-4, rtol: 1e-3 };

describe('rmsnorm reference', () => {
  test('backward matches float64 central differences', () => {
    const rows = 3;
    const C = 5;
    const eps = 1e-6;
    const x = f64(randn(rows * C, 1));
    const w = f64(randn(C, 2));
    const R = f64(randn(rows * C, 3));
    const { dx, dw } = rmsnormBackwardRef(R, x, w, rows, C, eps);
    const loss = () => dot(rmsnormForwardRef(x, w, rows, C, eps).out, R);
    expectGradClose(dx, numericalGrad(loss, x), 'dx');
    expectGradClose(dw, numericalGrad(loss, w), 'dw');
  });
});

describe('rmsnorm gpu', () => {
  // [rows, C]: odd shapes, then SmolLM2-135M (C 576), Qwen2.5-0.5B (896), Llama-3.2-1B (2048) with
  // few tokens, and Qwen3 q_norm per head (rows = T·NH, C = HS 128).
  const shapes: [number, number][] = [
    [1, 1],
    [7, 33],
    [33, 127],
    [3, 1000],
    [5, 576],
    [4, 896],
    [3, 2048],
    [7 * 16, 128],
  ];
  for (const [rows, C] of shapes) {
    test(`forward + backward rows ${rows} C ${C}`, async () => {
      const ctx = await gpuContext();
      if (!ctx) return;
      const eps = 1e-6;
      const x = randn(rows * C, 10 + C, 1.5);
      const w = randomF32(C, 20 + C, 2);
      const dout = randn(rows * C, 30 + C);
      const acc = randn(rows * C, 40 + C);
      const tx = upload(ctx, x, 'x');
      const tw = upload(ctx, w, 'w');
      const tout = output(ctx, rows * C, 'out');
      const trstd = output(ctx, rows, 'rstd');
      const tdout = upload(ctx, dout, 'dout');
      const tdx = output(ctx, rows * C, 'dx');
      const tdx2 = upload(ctx, acc, 'dx_acc');
      const tdw = output(ctx, C, 'dw');
      await run(ctx, [
        rmsnormForward(ctx, { x: tx, weight: tw, out: tout, rstd: trstd, rows, C, eps }),
        rmsnormBackward(ctx, {
          dout: tdout,
          x: tx,
          weight: tw,
          rstd: trstd,
          dx: tdx,
          rows,
          C,
          dweight: tdw,
          accumulateDweight: false,
        }),
        rmsnormBackward(ctx, {
          dout: tdout,
          x: tx,
          weight: tw,
          rstd: trstd,
          dx: tdx2,
          rows,
          C,
          accumulate: true,
        }),
      ]);
      const ref = rmsnormForwardRef(x, w, rows, C, eps);
      allclose(await read(ctx, tout, rows * C), ref.out, kFwd, 'out');
      allclose(await read(ctx, trstd, rows), ref.rstd, kFwd, 'rstd');
      const bref = rmsnormBackwardRef(dout, x, w, rows, C, eps);
      allclose(await read(ctx, tdx, rows * C), bref.dx, kBwd, 'dx');
      allclose(
        await read(ctx, tdx2, rows * C),
        bref.dx.map((v, i) => v + acc[i]),
        kBwd,
        'dx +=',
      );
      // dweight sums over rows: rtol 1e-3 plus atol scaled by the number of rows.
      allclose(await read(ctx, tdw, C), bref.dw, { atol: 1e-4 * rows, rtol: 1e-3 }, 'dweight');
      releaseAll(ctx, [tx, tw, tout, trstd, tdout, tdx, tdx2, tdw]);
    });
  }

  test('backward through a scalar loss (f32 finite differences)', async () => {
    const ctx = await gpuContext();
    if (!ctx) return;
    const rows = 4;
    const C = 33;
    const eps = 1e-5;
    const x = randn(rows * C, 5);
    const w = randomF32(C, 6, 2);
    const R = randn(rows * C, 7);
    const tw = upload(ctx, w, 'w');
    const tR = upload(ctx, R, 'R');
    const tdx = output(ctx, rows * C, 'dx');
    const forward = async (xv: Float32Array, backward: boolean): Promise<number> => {
      const tx = upload(ctx, xv, 'x');
      const tout = output(ctx, rows * C, 'out');
      const trstd = output(ctx, rows, 'rstd');
      await run(ctx, [
        rmsnormForward(ctx, { x: tx, weight: tw, out: tout, rstd: trstd, rows, C, eps }),
        ...(backward
          ? [rmsnormBackward(ctx, { dout: tR, x: tx, weight: tw, rstd: trstd, dx: tdx, rows, C })]
          : []),
      ]);
      const L = dot(await read(ctx, tout, rows * C), R);
      releaseAll(ctx, [tx, tout, trstd]);
      return L;
    };
    await forward(x, true);
    const grad = await read(ctx, tdx, rows * C);
    await expectDirectional(
      (xv) => forward(xv, false),
      x,
      grad,
      randn(rows * C, 8),
      1e-2,
      'rmsnorm dx',
    );
    releaseAll(ctx, [tw, tR, tdx]);
  });

  test('shape errors are thrown before dispatch', async () => {
    const ctx = await gpuContext();
    if (!ctx) return;
    const t = output(ctx, 8, 't');
    const u = output(ctx, 8, 'u');
    await expect(
      rmsnormForward(ctx, { x: t, weight: t, out: u, rstd: u, rows: 4, C: 4, eps: 1e-6 }),
    ).rejects.toThrow(ShapeError);
    await expect(
      rmsnormForward(ctx, { x: t, weight: t, out: t, rstd: u, rows: 2, C: 4, eps: 1e-6 }),
    ).rejects.toThrow(ShapeError);
    releaseAll(ctx, [t, u]);
  });
});
