// Example-loss slice (the example browser's hardest-first sort): every trainable example's mean
// trained-token loss from the engine worker, base and tuned, its progress, and the chosen sort.
// Replies of an older job (a cancelled or superseded measurement) are ignored.
import type { StateCreator } from 'zustand';
import type { EngineFailure } from '../../worker/engineProtocol.ts';
import type { ExampleTable } from '../../worker/protocol.ts';
import type { ExampleSort } from '../dataset-step/exampleSort.ts';
import type { StudioState } from './index.ts';

export interface ExampleLossState {
  job: number;
  status: 'idle' | 'running' | 'ready' | 'cancelled' | 'failed';
  done: number;
  total: number;
  /** Per measured example: its 1-based line and mean losses (NaN where none is trained). */
  lines: Int32Array | null;
  base: Float32Array | null;
  /** Null when measured without a trained adapter (base model only). */
  tuned: Float32Array | null;
  /** The example table shown when the measurement started: another dataset (or a re-tokenized
   * one) gets a new table, and these losses no longer apply to it. */
  table: ExampleTable | null;
  /** The training step the tuned losses were measured at (null for base only). */
  step: number | null;
  failure: EngineFailure | null;
  sort: ExampleSort;
}

export interface ExampleLossSlice {
  exampleLoss: ExampleLossState;
  exampleLossStarted: (job: number, table: ExampleTable | null) => void;
  exampleLossProgress: (job: number, done: number, total: number) => void;
  exampleLossReady: (
    job: number,
    lines: Int32Array,
    base: Float32Array,
    tuned: Float32Array | null,
    step: number | null,
  ) => void;
  exampleLossCancelled: (job: number) => void;
  exampleLossFailed: (job: number, failure: EngineFailure) => void;
  setExampleSort: (sort: ExampleSort) => void;
}

export const createExampleLossSlice: StateCreator<StudioState, [], [], ExampleLossSlice> = (
  set,
) => {
  const patchJob = (job: number, p: Partial<ExampleLossState>) =>
    set((s) => (job !== s.exampleLoss.job ? s : { exampleLoss: { ...s.exampleLoss, ...p } }));
  return {
    exampleLoss: {
      job: 0,
      status: 'idle',
      done: 0,
      total: 0,
      lines: null,
      base: null,
      tuned: null,
      table: null,
      step: null,
      failure: null,
      sort: 'row',
    },
    exampleLossStarted: (job, table) =>
      set((s) => ({
        exampleLoss: {
          ...s.exampleLoss,
          job,
          table,
          status: 'running',
          done: 0,
          total: 0,
          failure: null,
        },
      })),
    exampleLossProgress: (job, done, total) => patchJob(job, { done, total }),
    exampleLossReady: (job, lines, base, tuned, step) =>
      set((s) => {
        if (job !== s.exampleLoss.job) return s;
        // A measurement sorts hardest first unless a loss sort is already chosen (that one stays);
        // base-only losses (no run) can only sort by the base loss.
        const sort =
          s.exampleLoss.sort !== 'row' ? s.exampleLoss.sort : tuned ? 'loss-tuned' : 'loss-base';
        const fits = tuned || sort === 'loss-base' ? sort : 'loss-base';
        return {
          exampleLoss: { ...s.exampleLoss, status: 'ready', lines, base, tuned, step, sort: fits },
        };
      }),
    exampleLossCancelled: (job) => patchJob(job, { status: 'cancelled' }),
    exampleLossFailed: (job, failure) => patchJob(job, { status: 'failed', failure }),
    setExampleSort: (sort) => set((s) => ({ exampleLoss: { ...s.exampleLoss, sort } })),
  };
};
