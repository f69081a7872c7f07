// UI slice: which step of the studio is open. The step ids are the rail's entries (steps.ts).
import type { StateCreator } from 'zustand';
import type { StudioState } from './index.ts';

export type StepId = 'model' | 'dataset' | 'train' | 'try' | 'export';

export interface UiSlice {
  ui: { step: StepId; webgpu: 'unknown' | 'available' | 'unavailable' };
  setStep: (step: StepId) => void;
  setWebgpu: (webgpu: UiSlice['ui']['webgpu']) => void;
}

export const createUiSlice: StateCreator<StudioState, [], [], UiSlice> = (set) => ({
  ui: { step: 'model', webgpu: 'unknown' },
  setStep: (step) => set((s) => ({ ui: { ...s.ui, step } })),
  setWebgpu: (webgpu) => set((s) => ({ ui: { ...s.ui, webgpu } })),
});
