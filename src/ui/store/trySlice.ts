// Try + Export slice: the prompt and sampling settings, the two streamed answers (base, tuned),
// which adapter each uses (the last step's or the best eval loss's), and the exported adapter
// files (bytes, ready to download). Sampling starts from the engine's
// defaults (the CLI's generate flags default to the same); failures keep the engine's kind + hint.
import type { StateCreator } from 'zustand';
import {
  kDefaultSampling,
  type AdapterChoice,
  type EngineFailure,
  type ExportFiles,
  type Sampling,
} from '../../worker/engineProtocol.ts';
import type { StudioState } from './index.ts';

export interface TryState {
  prompt: string;
  sampling: Sampling;
  status: 'idle' | 'running' | 'done' | 'failed';
  job: number;
  base: string;
  tuned: string;
  message: string;
  failure: EngineFailure | null;
  /** The adapter the tuned model uses (the last step's, or the best eval loss's). */
  which: AdapterChoice;
}

export interface ExportState {
  status: 'idle' | 'building' | 'ready' | 'failed';
  files: ExportFiles | null;
  /** Training step the files were built at. */
  step: number;
  failure: EngineFailure | null;
  /** The adapter to export; `built` is the one the ready files hold. */
  which: AdapterChoice;
  built: AdapterChoice;
}

export interface TrySlice {
  tryout: TryState;
  exported: ExportState;
  setPrompt: (prompt: string) => void;
  setSampling: (patch: Partial<Sampling>) => void;
  setTryWhich: (which: AdapterChoice) => void;
  setExportWhich: (which: AdapterChoice) => void;
  generateStarted: (job: number) => void;
  generateText: (job: number, which: 'base' | 'tuned', text: string) => void;
  generateDone: (job: number, message: string) => void;
  generateFailed: (job: number, failure: EngineFailure) => void;
  exportBuilding: () => void;
  exportReady: (files: ExportFiles, step: number, built: AdapterChoice) => void;
  exportFailed: (failure: EngineFailure) => void;
}

export const createTrySlice: StateCreator<StudioState, [], [], TrySlice> = (set) => {
  const patchTry = (job: number, p: Partial<TryState>) =>
    set((s) => (job !== s.tryout.job ? s : { tryout: { ...s.tryout, ...p } }));
  return {
    tryout: {
      prompt: 'What is the capital of France?',
      sampling: { ...kDefaultSampling },
      status: 'idle',
      job: 0,
      base: '',
      tuned: '',
      message: '',
      failure: null,
      which: 'last',
    },
    exported: {
      status: 'idle',
      files: null,
      step: 0,
      failure: null,
      which: 'last',
      built: 'last',
    },
    setTryWhich: (which) => set((s) => ({ tryout: { ...s.tryout, which } })),
    setExportWhich: (which) => set((s) => ({ exported: { ...s.exported, which } })),
    setPrompt: (prompt) => set((s) => ({ tryout: { ...s.tryout, prompt } })),
    setSampling: (p) =>
      set((s) => ({ tryout: { ...s.tryout, sampling: { ...s.tryout.sampling, ...p } } })),
    generateStarted: (job) =>
      set((s) => ({
        tryout: {
          ...s.tryout,
          job,
          status: 'running',
          base: '',
          tuned: '',
          message: '',
          failure: null,
        },
      })),
    generateText: (job, which, text) =>
      patchTry(job, which === 'base' ? { base: text } : { tuned: text }),
    generateDone: (job, message) => patchTry(job, { status: 'done', message }),
    generateFailed: (job, failure) => patchTry(job, { status: 'failed', failure }),
    exportBuilding: () =>
      set((s) => ({ exported: { ...s.exported, status: 'building', failure: null } })),
    exportReady: (files, step, built) =>
      set((s) => ({
        exported: { ...s.exported, status: 'ready', files, step, built, failure: null },
      })),
    exportFailed: (failure) =>
      set((s) => ({ exported: { ...s.exported, status: 'failed', failure } })),
  };
};
