// The typed messages between the UI and the engine worker (the worker that owns the GPUDevice,
// loads the model, trains, generates and exports). Every payload is tied to its `kind`
// (web-llm message.ts, typed per kind) and built from the engine's own types (src/engine): a
// training event crosses as the engine's TrainEvent, a failure as its EngineFailure (kind, message,
// what to do), the settings as its TrainSettings. Everything is structured-cloneable (File objects
// and typed arrays included). The UI imports types from here and protocol.ts only.
import type {
  CurationRecord,
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
import type { GenerationSummary } from '../data/index.ts';
import type { ExampleDetail, PromptItem, TemplateChoice } from './protocol.ts';
import type { ExportEvent, ExportRequest } from './exportProtocol.ts';
import type { AdapterChoice } from './adapterChoice.ts';

export type {
  CurationRecord,
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
  GenerationSummary,
  PromptItem,
  AdapterChoice,
};
export type {
  ExportKind,
  ExportMeasure,
  ExportOptions,
  ExportTarget,
  GgufType,
  MergeDtype,
  TrlInput,
} from './exportProtocol.ts';
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
  /** How the dataset's rows were read (column mapping, recognised schemas), for the model card. */
  datasetReading?: string;
  /** The Dataset step's curation of the run's examples, for the model card of a resumed run. */
  curation?: CurationRecord;
  settings: TrainSettings;
  /** Metrics so far, so the chart continues where it was. */
  history: { step: number; loss: number | null; lr: number; evalLoss?: number }[];
  /** Set when a newer checkpoint was damaged and Resume uses this one instead: what happened. */
  warning?: string;
  /** Set when the run cannot be resumed (no whole checkpoint, a damaged dataset): what is wrong. */
  problem?: string;
}

export interface ExportFiles {
  adapterSafetensors: Uint8Array;
  adapterConfig: string;
  modelCard: string;
  peftSnippet: string;
}

export type RunStopReason = 'done' | 'stopped' | 'paused' | 'error';

/** One model's finished answer to one prompt of a set. */
export interface SetAnswer {
  text: string;
  /** True when the model ended its turn itself (EOS or end of turn), false at the token limit. */
  stopped: boolean;
  /** Generated tokens, without the stop token. */
  tokens: number;
  /** ROUGE-L F1 against the reference, [0, 1]; null without a reference. */
  rougeL: number | null;
}

/** An example's tokens as the preview shows them (the dataset worker's, i.e. the run's). */
export type TokenLossExample = Pick<ExampleDetail, 'line' | 'inputIds' | 'labels' | 'roles'>;

/** A prompt set's metrics per model (src/data/metrics.ts). BLEU, ROUGE-L and exact match count
 * only when every answered row has a reference (`withReference` equals `examples`). */
export interface SetSummary {
  examples: number;
  withReference: number;
  base: GenerationSummary;
  tuned: GenerationSummary;
}

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
      /** How the rows were read: the column mapping (`--columns` spec) and recognised schemas. */
      datasetReading?: string;
      settings: TrainSettings;
      template: TemplateChoice;
      date: string;
      /** The Dataset step's curation of these examples (the model card says it). */
      curation?: CurationRecord;
    }
  /** `note`: why, when the worker resumes by itself (after a device loss); shown with the run. */
  | { kind: 'train-resume-saved'; note?: string }
  | { kind: 'train-pause' }
  | { kind: 'train-continue' }
  | { kind: 'train-stop' }
  | { kind: 'discard-saved' }
  /** The fault-injection hook (src/train/faults.ts), for tests and for trying the failure paths:
   * `spec` ('lose-device@5,oom@3,nan@4', '' for none) applies to the next started run only. The
   * studio posts it only when its URL has `?faults=` (engineChannel.ts `installFaultHook`). */
  | { kind: 'set-faults'; spec: string }
  | { kind: 'generate'; job: number; prompt: string; sampling: Sampling; which: AdapterChoice }
  /** Base and tuned answer every item, one generator per model for the whole set. */
  | {
      kind: 'generate-set';
      job: number;
      items: PromptItem[];
      sampling: Sampling;
      which: AdapterChoice;
    }
  /** Stops a running set (the rows answered so far keep their summary). */
  | { kind: 'cancel-set'; job: number }
  /** Per-token loss of one example's trained tokens, base and tuned (the loss heat view). */
  | { kind: 'token-losses'; job: number; example: TokenLossExample; which: AdapterChoice }
  /** Every trainable example's mean loss over its trained tokens, base and (after a run) tuned:
   * the example browser's hardest-first sort. Cancellable between chunks. */
  | { kind: 'example-losses'; job: number; examples: ExampleSet; which: AdapterChoice }
  | { kind: 'cancel-example-losses'; job: number }
  | { kind: 'export'; datasetName: string; datasetExamples: number; which: AdapterChoice }
  /** The merged model, GGUF, LoRA GGUF and TRL project: measure, write, cancel. */
  | ExportRequest;

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
  /** A set row's answer so far (`answer` null while streaming, set when that model finished). */
  | {
      kind: 'set-row';
      job: number;
      line: number;
      which: 'base' | 'tuned';
      text: string;
      answer: SetAnswer | null;
    }
  /** A row not generated (its prompt + new tokens exceed the model's context). */
  | { kind: 'set-row-skipped'; job: number; line: number; reason: string }
  | {
      kind: 'set-done';
      job: number;
      summary: SetSummary;
      cancelled: boolean;
      message: string;
    }
  | { kind: 'set-failed'; job: number; failure: EngineFailure }
  /** Per token position: the loss of predicting that token (null where it is not trained). */
  | {
      kind: 'token-losses';
      job: number;
      line: number;
      base: (number | null)[];
      tuned: (number | null)[];
    }
  | { kind: 'token-losses-failed'; job: number; line: number; failure: EngineFailure }
  | { kind: 'example-losses-progress'; job: number; done: number; total: number }
  /** Per trainable example (by its 1-based line): mean trained-token loss, NaN when it has none;
   * `tuned` is null when no run has trained an adapter (base model only). */
  | {
      kind: 'example-losses';
      job: number;
      lines: Int32Array;
      base: Float32Array;
      tuned: Float32Array | null;
    }
  | { kind: 'example-losses-cancelled'; job: number }
  | { kind: 'example-losses-failed'; job: number; failure: EngineFailure }
  | { kind: 'export-ready'; files: ExportFiles; which: AdapterChoice }
  | { kind: 'export-failed'; failure: EngineFailure }
  /** The answer to set-faults: the plan as the engine read it, or why it could not. */
  | { kind: 'faults-set'; plan: string; failure?: EngineFailure }
  | ExportEvent;

// The defaults the Train form starts from and resets to: the engine's one table (the CLI's flags
// default to the same values), and the Try step's sampling defaults.
export { kDefaultSettings, kDefaultSampling } from '../engine/settings-public.ts';
