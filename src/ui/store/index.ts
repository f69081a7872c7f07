// The studio's one zustand store, built from slices (zustand docs: slices pattern). Each slice
// owns its actions; the worker bridge calls them from outside React through `useStudio.getState()`.
// Only serializable data lives here: no Worker, no File, no GPUDevice.
// Later slices (train run, metrics) are added the same way: a `create<Name>Slice` spread below.
import { create } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { createDatasetSlice, type DatasetSlice } from './datasetSlice.ts';
import { createModelSlice, type ModelSlice } from './modelSlice.ts';
import { createTrainSlice, type TrainSlice } from './trainSlice.ts';
import { createTrySlice, type TrySlice } from './trySlice.ts';
import { createUiSlice, type UiSlice } from './uiSlice.ts';

export type StudioState = ModelSlice & DatasetSlice & UiSlice & TrainSlice & TrySlice;

export const useStudio = create<StudioState>()((...a) => ({
  ...createModelSlice(...a),
  ...createDatasetSlice(...a),
  ...createUiSlice(...a),
  ...createTrainSlice(...a),
  ...createTrySlice(...a),
}));

/** Narrow selection with shallow comparison, for components that read several fields. */
export function useStudioShallow<T>(selector: (s: StudioState) => T): T {
  return useStudio(useShallow(selector));
}

export type { DatasetState, DatasetStatus, ExampleFilter } from './datasetSlice.ts';
export type { ModelState, TokenizerStatus } from './modelSlice.ts';
export { kDefaultEndpoint, kDefaultHubId, kDefaultMaxLength } from './modelSlice.ts';
export type { StepId } from './uiSlice.ts';
export type { EngineModelSource, MetricPoint, RunState } from './trainSlice.ts';
export { kDefaultTrainSettings, kEmaBeta } from './trainSlice.ts';
export { kDefaultSampling } from './trySlice.ts';
