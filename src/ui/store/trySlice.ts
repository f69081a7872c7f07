// Try + Export slice: the prompt and sampling settings, the two streamed answers (base, tuned),
// and the exported adapter files (bytes, ready to download).
import type { StateCreator } from 'zustand';
import type { ExportFiles, SamplingSettings } from '../../worker/engineProtocol.ts';
import type { StudioState } from './index.ts';

export interface TryState {
  prompt: string;
  sampling: SamplingSettings;
  status: 'idle' | 'running' | 'done' | 'failed';
  job: number;
  base: string;
  tuned: string;
  message: string;
}

export interface ExportState {
  status: 'idle' | 'building' | 'ready' | 'failed';
  files: ExportFiles | null;
  /** Training step the files were built at. */
  step: number;
  message: string;
}

export interface TrySlice {
  tryout: TryState;
  exported: ExportState;
  setPrompt: (prompt: string) => void;
  setSampling: (patch: Partial<SamplingSettings>) => void;
  generateStarted: (job: number) => void;
  generateText: (job: number, which: 'base' | 'tuned', text: string) => void;
  generateDone: (job: number, message: string) => void;
  generateFailed: (job: number, message: string) => void;
  exportBuilding: () => void;
  exportReady: (files: ExportFiles, step: number) => void;
  exportFailed: (message: string) => void;
}

export const kDefaultSampling: SamplingSettings = {
  maxNewTokens: 48,
  temperature: 0.7,
  topP: 0.9,
  seed: 1,
};

export const createTrySlice: StateCreator<StudioState, [], [], TrySlice> = (set) => {
  const patchTry = (job: number, p: Partial<TryState>) =>
    set((s) => (job !== s.tryout.job ? s : { tryout: { ...s.tryout, ...p } }));
  return {
    tryout: {
      prompt: 'What is the capital of France?',
      sampling: kDefaultSampling,
      status: 'idle',
      job: 0,
      base: '',
      tuned: '',
      message: '',
    },
    exported: { status: 'idle', files: null, step: 0, message: '' },
    setPrompt: (prompt) => set((s) => ({ tryout: { ...s.tryout, prompt } })),
    setSampling: (p) =>
      set((s) => ({ tryout: { ...s.tryout, sampling: { ...s.tryout.sampling, ...p } } })),
    generateStarted: (job) =>
      set((s) => ({
        tryout: { ...s.tryout, job, status: 'running', base: '', tuned: '', message: '' },
      })),
    generateText: (job, which, text) =>
      patchTry(job, which === 'base' ? { base: text } : { tuned: text }),
    generateDone: (job, message) => patchTry(job, { status: 'done', message }),
    generateFailed: (job, message) => patchTry(job, { status: 'failed', message }),
    exportBuilding: () =>
      set((s) => ({ exported: { ...s.exported, status: 'building', message: '' } })),
    exportReady: (files, step) => set({ exported: { status: 'ready', files, step, message: '' } }),
    exportFailed: (message) =>
      set((s) => ({ exported: { ...s.exported, status: 'failed', message } })),
  };
};
