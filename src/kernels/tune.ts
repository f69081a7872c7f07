// The kernel library's autotuning, in one call for the hosts: every kernel with configurations to
// choose from (matmul: vec4 or scalar shader and workgroup shape; fused LoRA: rows per workgroup)
// is timed once per adapter and shape class, and the winners are kept in `ctx.tuning` (whose store
// the host chose: a file in the CLI, IndexedDB in the browser worker), so later runs start at once.
// Ops built before tuning keep their default configuration: tune before building a trainer.
import type { GpuContext } from '../gpu/context.ts';
import type { TuneOptions, TuneTask } from '../gpu/autotune.ts';
import { adapterKey } from '../gpu/device.ts';
import { GpuTimer } from '../gpu/timing.ts';
import { loraTuneTasks } from './lora.ts';
import { matmulTuneTasks } from './matmul_tune.ts';

export function kernelTuneTasks(ctx: GpuContext): TuneTask[] {
  return [...matmulTuneTasks(ctx), ...loraTuneTasks(ctx)];
}

/**
 * The key tuning results are stored under: the adapter, and a fingerprint of the tasks, their
 * candidates and defaults, so that a version of the studio with other kernel configurations tunes
 * again instead of keeping choices made among the old ones.
 */
export function kernelTuneKey(ctx: GpuContext): string {
  const tasks = kernelTuneTasks(ctx).map(
    (t) => `${t.kernel}/${t.shapeClass}:${t.candidates.join(',')}:${t.preferred ?? ''}`,
  );
  let h = 0x811c9dc5; // FNV-1a over the task list
  for (const ch of tasks.join(';')) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `${adapterKey(ctx.info)}|kernels-${h.toString(16).padStart(8, '0')}`;
}

/** True when every tuning task already has a choice for this adapter (nothing would be timed). */
export function kernelsTuned(ctx: GpuContext): boolean {
  return kernelTuneTasks(ctx).every((t) => ctx.tuning.choice(t.kernel, t.shapeClass) !== undefined);
}

/** Times the kernels' configurations that have no choice yet for this adapter (a few seconds). */
export async function tuneKernels(ctx: GpuContext, opts: TuneOptions = {}): Promise<void> {
  const timer = new GpuTimer(ctx.device);
  try {
    await ctx.tuning.tune(timer, kernelTuneTasks(ctx), opts);
  } finally {
    timer.destroy();
  }
}
