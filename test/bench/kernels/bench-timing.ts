// Timing for the kernel benches: wall clock and the CPU time of SwiftShader's worker threads
// (/proc/self/task), samples sized to ~0.5 s, implementations timed in interleaved rounds so that
// neither one noisy sample nor a drift in the machine's load decides a ratio.
import { readdirSync, readFileSync } from 'node:fs';

/** CPU ms used so far by this process's threads other than the main one (Linux), else NaN. */
const kTick = 10; // ms per clock tick (USER_HZ = 100 on Linux)
export function workerCpuMs(): number {
  try {
    let ticks = 0;
    for (const tid of readdirSync('/proc/self/task')) {
      if (Number(tid) === process.pid) continue;
      try {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        ticks += Number(f[11]) + Number(f[12]); // utime + stime
      } catch {
        // thread exited meanwhile
      }
    }
    return ticks * kTick;
  } catch {
    return NaN;
  }
}

export interface Timing {
  ms: number; // wall clock per run
  cpuMs: number; // worker CPU per run
}

/** One implementation on one shape: `run` launches one product and waits for the GPU. */
export interface Runner {
  name: string;
  flops: number;
  run: () => Promise<void>;
  dispose: () => void;
}

/** One sample: `reps` runs back to back, wall clock and worker CPU per run. */
export async function sample(run: () => Promise<void>, reps: number): Promise<Timing> {
  const c0 = workerCpuMs();
  const t = performance.now();
  for (let r = 0; r < reps; r++) await run();
  return { ms: (performance.now() - t) / reps, cpuMs: (workerCpuMs() - c0) / reps };
}

export const median = (xs: number[]): number => {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const h = v.length >> 1;
  return v.length % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
};

/**
 * Times the runners interleaved: a warm-up run of each (compiles; it sizes the samples to
 * ~0.5 s), then `rounds` rounds of one sample each, in turn. Slow runners (> 5 s per run: the
 * naive kernel on big shapes) keep their warm-up run as their only sample: compiling is a small
 * part of it, and more runs would multiply the bench time. Returns the per-round rates per runner.
 */
export async function timeRunners(
  runners: Runner[],
  rounds: number,
  between: () => void,
): Promise<Rate[][]> {
  const reps: number[] = [];
  const samples: Rate[][] = runners.map(() => []);
  for (const [i, r] of runners.entries()) {
    const c0 = workerCpuMs();
    const t = performance.now();
    await r.run();
    const first = performance.now() - t;
    if (first > 5000) {
      samples[i].push(rate(r.flops, { ms: first, cpuMs: workerCpuMs() - c0 }));
      reps.push(0);
    } else {
      reps.push(Math.max(1, Math.min(50, Math.ceil(500 / Math.max(first, 1)))));
    }
    between();
  }
  for (let round = 0; round < rounds; round++) {
    for (const [i, r] of runners.entries()) {
      if (reps[i]) samples[i].push(rate(r.flops, await sample(r.run, reps[i])));
    }
  }
  return samples;
}

export interface Rate {
  wall: number; // GFLOP/s
  cpu: number; // GFLOP per worker CPU-second
}
export const rate = (flops: number, t: Timing): Rate => ({
  wall: flops / t.ms / 1e6,
  cpu: flops / t.cpuMs / 1e6,
});

/** Median over rounds of each figure (the ALU probe and the table cells). */
export const medianRate = (rs: Rate[]): Rate => ({
  wall: median(rs.map((r) => r.wall)),
  cpu: median(rs.map((r) => r.cpu)),
});
