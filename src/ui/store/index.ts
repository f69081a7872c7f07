// The studio's one zustand store, built from slices (zustand docs: slices pattern). Each slice
// owns its actions; the worker bridges call them from outside React through `useStudio.getState()`.
// The store holds data and the user's inputs as given (the dataset File or sample URL, the model
// folder's Files): no Worker, no GPUDevice.
import { create } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { createDatasetSlice, type DatasetSlice } from './datasetSlice.ts';
import { createEngineSlice, type EngineSlice } from './engineSlice.ts';
import { createModelSlice, type ModelSlice } from './modelSlice.ts';
import { createTrainSlice, type TrainSlice } from './trainSlice.ts';
import { createLossSlice, type LossSlice } from './lossSlice.ts';
import { createExampleLossSlice, type ExampleLossSlice } from './exampleLossSlice.ts';
import { createSetSlice, type SetSlice } from './setSlice.ts';
import { createTrySlice, type TrySlice } from './trySlice.ts';
import { createUiSlice, type UiSlice } from './uiSlice.ts';
import { createHubSlice, type HubSlice } from './hubSlice.ts';
import { createCurationSlice, type CurationSlice } from './curationSlice.ts';

export type StudioState = ModelSlice &
  DatasetSlice &
  UiSlice &
  EngineSlice &
  TrainSlice &
  TrySlice &
  SetSlice &
  LossSlice &
  ExampleLossSlice &
  HubSlice &
  CurationSlice;

export const useStudio = create<StudioState>()((...a) => ({
  ...createModelSlice(...a),
  ...createDatasetSlice(...a),
  ...createUiSlice(...a),
  ...createEngineSlice(...a),
  ...createTrainSlice(...a),
  ...createTrySlice(...a),
  ...createSetSlice(...a),
  ...createLossSlice(...a),
  ...createExampleLossSlice(...a),
  ...createHubSlice(...a),
  ...createCurationSlice(...a),
}));

/** Narrow selection with shallow comparison, for components that read several fields. */
export function useStudioShallow<T>(selector: (s: StudioState) => T): T {
  return useStudio(useShallow(selector));
}

export type { DatasetState, DatasetStatus, ExampleFilter } from './datasetSlice.ts';
export type { ModelState, TokenizerStatus } from './modelSlice.ts';
export type { HubPickerState } from './hubSlice.ts';
export { kDefaultEndpoint, kDefaultHubId } from './modelSlice.ts';
export type { StepId } from './uiSlice.ts';
export type { EngineModelSource, EngineState } from './engineSlice.ts';
export { modelFolderName } from './engineSlice.ts';
export type { MetricPoint, RunState, TrainState, WatchNotice } from './trainSlice.ts';
export type { PromptSetState, SetSource, SetStatus } from './setSlice.ts';
export type { TokenLossState } from './lossSlice.ts';
export type { ExampleLossState } from './exampleLossSlice.ts';
export type { CurationState, DraftPreview, EditorState } from './curationSlice.ts';
export { kEmaBeta } from './trainSlice.ts';
