// Loss heat slice (token preview, after training): the selected example's per-token losses from
// the base and the tuned model, and which view the preview colors by. Results of an older request
// (another example, a newer click) are ignored.
import type { StateCreator } from 'zustand';
import type { EngineFailure } from '../../worker/engineProtocol.ts';
import type { HeatMode } from '../dataset-step/lossHeat.ts';
import type { StudioState } from './index.ts';

export interface TokenLossState {
  job: number;
  line: number | null;
  status: 'idle' | 'running' | 'ready' | 'failed';
  base: (number | null)[];
  tuned: (number | null)[];
  failure: EngineFailure | null;
  mode: HeatMode;
  /** The heat view is on (the preview colors tokens by loss when the losses are ready). */
  shown: boolean;
}

export interface LossSlice {
  tokenLoss: TokenLossState;
  lossRequested: (job: number, line: number) => void;
  lossReady: (job: number, base: (number | null)[], tuned: (number | null)[]) => void;
  lossFailed: (job: number, failure: EngineFailure) => void;
  setLossMode: (mode: HeatMode) => void;
  setLossShown: (shown: boolean) => void;
}

export const createLossSlice: StateCreator<StudioState, [], [], LossSlice> = (set) => {
  const patchJob = (job: number, p: Partial<TokenLossState>) =>
    set((s) => (job !== s.tokenLoss.job ? s : { tokenLoss: { ...s.tokenLoss, ...p } }));
  return {
    tokenLoss: {
      job: 0,
      line: null,
      status: 'idle',
      base: [],
      tuned: [],
      failure: null,
      mode: 'tuned',
      shown: false,
    },
    lossRequested: (job, line) =>
      set((s) => ({
        tokenLoss: {
          ...s.tokenLoss,
          job,
          line,
          status: 'running',
          base: [],
          tuned: [],
          failure: null,
          shown: true,
        },
      })),
    lossReady: (job, base, tuned) => patchJob(job, { status: 'ready', base, tuned }),
    lossFailed: (job, failure) => patchJob(job, { status: 'failed', failure }),
    setLossMode: (mode) => set((s) => ({ tokenLoss: { ...s.tokenLoss, mode } })),
    setLossShown: (shown) => set((s) => ({ tokenLoss: { ...s.tokenLoss, shown } })),
  };
};
