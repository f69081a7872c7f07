// Engine slice: the GPU as the engine worker reports it, where the training weights come from (the
// Hub id, the local model files the user picked: File objects kept as the user gave them), the
// memory estimate before loading, and the loaded model with its own tokenizer's name. Failures are
// kept as the engine's EngineFailure (kind, message, what to do), never flattened to a string.
import type { StateCreator } from 'zustand';
import type {
  DeviceInfo,
  EngineFailure,
  MemoryEstimate,
  ModelInfo,
  ModelProgress,
} from '../../worker/engineProtocol.ts';
import type { StudioState } from './index.ts';

export type EngineModelSource = 'hub' | 'files' | 'demo';

export interface EngineState {
  device: 'unknown' | 'ready' | 'unavailable';
  deviceInfo: DeviceInfo | null;
  /** Why there is no device (kind 'webgpu-unavailable' or 'device-lost'). */
  deviceFailure: EngineFailure | null;
  source: EngineModelSource;
  /** The local model folder's files as the user picked them (the engine reads them itself). */
  modelFiles: File[];
  model: {
    status: 'idle' | 'loading' | 'ready' | 'failed';
    job: number;
    progress: ModelProgress | null;
    failure: EngineFailure | null;
    info: ModelInfo | null;
    /** The chat template's name for this model's tokenizer and the template choice. */
    template: string;
    /** The model's own tokenizer (its files travel to the dataset worker from the bridge). */
    tokenizer: { name: string; fingerprint: string } | null;
  };
  estimate: {
    status: 'idle' | 'loading' | 'ready' | 'failed';
    job: number;
    value: MemoryEstimate | null;
    failure: EngineFailure | null;
  };
}

export interface EngineSlice {
  engine: EngineState;
  deviceReady: (info: DeviceInfo) => void;
  deviceUnavailable: (failure: EngineFailure) => void;
  setEngineSource: (source: EngineModelSource) => void;
  setModelFiles: (files: File[]) => void;
  modelLoading: (job: number, progress: ModelProgress | null) => void;
  modelReady: (
    job: number,
    info: ModelInfo,
    template: string,
    tokenizer: { name: string; fingerprint: string },
  ) => void;
  modelFailed: (job: number, failure: EngineFailure) => void;
  estimateLoading: (job: number) => void;
  estimateReady: (job: number, value: MemoryEstimate) => void;
  estimateFailed: (job: number, failure: EngineFailure) => void;
}

/** The name a local model folder goes by: its top folder, else "local model". */
export function modelFolderName(files: readonly File[]): string {
  const first = files[0]?.webkitRelativePath ?? '';
  return first.includes('/') ? first.slice(0, first.indexOf('/')) : 'local model';
}

export const createEngineSlice: StateCreator<StudioState, [], [], EngineSlice> = (set) => {
  const patchEngine = (p: Partial<EngineState>) => set((s) => ({ engine: { ...s.engine, ...p } }));
  const patchModel = (job: number, p: Partial<EngineState['model']>) =>
    set((s) =>
      job < s.engine.model.job
        ? s
        : { engine: { ...s.engine, model: { ...s.engine.model, ...p, job } } },
    );
  const patchEstimate = (job: number, p: Partial<EngineState['estimate']>) =>
    set((s) =>
      job < s.engine.estimate.job
        ? s
        : { engine: { ...s.engine, estimate: { ...s.engine.estimate, ...p, job } } },
    );
  return {
    engine: {
      device: 'unknown',
      deviceInfo: null,
      deviceFailure: null,
      source: 'hub',
      modelFiles: [],
      model: {
        status: 'idle',
        job: 0,
        progress: null,
        failure: null,
        info: null,
        template: '',
        tokenizer: null,
      },
      estimate: { status: 'idle', job: 0, value: null, failure: null },
    },
    deviceReady: (deviceInfo) => patchEngine({ device: 'ready', deviceInfo, deviceFailure: null }),
    deviceUnavailable: (deviceFailure) => patchEngine({ device: 'unavailable', deviceFailure }),
    setEngineSource: (source) => patchEngine({ source }),
    setModelFiles: (modelFiles) => patchEngine({ modelFiles }),
    modelLoading: (job, progress) =>
      patchModel(job, { status: 'loading', progress, failure: null }),
    modelReady: (job, info, template, tokenizer) =>
      patchModel(job, {
        status: 'ready',
        progress: null,
        failure: null,
        info,
        template,
        tokenizer,
      }),
    modelFailed: (job, failure) =>
      patchModel(job, { status: 'failed', progress: null, failure, info: null, tokenizer: null }),
    estimateLoading: (job) => patchEstimate(job, { status: 'loading', failure: null }),
    estimateReady: (job, value) => patchEstimate(job, { status: 'ready', value, failure: null }),
    estimateFailed: (job, failure) =>
      patchEstimate(job, { status: 'failed', value: null, failure }),
  };
};
