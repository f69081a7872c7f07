// matmul beyond the kernels' outputs: the backward against finite differences (float64 reference and
// GPU), which configurations the tuner considers on which adapters, the timer and autotuner, and
// ShapeError from the launchers before any dispatch.
import { describe, expect, it } from 'vitest';
import { GpuContext } from '../../src/gpu/context.ts';
import { ShapeError } from '../../src/gpu/errors.ts';
import { runOps } from '../../src/gpu/op.ts';
import { Autotuner, MemoryTuneStore, type TuneProgress } from '../../src/gpu/autotune.ts';
import { adapterKey } from '../../src/gpu/device.ts';
import { GpuTimer } from '../../src/gpu/timing.ts';
import {
  matmulBackwardInput,
  matmulBackwardWeight,
  matmulForward,
} from '../../src/kernels/matmul.ts';
import { matmulTuneTasks } from '../../src/kernels/matmul_tune.ts';
import { cpuAdapter } from '../../src/kernels/launch.ts';
import { allclose } from '../helpers/allclose.ts';
import { testDevice } from '../helpers/device.ts';
import { randomF32 } from '../helpers/random.ts';
import {
  dotLoss,
  finiteDiff,
  matmulBackwardInputRef,
  matmulBackwardWeightRef,
  matmulForwardRef,
} from '../reference/matmul.ts';
import { matmulHarness } from './matmul_harness.ts';

const acquired = await testDevice();

describe.skipIf(!acquired)('matmul: gradients, tuning, shape checks', () => {
  const { ctx, f32, runRead, releaseAll } = matmulHarness(acquired!);

  it('backward = finite differences of L = Σ g⊙(x·wᵀ), in float64 and on the GPU', async () => {
    const [m, n, k] = [5, 7, 9];
    const xs = Float64Array.from(randomF32(m * k, 61));
    const ws = Float64Array.from(randomF32(n * k, 62));
    const g = randomF32(m * n, 63);
    const idxX = [0, 7, 20, m * k - 1];
    const idxW = [0, 11, 30, n * k - 1];
    // Reference backward vs float64 central differences of the reference forward.
    const lossRef = () => dotLoss(g, matmulForwardRef(xs, ws, m, n, k));
    const dxRef = matmulBackwardInputRef(g, ws, m, n, k);
    const dwRef = matmulBackwardWeightRef(g, xs, m, n, k);
    const fdX = finiteDiff(xs, idxX, lossRef, 1e-5);
    const fdW = finiteDiff(ws, idxW, lossRef, 1e-5);
    allclose(
      fdX,
      idxX.map((i) => dxRef[i]),
      { atol: 1e-8, rtol: 1e-7 },
      'ref dx vs fd',
    );
    allclose(
      fdW,
      idxW.map((i) => dwRef[i]),
      { atol: 1e-8, rtol: 1e-7 },
      'ref dw vs fd',
    );

    // GPU backward vs central differences of the GPU forward through the same scalar loss.
    const xg = Float32Array.from(xs);
    const wg = Float32Array.from(ws);
    const x = f32(xg, [m, k], 'x');
    const w = f32(wg, [n, k], 'w');
    const y = ctx.typedTensor([m, n], 'f32', 'scratch', 'y');
    const gt = f32(g, [m, n], 'g');
    const fwd = await matmulForward(ctx, { x, w, y, m, n, k });
    const lossGpu = async () => {
      ctx.write(x, xg);
      ctx.write(w, wg);
      runOps(ctx, 'fd', [fwd]);
      return dotLoss(g, await ctx.readF32(y, m * n));
    };
    const fdGpu = async (v: Float32Array, idx: number[], h: number) => {
      const out: number[] = [];
      for (const i of idx) {
        const o = v[i];
        v[i] = o + h;
        const lp = await lossGpu();
        v[i] = o - h;
        const lm = await lossGpu();
        v[i] = o;
        out.push((lp - lm) / (2 * h));
      }
      await lossGpu();
      return out;
    };
    const fdXg = await fdGpu(xg, idxX, 1e-2);
    const fdWg = await fdGpu(wg, idxW, 1e-2);
    const dx = ctx.typedTensor([m, k], 'f32', 'scratch', 'dx');
    const dw = ctx.typedTensor([n, k], 'f32', 'grads', 'dw');
    const dxGpu = await runRead(
      await matmulBackwardInput(ctx, { dy: gt, w, dx, m, n, k }),
      dx,
      m * k,
    );
    const opW = await matmulBackwardWeight(ctx, { dy: gt, x, dw, m, n, k, accumulate: false });
    const dwGpu = await runRead(opW, dw, n * k);
    // f32 loss of ~35 terms of O(1): rounding ~1e-6, divided by 2h = 2e-2 → ~1e-4 absolute.
    const fdTol = { atol: 1e-3, rtol: 1e-3 };
    allclose(
      fdXg,
      idxX.map((i) => dxGpu[i]),
      fdTol,
      'gpu dx vs gpu fd',
    );
    allclose(
      fdWg,
      idxW.map((i) => dwGpu[i]),
      fdTol,
      'gpu dw vs gpu fd',
    );
    fwd.destroy();
    releaseAll(x, w, y, gt, dx, dw);
  });

  it('the tiled shader is a tuning candidate on GPUs, not on CPU implementations of WebGPU', () => {
    const on = (vendor: string, architecture: string, description: string) =>
      new GpuContext(acquired!.device, { ...acquired!.info, vendor, architecture, description });
    const gpus = [
      on('nvidia', 'ampere', 'NVIDIA GeForce RTX 3060'),
      on('apple', 'metal-3', 'Apple M2'),
      on('amd', 'rdna-3', ''),
    ];
    const cpus = [
      on('google', 'swiftshader', 'SwiftShader driver 5.0.0'),
      on('mesa', '', 'llvmpipe (LLVM 15.0.6, 256 bits)'),
      on('microsoft', '', 'Microsoft Basic Render Driver'),
    ];
    const tiledTasks = (c: GpuContext) =>
      matmulTuneTasks(c)
        .filter((t) => t.candidates.includes('t16x16'))
        .map((t) => `${t.kernel}/${t.shapeClass}`);
    for (const c of gpus) {
      expect(cpuAdapter(c)).toBe(false);
      expect(tiledTasks(c)).toEqual([
        'matmul_forward/large',
        'matmul_forward/shallow',
        'matmul_backward_input/large',
      ]);
    }
    for (const c of cpus) {
      expect(cpuAdapter(c)).toBe(true);
      expect(tiledTasks(c)).toEqual([]);
    }
  });

  it('timer and autotuner: times candidates, keeps the winner, persists it per adapter', async () => {
    for (const wallClock of [false, true]) {
      const timer = new GpuTimer(ctx.device, wallClock);
      const x = ctx.tensor(4 * 64 * 64, 'scratch', 'x');
      const y = ctx.tensor(4 * 64 * 64, 'scratch', 'y');
      const op = await matmulForward(ctx, { x, w: x, y, m: 64, n: 64, k: 64, config: 'wg8x8' });
      const t = await timer.time((pass) => op.record(pass), { reps: 2, samples: 2 });
      expect(t.ms).toBeGreaterThan(0);
      expect(Number.isFinite(t.ms)).toBe(true);
      expect(t.method).toBe(
        wallClock || !ctx.device.features.has('timestamp-query') ? 'wall' : 'timestamp',
      );
      op.destroy();
      timer.destroy();
      releaseAll(x, y);
    }

    const store = new MemoryTuneStore();
    const tuner = new Autotuner(adapterKey(ctx.info), store);
    expect(tuner.choice('matmul_forward', 'large')).toBeUndefined();
    // Two candidates already compiled by the tests above keep this quick.
    const task = matmulTuneTasks(ctx).find((t) => t.kernel === 'matmul_forward')!;
    const progress: TuneProgress[] = [];
    const timer = new GpuTimer(ctx.device);
    await tuner.tune(timer, [{ ...task, candidates: ['wg8x8', 'wg16x4'] }], {
      onProgress: (p) => progress.push(p),
    });
    expect(progress.map((p) => [p.done, p.total])).toEqual([
      [1, 2],
      [2, 2],
    ]);
    const chosen = tuner.choice('matmul_forward', task.shapeClass);
    expect(['wg8x8', 'wg16x4']).toContain(chosen);
    // A later session on the same adapter starts with the choice; another adapter does not.
    const again = new Autotuner(adapterKey(ctx.info), store);
    expect(await again.load()).toBe(1);
    expect(again.choice('matmul_forward', task.shapeClass)).toBe(chosen);
    const other = new Autotuner('other|adapter', store);
    expect(await other.load()).toBe(0);
    // Already tuned: nothing is timed again unless forced.
    const none: TuneProgress[] = [];
    await again.tune(timer, [task], { onProgress: (p) => none.push(p) });
    expect(none).toEqual([]);
    timer.destroy();
  });

  it('launchers throw ShapeError before dispatch', async () => {
    const x = ctx.typedTensor([4, 8], 'f32', 'scratch', 'x');
    const w = ctx.typedTensor([6, 8], 'bf16', 'weights', 'w');
    const y = ctx.typedTensor([4, 6], 'f32', 'scratch', 'y');
    const small = ctx.tensor(16, 'scratch', 'small');
    const ok = { x, w, y, m: 4, n: 6, k: 8 };
    await expect(matmulForward(ctx, { ...ok, k: 9 })).rejects.toThrow(ShapeError);
    await expect(matmulForward(ctx, { ...ok, wDtype: 'f32' })).rejects.toThrow(ShapeError);
    await expect(matmulForward(ctx, { ...ok, y: small })).rejects.toThrow(ShapeError);
    await expect(matmulForward(ctx, { ...ok, m: 0 })).rejects.toThrow(ShapeError);
    await expect(matmulForward(ctx, { ...ok, y: x })).rejects.toThrow(ShapeError);
    await expect(matmulForward(ctx, { ...ok, bias: small, n: 6 })).rejects.toThrow(/bias/);
    await expect(
      matmulBackwardInput(ctx, { dy: y, w, dx: small, m: 4, n: 6, k: 8 }),
    ).rejects.toThrow(ShapeError);
    await expect(matmulBackwardWeight(ctx, { dy: y, x, dw: w, m: 4, n: 6, k: 8 })).rejects.toThrow(
      /bf16, expected f32/,
    );
    releaseAll(x, w, y, small);
  });
});
