// The typed messages between the UI and the engine worker (the worker that owns the GPUDevice,
// loads the model, trains, generates and exports). Every payload is tied to its `kind`
// (web-llm message.ts, typed per kind) and built from the engine's own types (src/engine): a
// training event crosses as the engine's TrainEvent, a failure as its EngineFailure (kind, message,
// what to do), the settings as its TrainSettings. Everything is structured-cloneable (File objects
// and typed arrays included). The UI imports types from here and protocol.ts only.
import type {
  DeviceInfo,
  EngineFailure,
  MemoryEstimate,
  ModelInfo,
  RunInfo,
  Sampling,
  TrainEvent,
  TrainSettings,
} from '../engine/index.ts';
import type { ExampleSet } from '../data/exampleset.ts';
import type { TemplateChoice } from './protocol.ts';

export type {
  DeviceInfo,
  EngineFailure,
  MemoryEstimate,
  ModelInfo,
  RunInfo,
  Sampling,
  TrainEvent,
  TrainSettings,
  ExampleSet,
  TemplateChoice,
};
export type {
  EngineErrorKind,
  MemoryKnobs,
  StepEvent,
  RunSuggestion,
  RunPlan,
} from '../engine/index.ts';

/** Where the model (weights + tokenizer) comes from. */
export type ModelSpec =
  | { kind: 'hub'; id: string; endpoint: string; revision?: string }
  | { kind: 'files'; name: string; files: File[] }
  | { kind: 'demo' };

/** Loading a model: download, upload to the GPU, kernel tuning (counts configurations). */
export interface ModelProgress {
  stage: 'download' | 'upload' | 'tune' | 'open';
  message: string;
  done: number;
  total: number;
}

/** The loaded model's own tokenizer files: the dataset worker tokenizes with exactly these. */
export interface ModelTokenizerFiles {
  name: string;
  json: string;
  config: string;
  fingerprint: string;
}

/** A run saved in IndexedDB that a reloaded page can resume. */
export interface SavedRun {
  step: number;
  totalSteps: number;
  savedAt: number;
  modelName: string;
  modelKind: ModelSpec['kind'];
  datasetName: string;
  settings: TrainSettings;
  /** Metrics so far, so the chart continues where it was. */
  history: { step: number; loss: number | null; lr: number; evalLoss?: number }[];
}

export interface ExportFiles {
  adapterSafetensors: Uint8Array;
  adapterConfig: string;
  modelCard: string;
  peftSnippet: string;
}

export type RunStopReason = 'done' | 'stopped' | 'paused' | 'error';

// ---------------------------------------------------------------------------------------------
// UI → worker

export type EngineRequest =
  | { kind: 'probe' }
  | { kind: 'estimate'; job: number; model: ModelSpec; settings: TrainSettings }
  | { kind: 'load-model'; job: number; model: ModelSpec; template: TemplateChoice; date: string }
  | {
      kind: 'train-start';
      /** The dataset as the dataset worker tokenized it for the preview (its fingerprint must be
       * this model's tokenizer + template + date + max length). */
      examples: ExampleSet;
      datasetName: string;
      settings: TrainSettings;
      template: TemplateChoice;
      date: string;
    }
  | { kind: 'train-resume-saved' }
  | { kind: 'train-pause' }
  | { kind: 'train-continue' }
  | { kind: 'train-stop' }
  | { kind: 'discard-saved' }
  | { kind: 'generate'; job: number; prompt: string; sampling: Sampling }
  | { kind: 'export'; datasetName: string; datasetExamples: number };

// ---------------------------------------------------------------------------------------------
// worker → UI

export type EngineEvent =
  | { kind: 'device'; device: DeviceInfo }
  | { kind: 'device-unavailable'; failure: EngineFailure }
  | { kind: 'saved-run'; run: SavedRun | null }
  | { kind: 'estimate'; job: number; estimate: MemoryEstimate }
  | { kind: 'estimate-failed'; job: number; failure: EngineFailure }
  | { kind: 'model-progress'; job: number; progress: ModelProgress }
  | {
      kind: 'model-ready';
      job: number;
      info: ModelInfo;
      /** The chat template's name for this tokenizer and choice ('' when none renders). */
      template: string;
      tokenizer: ModelTokenizerFiles;
    }
  | { kind: 'model-failed'; job: number; failure: EngineFailure }
  | { kind: 'run-preparing'; message: string }
  | { kind: 'run-started'; info: RunInfo; settings: TrainSettings; history: SavedRun['history'] }
  | { kind: 'run-event'; event: TrainEvent }
  | {
      kind: 'run-ended';
      reason: RunStopReason;
      step: number;
      message: string;
      /** Why it stopped, when reason is 'error'. */
      failure?: EngineFailure;
    }
  | { kind: 'generate-token'; job: number; which: 'base' | 'tuned'; text: string }
  | { kind: 'generate-done'; job: number; message: string }
  | { kind: 'generate-failed'; job: number; failure: EngineFailure }
  | { kind: 'export-ready'; files: ExportFiles }
  | { kind: 'export-failed'; failure: EngineFailure };

// The defaults the Train form starts from and resets to: the engine's one table (the CLI's flags
// default to the same values), and the Try step's sampling defaults.
export { kDefaultSettings, kDefaultSampling } from '../engine/settings-public.ts';
