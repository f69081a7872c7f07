// Engine + training slice: the GPU as the engine worker reports it, the model loaded for training
// (and the memory estimate before loading), the train form, the run's state and its metrics.
// Loss points arrive from the engine bridge in batches (one per animation frame) and are kept
// here whole; the chart downsamples what it draws.
import type { StateCreator } from 'zustand';
import type {
  DeviceSummary,
  MemoryEstimate,
  ModelInfo,
  RunInfo,
  RunStopReason,
  SavedRun,
  StepMetrics,
  TrainSettings,
} from '../../worker/engineProtocol.ts';
import type { StudioState } from './index.ts';

export type RunState = 'idle' | 'loading' | 'running' | 'paused' | 'stopped' | 'done' | 'error';
export type EngineModelSource = 'hub' | 'files' | 'demo';

export interface MetricPoint {
  step: number;
  loss: number | null;
  /** EMA of the loss (bias-corrected), for the smoothed line. */
  smooth: number | null;
  lr: number;
  evalLoss?: number;
}

export const kDefaultTrainSettings: TrainSettings = {
  r: 16,
  alpha: 32,
  dropout: 0.05,
  targets: 'all-linear',
  lr: 2e-4,
  scheduler: 'cosine',
  warmupRatio: 0.03,
  effectiveBatch: 16,
  microBatch: 1,
  epochs: 1,
  maxSteps: 0,
  maxLength: 2048,
  packing: true,
  evalSplit: 0,
  evalEvery: 0,
  checkpointEvery: 20,
  seed: 42,
};

export const kEmaBeta = 0.9;

export interface EngineState {
  device: 'unknown' | 'ready' | 'unavailable';
  deviceInfo: DeviceSummary | null;
  deviceMessage: string;
  source: EngineModelSource;
  /** Names of the model files picked with the model input (the Files stay in the bridge). */
  modelFiles: string[];
  model: {
    status: 'idle' | 'loading' | 'ready' | 'failed';
    job: number;
    message: string;
    done: number;
    total: number;
    /** What done/total count: bytes (downloads, uploads) or items (kernel configurations). */
    unit: 'bytes' | 'items';
    info: ModelInfo | null;
  };
  estimate: {
    status: 'idle' | 'loading' | 'ready' | 'failed';
    job: number;
    value: MemoryEstimate | null;
    message: string;
  };
}

export interface TrainState {
  settings: TrainSettings;
  state: RunState;
  message: string;
  info: RunInfo | null;
  last: StepMetrics | null;
  step: number;
  totalSteps: number;
  lastCheckpoint: number;
  lastEval: number | null;
  saved: SavedRun | null;
  points: MetricPoint[];
  notes: string[];
}

export interface TrainSlice {
  engine: EngineState;
  train: TrainState;
  deviceReady: (info: DeviceSummary) => void;
  deviceUnavailable: (message: string) => void;
  setEngineSource: (source: EngineModelSource) => void;
  setModelFiles: (names: string[]) => void;
  modelLoading: (
    job: number,
    message: string,
    done?: number,
    total?: number,
    unit?: 'bytes' | 'items',
  ) => void;
  modelReady: (job: number, info: ModelInfo) => void;
  modelFailed: (job: number, message: string) => void;
  estimateLoading: (job: number) => void;
  estimateReady: (job: number, value: MemoryEstimate) => void;
  estimateFailed: (job: number, message: string) => void;
  setTrainSettings: (patch: Partial<TrainSettings>) => void;
  resetTrainSettings: () => void;
  runPreparing: (message: string) => void;
  runStarted: (info: RunInfo, history: SavedRun['history'], settings: TrainSettings) => void;
  runSteps: (steps: StepMetrics[]) => void;
  runEval: (step: number, evalLoss: number) => void;
  runNote: (message: string) => void;
  runCheckpoint: (step: number) => void;
  runEnded: (reason: RunStopReason, step: number, message: string) => void;
  runResumed: () => void;
  setSavedRun: (run: SavedRun | null) => void;
}

/** Appends points with a bias-corrected EMA continuing from the last one. */
function withEma(prev: MetricPoint[], add: { step: number; loss: number | null; lr: number }[]) {
  const out = prev.slice();
  let ema = 0;
  let n = 0;
  for (const p of prev) {
    if (p.loss !== null) {
      ema = kEmaBeta * ema + (1 - kEmaBeta) * p.loss;
      n++;
    }
  }
  for (const p of add) {
    if (p.loss !== null) {
      ema = kEmaBeta * ema + (1 - kEmaBeta) * p.loss;
      n++;
    }
    const smooth = n > 0 ? ema / (1 - Math.pow(kEmaBeta, n)) : null;
    out.push({ step: p.step, loss: p.loss, smooth, lr: p.lr });
  }
  return out;
}

export const createTrainSlice: StateCreator<StudioState, [], [], TrainSlice> = (set) => {
  const patchEngine = (p: Partial<EngineState>) => set((s) => ({ engine: { ...s.engine, ...p } }));
  const patchTrain = (p: Partial<TrainState> | ((t: TrainState) => Partial<TrainState>)) =>
    set((s) => ({ train: { ...s.train, ...(typeof p === 'function' ? p(s.train) : p) } }));
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
      deviceMessage: '',
      source: 'hub',
      modelFiles: [],
      model: { status: 'idle', job: 0, message: '', done: 0, total: 0, unit: 'bytes', info: null },
      estimate: { status: 'idle', job: 0, value: null, message: '' },
    },
    train: {
      settings: kDefaultTrainSettings,
      state: 'idle',
      message: '',
      info: null,
      last: null,
      step: 0,
      totalSteps: 0,
      lastCheckpoint: 0,
      lastEval: null,
      saved: null,
      points: [],
      notes: [],
    },
    deviceReady: (deviceInfo) => patchEngine({ device: 'ready', deviceInfo, deviceMessage: '' }),
    deviceUnavailable: (deviceMessage) => patchEngine({ device: 'unavailable', deviceMessage }),
    setEngineSource: (source) => patchEngine({ source }),
    setModelFiles: (modelFiles) => patchEngine({ modelFiles }),
    modelLoading: (job, message, done = 0, total = 0, unit = 'bytes') =>
      patchModel(job, { status: 'loading', message, done, total, unit }),
    modelReady: (job, info) => patchModel(job, { status: 'ready', message: '', info }),
    modelFailed: (job, message) => patchModel(job, { status: 'failed', message, info: null }),
    estimateLoading: (job) => patchEstimate(job, { status: 'loading', message: '' }),
    estimateReady: (job, value) => patchEstimate(job, { status: 'ready', value, message: '' }),
    estimateFailed: (job, message) =>
      patchEstimate(job, { status: 'failed', value: null, message }),
    setTrainSettings: (p) => patchTrain((t) => ({ settings: { ...t.settings, ...p } })),
    resetTrainSettings: () => patchTrain({ settings: kDefaultTrainSettings }),
    runPreparing: (message) => patchTrain({ state: 'loading', message }),
    runStarted: (info, history, settings) =>
      patchTrain({
        settings,
        state: 'running',
        message: '',
        info,
        step: info.resumedFrom,
        totalSteps: info.totalSteps,
        last: null,
        lastEval: null,
        lastCheckpoint: info.resumedFrom,
        saved: null,
        notes: [],
        points: withEma(
          [],
          history.map((h) => ({ step: h.step, loss: h.loss, lr: h.lr })),
        ).map((p, i) =>
          history[i].evalLoss !== undefined ? { ...p, evalLoss: history[i].evalLoss } : p,
        ),
      }),
    runSteps: (steps) =>
      patchTrain((t) => {
        const last = steps[steps.length - 1];
        return {
          last,
          step: last.step,
          totalSteps: last.totalSteps,
          points: withEma(t.points, steps),
        };
      }),
    runEval: (step, evalLoss) =>
      patchTrain((t) => ({
        lastEval: evalLoss,
        points: t.points.map((p) => (p.step === step ? { ...p, evalLoss } : p)),
      })),
    runNote: (message) => patchTrain((t) => ({ notes: [...t.notes.slice(-4), message] })),
    runCheckpoint: (lastCheckpoint) => patchTrain({ lastCheckpoint }),
    runEnded: (reason, step, message) =>
      patchTrain((t) => ({
        state: reason === 'done' ? 'done' : reason,
        step: Math.max(step, t.step),
        message,
      })),
    runResumed: () => patchTrain({ state: 'running', message: '' }),
    setSavedRun: (saved) => patchTrain({ saved }),
  };
};
