// Autotuning: a kernel comes in a few configurations (WGSL `override` constants); the runtime times
// them once per adapter and shape class and remembers the winner, so later runs start at once.
//
// - Launchers call `choice(kernel, shapeClass)` synchronously and fall back to their default when
//   it returns undefined (before tuning, or when nothing could be timed).
// - `tune(tasks)` times each task's candidates (a few seconds at most overall, with progress) and
//   saves the winners through an injectable key-value `TuneStore`, one JSON record per adapter key:
//   the browser host passes localStorage/IndexedDB-backed storage, the Node host a JSON file. This
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

/**
 * Adapts a Web Storage-like object (the browser host passes `localStorage`; anything with
 * getItem/setItem works) without this module touching DOM globals. Workers have no localStorage:
 * there, implement TuneStore over IndexedDB (async get/set are fine).
 */
export function webStorageTuneStore(storage: {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}): TuneStore {
  return {
    get: (key) => storage.getItem(key),
    set: (key, value) => {
      try {
        storage.setItem(key, value);
      } catch {
        // Quota or privacy mode: tuning still applies for this session.
      }
    },
  };
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
   * Times every candidate of every task (skipping tasks already tuned unless `force`) with `timer`
   * and keeps the fastest. Candidates that fail to build are skipped. Saves to the store at the end.
   */
  async tune(timer: GpuTimer, tasks: readonly TuneTask[], opts: TuneOptions = {}): Promise<void> {
    const todo = tasks.filter((t) => opts.force || !this.choice(t.kernel, t.shapeClass));
    const total = todo.reduce((n, t) => n + t.candidates.length, 0);
    const budget = opts.budgetMs ?? 5000;
    const start = performance.now();
    let done = 0;
    for (const task of todo) {
      let best = { name: '', ms: Infinity };
      for (const candidate of task.candidates) {
        let ms = NaN;
        if (performance.now() - start < budget || best.name === '') {
          try {
            const trial = await task.build(candidate);
            try {
              ms = (await timer.time((pass) => trial.record(pass), { samples: 2, warmup: 1 })).ms;
            } finally {
              trial.dispose();
            }
          } catch {
            ms = NaN;
          }
        }
        if (ms < best.ms) best = { name: candidate, ms };
        done++;
        opts.onProgress?.({
          done,
          total,
          kernel: task.kernel,
          shapeClass: task.shapeClass,
          candidate,
          ms,
        });
      }
      if (best.name) this.choices[`${task.kernel}/${task.shapeClass}`] = best.name;
    }
    await this.store.set(this.storeKey, JSON.stringify(this.choices));
  }
}
