// matmul kernels (forward X·Wᵀ, backward dY·W and dYᵀ·X) against float64 CPU references: odd
// shapes, real layer shapes (few rows), bias/alpha/accumulate epilogues, bf16 and f16 weights,
// finite-difference checks of the backward, and ShapeError from the launchers.
//
// Tolerance: |gpu − ref| ≤ atol + rtol·|ref| with rtol 1e-3 and atol 2e-6·√K (K = reduction
// length). Inputs are scaled so that outputs are O(1); f32 accumulation of K terms drifts like
// √K·eps·Σ|a·b| ≈ √K·6e-8·O(√K)… in practice ≤ 1e-6·√K, so 2e-6·√K leaves a 2× margin.
// 16-bit weights are compared against the reference on the very values the GPU unpacks, so the
// same tolerance applies.
import { describe, expect, it } from 'vitest';
import { GpuContext } from '../../src/gpu/context.ts';
import {
  matmulBackwardInput,
  matmulBackwardWeight,
  matmulForward,
  kMatmulConfigs,
  subgroupMatmulOk,
} from '../../src/kernels/matmul.ts';
import { allclose } from '../helpers/allclose.ts';
import { testDevice } from '../helpers/device.ts';
import { randomF32 } from '../helpers/random.ts';
import {
  matmulBackwardInputRef,
  matmulBackwardWeightRef,
  matmulForwardRef,
  pack16,
} from '../reference/matmul.ts';
import { matmulHarness, tol } from './matmul_harness.ts';

const acquired = await testDevice();

describe.skipIf(!acquired)('matmul', () => {
  const { ctx, f32, runRead, releaseAll } = matmulHarness(acquired!);

  // [M, N, K]: odd sizes first, then one-row-ish slices of real layers.
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [7, 33, 127],
    [33, 7, 1000],
    [127, 1, 33],
    [1, 1000, 7],
    [7, 33, 128], // K a multiple of 4 (vec4 shader) with odd M, N
    [9, 70, 36],
    [5, 1536, 576], // SmolLM2-135M up/gate
    [5, 576, 1536], // SmolLM2-135M down
    [3, 896, 896], // Qwen2.5-0.5B q
    [2, 4864, 896], // Qwen2.5-0.5B up/gate
    [2, 896, 4864], // Qwen2.5-0.5B down
    [1, 2048, 8192], // Llama-3.2-1B down
    [2, 8192, 2048], // Llama-3.2-1B up/gate
  ];

  it.each(shapes)('forward f32 M=%i N=%i K=%i', async (m, n, k) => {
    const xs = randomF32(m * k, 1 + m + n + k);
    const ws = randomF32(n * k, 2 + m + n + k, 1 / Math.sqrt(k));
    const x = f32(xs, [m, k], 'x');
    const w = f32(ws, [n, k], 'w');
    const y = ctx.typedTensor([m, n], 'f32', 'scratch', 'y');
    const got = await runRead(await matmulForward(ctx, { x, w, y, m, n, k }), y, m * n);
    allclose(got, matmulForwardRef(xs, ws, m, n, k), tol(k), 'y');
    releaseAll(x, w, y);
  });

  it.each([
    ['bf16', 9, 130, 66],
    ['bf16', 6, 33, 127], // odd K: rows start mid-word
    ['f16', 9, 130, 66],
    ['f16', 4, 7, 33],
    ['bf16', 3, 576, 576],
    ['bf16', 9, 130, 64], // vec4 shader: 4 bf16 per load
    ['f16', 5, 37, 68],
    ['bf16', 1, 130, 64], // one row: the matrix-vector form (ROWS 1)
  ] as const)('forward %s weights M=%i N=%i K=%i, bias, alpha, accumulate', async (dt, m, n, k) => {
    const xs = randomF32(m * k, 11);
    const { packed, values } = pack16(randomF32(n * k, 12, 1 / Math.sqrt(k)), dt);
    const bs = randomF32(n, 13);
    const y0 = randomF32(m * n, 14);
    const x = f32(xs, [m, k], 'x');
    const w = ctx.typedTensorFrom(packed, [n, k], dt, 'weights', 'w');
    const bias = f32(bs, [n], 'bias');
    const y = f32(y0, [m, n], 'y');
    const op = await matmulForward(ctx, { x, w, y, bias, m, n, k, alpha: 0.5, accumulate: true });
    const got = await runRead(op, y, m * n);
    const ref = matmulForwardRef(xs, values, m, n, k, { bias: bs, alpha: 0.5, y0 });
    allclose(got, ref, tol(k), `y (${dt})`);
    releaseAll(x, w, bias, y);
  });

  it.each([
    [37, 45, 29, ['wg16x4', 'wg2x32', 'v16x4']], // a vec4 choice falls back to scalar (K % 4)
    [37, 45, 28, ['v16x4', 'v1x64', 'wg16x4']], // K % 4 == 0: the vec4 shader too
  ] as [number, number, number, string[]][])(
    'forward M=%i N=%i K=%i: every autotune configuration gives the same result',
    async (m, n, k, configs) => {
      const xs = randomF32(m * k, 21);
      const ws = randomF32(n * k, 22);
      const x = f32(xs, [m, k], 'x');
      const w = f32(ws, [n, k], 'w');
      const y = ctx.typedTensor([m, n], 'f32', 'scratch', 'y');
      const ref = matmulForwardRef(xs, ws, m, n, k);
      // Each configuration is a pipeline compile (seconds on SwiftShader): a few besides the defaults.
      for (const config of configs) {
        expect(kMatmulConfigs[config]).toBeDefined();
        const got = await runRead(await matmulForward(ctx, { x, w, y, m, n, k, config }), y, m * n);
        allclose(got, ref, tol(k), `y (${config})`);
      }
      releaseAll(x, w, y);
    },
  );

  // The subgroup shader (B rows shared across a subgroup) where the adapter has usable subgroups:
  // odd M and N (clamped rows and columns), every weight dtype, bias and accumulate.
  it.skipIf(!acquired || !subgroupMatmulOk(new GpuContext(acquired.device, acquired.info))).each([
    ['f32', 37, 45, 28],
    ['bf16', 300, 130, 64],
    ['f16', 5, 37, 68],
    ['bf16', 1, 9, 576],
  ] as const)(
    'forward via subgroups, %s weights M=%i N=%i K=%i, bias, alpha, accumulate',
    async (dt, m, n, k) => {
      const xs = randomF32(m * k, 61);
      const raw = randomF32(n * k, 62, 1 / Math.sqrt(k));
      const { packed, values } = dt === 'f32' ? { packed: raw, values: raw } : pack16(raw, dt);
      const bs = randomF32(n, 63);
      const y0 = randomF32(m * n, 64);
      const x = f32(xs, [m, k], 'x');
      const w = ctx.typedTensorFrom(packed, [n, k], dt, 'weights', 'w');
      const bias = f32(bs, [n], 'bias');
      const y = f32(y0, [m, n], 'y');
      const args = { x, w, y, bias, m, n, k, alpha: 0.5, accumulate: true, config: 'sg64' };
      const got = await runRead(await matmulForward(ctx, args), y, m * n);
      const ref = matmulForwardRef(xs, values, m, n, k, { bias: bs, alpha: 0.5, y0 });
      allclose(got, ref, tol(k), `y (${dt}, subgroups)`);
      releaseAll(x, w, bias, y);
    },
  );

  // The workgroup-memory tiled shader (a candidate on GPUs, not on CPU adapters; forced here):
  // both forms (dY·W where N % 4 == 0), odd M and N around the 64 × 64 tile, K not a multiple of
  // the 16-wide step, every weight dtype, bias (forward), alpha and accumulate.
  it.each([
    ['f32', 37, 45, 28],
    ['bf16', 130, 72, 68],
    ['f16', 65, 132, 20],
    ['bf16', 1, 64, 576],
  ] as const)('tiled shader, %s weights M=%i N=%i K=%i, both forms', async (dt, m, n, k) => {
    const xs = randomF32(m * k, 81);
    const raw = randomF32(n * k, 82, 1 / Math.sqrt(k));
    const { packed, values } = dt === 'f32' ? { packed: raw, values: raw } : pack16(raw, dt);
    const bs = randomF32(n, 83);
    const y0 = randomF32(m * n, 84);
    const x = f32(xs, [m, k], 'x');
    const w = ctx.typedTensorFrom(packed, [n, k], dt, 'weights', 'w');
    const bias = f32(bs, [n], 'bias');
    const y = f32(y0, [m, n], 'y');
    const fwd = { x, w, y, bias, m, n, k, alpha: 0.5, accumulate: true, config: 't16x16' };
    const got = await runRead(await matmulForward(ctx, fwd), y, m * n);
    const ref = matmulForwardRef(xs, values, m, n, k, { bias: bs, alpha: 0.5, y0 });
    allclose(got, ref, tol(k), `y (${dt}, tiled)`);
    // dX (m, k) = dY (m, n) · W (n, k), accumulated; n % 4 may be non-zero only in the NT form.
    if (n % 4 === 0) {
      const dys = randomF32(m * n, 85);
      const dx0 = randomF32(m * k, 86);
      const dy = f32(dys, [m, n], 'dy');
      const dx = f32(dx0, [m, k], 'dx');
      const bwd = { dy, w, dx, m, n, k, alpha: 2, accumulate: true, config: 't16x16' };
      const gotDx = await runRead(await matmulBackwardInput(ctx, bwd), dx, m * k);
      const refDx = matmulBackwardInputRef(dys, values, m, n, k, { alpha: 2, dx0 });
      allclose(gotDx, refDx, tol(n), `dx (${dt}, tiled)`);
      releaseAll(dy, dx);
    }
    releaseAll(x, w, bias, y);
  });

  const bwdShapes: [number, number, number][] = [
    [1, 1, 1],
    [7, 33, 127],
    [33, 127, 7],
    [13, 1000, 9],
    [7, 36, 132], // N, K multiples of 4 (vec4 shader), an odd number of column quads
    [13, 20, 12],
    [4, 576, 1536], // SmolLM2 up: dX (4, 576) from dY (4, 1536)
    [2, 896, 4864], // Qwen2.5 down
    [1, 8192, 2048], // Llama-3.2-1B up
  ];

  it.each(bwdShapes)('backward input f32 M=%i N=%i K=%i', async (m, n, k) => {
    const dys = randomF32(m * n, 31 + n);
    const ws = randomF32(n * k, 32 + k, 1 / Math.sqrt(n));
    const dy = f32(dys, [m, n], 'dy');
    const w = f32(ws, [n, k], 'w');
    const dx = ctx.typedTensor([m, k], 'f32', 'scratch', 'dx');
    const got = await runRead(await matmulBackwardInput(ctx, { dy, w, dx, m, n, k }), dx, m * k);
    allclose(got, matmulBackwardInputRef(dys, ws, m, n, k), tol(n), 'dx');
    releaseAll(dy, w, dx);
  });

  it.each([
    ['bf16', 7, 33, 127],
    ['bf16', 5, 129, 67], // odd K: rows of W start mid-word
    ['f16', 6, 66, 130],
    ['bf16', 7, 36, 132], // vec4 shader
    ['f16', 6, 68, 20],
  ] as const)(
    'backward input %s weights M=%i N=%i K=%i, alpha, accumulate',
    async (dt, m, n, k) => {
      const dys = randomF32(m * n, 41);
      const { packed, values } = pack16(randomF32(n * k, 42, 1 / Math.sqrt(n)), dt);
      const dx0 = randomF32(m * k, 43);
      const dy = f32(dys, [m, n], 'dy');
      const w = ctx.typedTensorFrom(packed, [n, k], dt, 'weights', 'w');
      const dx = f32(dx0, [m, k], 'dx');
      const op = await matmulBackwardInput(ctx, { dy, w, dx, m, n, k, alpha: 2, accumulate: true });
      const got = await runRead(op, dx, m * k);
      allclose(got, matmulBackwardInputRef(dys, values, m, n, k, { alpha: 2, dx0 }), tol(n), 'dx');
      releaseAll(dy, w, dx);
    },
  );

  // dY·W through each vector shader: the subgroup one (B shared across a subgroup) where the
  // adapter allows it, and the plain vec4 one at two workgroup shapes; odd M, an odd number of
  // column quads, every weight dtype, alpha and accumulate.
  const sgOk = !!acquired && subgroupMatmulOk(new GpuContext(acquired.device, acquired.info));
  it.each([
    ['sg64', 'f32', 37, 44, 28],
    ['sg64', 'bf16', 300, 132, 68],
    ['sg64', 'f16', 5, 36, 20],
    ['sg64', 'bf16', 1, 576, 12],
    ['v1x64', 'bf16', 37, 44, 28],
    ['v16x4', 'f16', 9, 36, 132],
  ] as const)(
    'backward input via %s, %s weights M=%i N=%i K=%i, alpha, accumulate',
    async (config, dt, m, n, k) => {
      if (config === 'sg64' && !sgOk) return; // no usable subgroups on this adapter
      const dys = randomF32(m * n, 71);
      const raw = randomF32(n * k, 72, 1 / Math.sqrt(n));
      const { packed, values } = dt === 'f32' ? { packed: raw, values: raw } : pack16(raw, dt);
      const dx0 = randomF32(m * k, 73);
      const dy = f32(dys, [m, n], 'dy');
      const w = ctx.typedTensorFrom(packed, [n, k], dt, 'weights', 'w');
      const dx = f32(dx0, [m, k], 'dx');
      const args = { dy, w, dx, m, n, k, alpha: 2, accumulate: true, config };
      const got = await runRead(await matmulBackwardInput(ctx, args), dx, m * k);
      const ref = matmulBackwardInputRef(dys, values, m, n, k, { alpha: 2, dx0 });
      allclose(got, ref, tol(n), `dx (${config}, ${dt})`);
      releaseAll(dy, w, dx);
    },
  );

  it.each([
    [1, 1, 1],
    [127, 7, 33],
    [33, 127, 7],
    [1000, 16, 13],
    [64, 576, 16], // LoRA dB-shaped: (out, r)
    [64, 16, 576], // LoRA dA-shaped: (r, in)
    [3, 896, 896],
  ] as [number, number, number][])('backward weight M=%i N=%i K=%i (+=)', async (m, n, k) => {
    const dys = randomF32(m * n, 51 + m);
    const xs = randomF32(m * k, 52 + k, 1 / Math.sqrt(m));
    const dw0 = randomF32(n * k, 53);
    const dy = f32(dys, [m, n], 'dy');
    const x = f32(xs, [m, k], 'x');
    const dw = f32(dw0, [n, k], 'dw');
    const op = await matmulBackwardWeight(ctx, { dy, x, dw, m, n, k, alpha: 0.25 });
    const got = await runRead(op, dw, n * k);
    allclose(got, matmulBackwardWeightRef(dys, xs, m, n, k, { alpha: 0.25, dw0 }), tol(m), 'dw');
    releaseAll(dy, x, dw);
  });
});
