// The hosts' autotuning entry point (src/kernels/tune.ts): one call times every kernel with
// configurations, keeps a valid choice per kernel and shape class in the context's tuner, saves it
// to the tuner's store, and a second session on the same adapter finds everything tuned.
import { describe, expect, it } from 'vitest';
import { Autotuner, MemoryTuneStore, type TuneProgress } from '../../src/gpu/autotune.ts';
import { GpuContext } from '../../src/gpu/context.ts';
import { adapterKey } from '../../src/gpu/device.ts';
import { kMatmulConfigs } from '../../src/kernels/matmul.ts';
import {
  kernelTuneKey,
  kernelTuneTasks,
  kernelsTuned,
  tuneKernels,
} from '../../src/kernels/tune.ts';
import { testDevice } from '../helpers/device.ts';

const acquired = await testDevice();

describe.skipIf(!acquired)('kernel autotuning', () => {
  it('tunes every task once, persists the choices, and a later session starts tuned', async () => {
    const ctx = new GpuContext(acquired!.device, acquired!.info);
    const store = new MemoryTuneStore();
    ctx.tuning = new Autotuner(adapterKey(ctx.info), store);
    expect(kernelsTuned(ctx)).toBe(false);
    const progress: TuneProgress[] = [];
    await tuneKernels(ctx, { budgetMs: 2000, onProgress: (p) => progress.push(p) });
    expect(kernelsTuned(ctx)).toBe(true);
    const tasks = kernelTuneTasks(ctx);
    expect(progress.at(-1)!.done).toBe(progress.at(-1)!.total);
    for (const t of tasks) {
      const choice = ctx.tuning.choice(t.kernel, t.shapeClass)!;
      expect(t.candidates).toContain(choice);
      if (t.kernel.startsWith('matmul')) expect(kMatmulConfigs[choice]).toBeDefined();
    }
    // The hosts' store key: the adapter plus a fingerprint of the candidates (new kernels → new key).
    const key = kernelTuneKey(ctx);
    expect(key.startsWith(`${adapterKey(ctx.info)}|kernels-`)).toBe(true);
    expect(kernelTuneKey(ctx)).toBe(key);
    const later = new GpuContext(acquired!.device, acquired!.info);
    later.tuning = new Autotuner(adapterKey(later.info), store);
    expect(await later.tuning.load()).toBe(tasks.length);
    expect(kernelsTuned(later)).toBe(true);
    // Nothing left to time.
    const again: TuneProgress[] = [];
    await tuneKernels(later, { onProgress: (p) => again.push(p) });
    expect(again).toEqual([]);
  });
});
