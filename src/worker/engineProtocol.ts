// The typed messages between the UI and the engine worker (the worker that owns the GPUDevice,
// loads the model, trains, generates and exports). Every message is a member of a discriminated
// union whose payload is tied to its `kind` (web-llm message.ts, with the payload typed per kind).
// Everything is structured-cloneable (File objects included). The UI imports types from here only.
import type { DatasetInput, TemplateChoice } from './protocol.ts';

export type { DatasetInput, TemplateChoice };

// ---------------------------------------------------------------------------------------------
// Shapes

/** Where the model (weights + tokenizer) comes from. */
export type ModelSpec =
  | { kind: 'hub'; id: string; endpoint: string; revision?: string }
  | { kind: 'files'; name: string; files: File[] }
  | { kind: 'demo' };

/** The adapter (GPU) as the worker sees it. */
export interface DeviceSummary {
  description: string;
  vendor: string;
  architecture: string;
  features: string[];
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
}

/** The sizes that decide device memory, as the train form holds them. */
export interface MemoryKnobs {
  maxLength: number;
  microBatch: number;
  r: number;
  targets: 'all-linear' | string[];
  dropout: number;
}

export interface MemoryEstimate {
  /** Bytes by category (weights, lora, grads, optimizer, activations, scratch) and in total. */
  byCategory: Record<string, number>;
  total: number;
  /** Largest single buffer, against the adapter's binding limit. */
  largestBuffer: { name: string; bytes: number };
  /** What we compare `total` against, and where that number comes from. */
  budget: number;
  budgetSource: string;
  level: 'ok' | 'warn' | 'error';
  message: string;
  knobs: MemoryKnobs;
}

export interface ModelInfo {
  name: string;
  architecture: string;
  family: string;
  layers: number;
  hidden: number;
  vocab: number;
  params: number;
  weightDtype: string;
  /** Device bytes of the frozen weights. */
  weightBytes: number;
  tokenizer: string;
  template: string;
  demo: boolean;
}

/** Hyperparameters as the form holds them (converted to the trainer's by the worker). */
export interface TrainSettings {
  r: number;
  alpha: number;
  dropout: number;
  targets: 'all-linear' | string[];
  lr: number;
  scheduler: 'cosine' | 'linear' | 'constant';
  warmupRatio: number;
  effectiveBatch: number;
  microBatch: number;
  epochs: number;
  /** 0: use epochs. */
  maxSteps: number;
  maxLength: number;
  packing: boolean;
  evalSplit: number;
  evalEvery: number;
  checkpointEvery: number;
  seed: number;
}

export interface RunInfo {
  totalSteps: number;
  seqLen: number;
  trainExamples: number;
  evalExamples: number;
  excluded: number;
  realTokenRatio: number;
  loraParams: number;
  plannedBytes: number;
  gradAccum: number;
  resumedFrom: number;
}

export interface StepMetrics {
  step: number;
  totalSteps: number;
  epoch: number;
  loss: number | null;
  lr: number;
  gradNorm: number | null;
  tokensPerSecond: number;
  elapsedSeconds: number;
  etaSeconds: number;
  memoryBytes: number;
  memoryPeakBytes: number;
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

export interface SamplingSettings {
  maxNewTokens: number;
  temperature: number;
  topP: number;
  seed: number;
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
  | { kind: 'estimate'; job: number; model: ModelSpec; knobs: MemoryKnobs }
  | { kind: 'load-model'; job: number; model: ModelSpec; template: TemplateChoice; date: string }
  | {
      kind: 'train-start';
      settings: TrainSettings;
      dataset: DatasetInput;
      template: TemplateChoice;
      date: string;
    }
  | { kind: 'train-resume-saved' }
  | { kind: 'train-pause' }
  | { kind: 'train-continue' }
  | { kind: 'train-stop' }
  | { kind: 'discard-saved' }
  | { kind: 'generate'; job: number; prompt: string; sampling: SamplingSettings }
  | { kind: 'export'; datasetName: string; datasetExamples: number };

// ---------------------------------------------------------------------------------------------
// worker → UI

export type EngineEvent =
  | { kind: 'device'; device: DeviceSummary }
  | { kind: 'device-unavailable'; message: string }
  | { kind: 'saved-run'; run: SavedRun | null }
  | { kind: 'estimate'; job: number; estimate: MemoryEstimate }
  | { kind: 'estimate-failed'; job: number; message: string }
  | {
      kind: 'model-progress';
      job: number;
      message: string;
      done: number;
      total: number;
      /** What done/total count (default bytes). */
      unit?: 'bytes' | 'items';
    }
  | { kind: 'model-ready'; job: number; info: ModelInfo }
  | { kind: 'model-failed'; job: number; message: string }
  | { kind: 'run-preparing'; message: string }
  | { kind: 'run-started'; info: RunInfo; settings: TrainSettings; history: SavedRun['history'] }
  | { kind: 'run-step'; metrics: StepMetrics }
  | { kind: 'run-eval'; step: number; evalLoss: number }
  | { kind: 'run-info'; message: string }
  | { kind: 'run-checkpoint'; step: number; bytes: number }
  | { kind: 'run-ended'; reason: RunStopReason; step: number; message: string }
  | { kind: 'generate-token'; job: number; which: 'base' | 'tuned'; text: string }
  | { kind: 'generate-done'; job: number; message: string }
  | { kind: 'generate-failed'; job: number; message: string }
  | { kind: 'export-ready'; files: ExportFiles }
  | { kind: 'export-failed'; message: string };
