// Autotuning: a kernel comes in a few configurations (WGSL `override` constants); the runtime times
// them once per adapter and shape class and remembers the winner, so later runs start at once.
//
// - Launchers call `choice(kernel, shapeClass)` synchronously and fall back to their default when
//   it returns undefined (before tuning, or when nothing could be timed).
// - `tune(tasks)` times each task's candidates (a few seconds at most overall, with progress) and
//   saves the winners through an injectable key-value `TuneStore`, one JSON record per adapter key:
//   the studio's engine worker passes an IndexedDB-backed store, the CLI a JSON file. This
//   module touches neither.

import type { GpuTimer } from './timing.ts';

/** Key-value storage for tuning results; sync or async, like localStorage or IndexedDB wrappers. */
export interface TuneStore {
  get(key: string): string | null | undefined | Promise<string | null | undefined>;
  set(key: string, value: string): void | Promise<void>;
}

/** A store that keeps results for this session only (the default). */
export class MemoryTuneStore implements TuneStore {
  private readonly map = new Map<string, string>();
  get(key: string): string | undefined {
    return this.map.get(key);
  }
  set(key: string, value: string): void {
    this.map.set(key, value);
  }
}

/** One benchmarkable instance of a candidate: records its dispatches, then frees its buffers. */
export interface TuneTrial {
  record(pass: GPUComputePassEncoder): void;
  dispose(): void;
}

/** Time the candidates of one kernel on one representative shape of a shape class. */
export interface TuneTask {
  kernel: string;
  shapeClass: string;
  candidates: readonly string[];
  /**
   * The launcher's default for this class: another candidate replaces it only when faster by
   * `margin` (timing noise on a busy machine must not flip choices at random).
   */
  preferred?: string;
  /** Builds a trial for a candidate (compiles its pipeline, allocates inputs). */
  build(candidate: string): Promise<TuneTrial>;
}

export interface TuneProgress {
  done: number;
  total: number;
  kernel: string;
  shapeClass: string;
  candidate: string;
  ms: number;
}

export interface TuneOptions {
  onProgress?: (p: TuneProgress) => void;
  /** Stop timing new candidates after this many ms (winners so far are kept). Default 5000. */
  budgetMs?: number;
  /** Re-time entries that already have a choice. */
  force?: boolean;
  /** Relative speed-up a candidate needs over the task's preferred one (default 0.1). */
  margin?: number;
}

const kStoreVersion = 'v1';

export class Autotuner {
  private choices: Record<string, string> = {};

  constructor(
    readonly adapterKey: string,
    readonly store: TuneStore = new MemoryTuneStore(),
  ) {}

  private get storeKey(): string {
    return `sft-studio.autotune.${kStoreVersion}|${this.adapterKey}`;
  }

  /** The tuned configuration for `kernel` on `shapeClass`, if any. */
  choice(kernel: string, shapeClass: string): string | undefined {
    return this.choices[`${kernel}/${shapeClass}`];
  }

  /** All choices (for display and debugging). */
  snapshot(): Readonly<Record<string, string>> {
    return { ...this.choices };
  }

  /** Reads earlier results for this adapter from the store. Returns how many were found. */
  async load(): Promise<number> {
    const raw = await this.store.get(this.storeKey);
    if (!raw) return 0;
    try {
      const parsed = JSON.parse(raw) as unknown;
      if (parsed && typeof parsed === 'object') {
        for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
          if (typeof v === 'string') this.choices[k] = v;
        }
      }
    } catch {
      // A corrupt record is ignored; tuning rewrites it.
    }
    return Object.keys(this.choices).length;
  }

  /** Sets a choice by hand (tests, or a host that knows better). */
  async set(kernel: string, shapeClass: string, candidate: string): Promise<void> {
    this.choices[`${kernel}/${shapeClass}`] = candidate;
    await this.store.set(this.storeKey, JSON.stringify(this.choices));
  }

  /**
   * Times the candidates of every task (skipping tasks already tuned unless `force`) with `timer`
   * and keeps the fastest; the task's `preferred` candidate is timed first and keeps its place
   * unless beaten by `margin`. The budget is shared evenly between tasks: within its share a task
   * builds (compiles) and times candidates one by one (the first one always). Candidates that fail
   * to build are skipped. Saves to the store at the end.
   */
  async tune(timer: GpuTimer, tasks: readonly TuneTask[], opts: TuneOptions = {}): Promise<void> {
    const todo = tasks.filter((t) => opts.force || !this.choice(t.kernel, t.shapeClass));
    const total = todo.reduce((n, t) => n + t.candidates.length, 0);
    const share = (opts.budgetMs ?? 5000) / Math.max(1, todo.length);
    let done = 0;
    for (const task of todo) {
      const start = performance.now();
      const order = [...task.candidates].sort(
        (a, b) => Number(b === task.preferred) - Number(a === task.preferred),
      );
      const trials = await Promise.all(
        order.map((c) =>
          task.build(c).then(
            (t) => t,
            () => null,
          ),
        ),
      );
      let best = { name: '', ms: Infinity };
      let preferredMs = NaN;
      for (let i = 0; i < order.length; i++) {
        const trial = trials[i];
        let ms = NaN;
        if (trial && (i === 0 || performance.now() - start < share)) {
          try {
            const t = await timer.time((pass) => trial.record(pass), { samples: 2, warmup: 1 });
            ms = t.ms;
          } catch {
            ms = NaN;
          }
        }
        trial?.dispose();
        if (ms < best.ms) best = { name: order[i], ms };
        if (order[i] === task.preferred) preferredMs = ms;
        done++;
        opts.onProgress?.({
          done,
          total,
          kernel: task.kernel,
          shapeClass: task.shapeClass,
          candidate: order[i],
          ms,
        });
      }
      if (task.preferred && best.ms > preferredMs * (1 - (opts.margin ?? 0.1))) {
        best = { name: task.preferred, ms: preferredMs };
      }
      if (best.name) this.choices[`${task.kernel}/${task.shapeClass}`] = best.name;
    }
    await this.store.set(this.storeKey, JSON.stringify(this.choices));
  }
}
