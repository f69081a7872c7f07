// Training slice: the train form's settings (the engine's one TrainSettings shape, starting from
// and resetting to its kDefaultSettings), the run plan for those settings on the tokenized
// dataset (how many optimizer steps, and what to change when that is too few), the run's state and
// its metrics. Loss points arrive from the engine bridge in batches (one per animation frame) and
// are kept here whole; the chart downsamples what it draws.
import type { StateCreator } from 'zustand';
import {
  kDefaultSettings,
  type EngineFailure,
  type RunInfo,
  type RunPlan,
  type RunStopReason,
  type SavedRun,
  type StepEvent,
  type TrainEvent,
  type TrainSettings,
} from '../../worker/engineProtocol.ts';
import type { StudioState } from './index.ts';

export type RunState = 'idle' | 'loading' | 'running' | 'paused' | 'stopped' | 'done' | 'error';

export interface MetricPoint {
  step: number;
  loss: number | null;
  /** EMA of the loss (bias-corrected), for the smoothed line. */
  smooth: number | null;
  lr: number;
  evalLoss?: number;
}

export const kEmaBeta = 0.9;

type InfoEvent = Extract<TrainEvent, { kind: 'info' }>;

/** The overfitting watch's latest notice (the overfitting warning, or the early stop). */
export interface WatchNotice {
  topic: 'overfitting' | 'early-stop';
  step: number;
  message: string;
}

export interface TrainState {
  settings: TrainSettings;
  state: RunState;
  message: string;
  /** Why the run stopped, when it stopped with an error. */
  failure: EngineFailure | null;
  info: RunInfo | null;
  last: StepEvent | null;
  step: number;
  totalSteps: number;
  lastCheckpoint: number;
  lastEval: number | null;
  saved: SavedRun | null;
  points: MetricPoint[];
  notes: string[];
  /** The step of the best eval loss so far (its adapter is kept: Try and Export can use it). */
  bestStep: number | null;
  watch: WatchNotice | null;
  /** The dataset worker's plan for the current settings (null until a tokenized dataset). */
  plan: { job: number; value: RunPlan | null; settings: TrainSettings | null; message: string };
}

export interface TrainSlice {
  train: TrainState;
  setTrainSettings: (patch: Partial<TrainSettings>) => void;
  resetTrainSettings: () => void;
  planRequested: (job: number) => void;
  planReady: (job: number, plan: RunPlan, settings: TrainSettings) => void;
  planFailed: (job: number, message: string) => void;
  runPreparing: (message: string) => void;
  runStarted: (info: RunInfo, history: SavedRun['history'], settings: TrainSettings) => void;
  runSteps: (steps: StepEvent[]) => void;
  runEval: (step: number, evalLoss: number) => void;
  runNote: (message: string) => void;
  /** The overfitting watch's events (best eval loss, overfitting, early stop). */
  runInfo: (event: InfoEvent) => void;
  runCheckpoint: (step: number) => void;
  runEnded: (
    reason: RunStopReason,
    step: number,
    message: string,
    failure?: EngineFailure | null,
  ) => void;
  runResumed: () => void;
  setSavedRun: (run: SavedRun | null) => void;
}

/** Appends points with a bias-corrected EMA continuing from the last one. */
export function withEma(
  prev: MetricPoint[],
  add: { step: number; loss: number | null; lr: number }[],
): MetricPoint[] {
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
  const patchTrain = (p: Partial<TrainState> | ((t: TrainState) => Partial<TrainState>)) =>
    set((s) => ({ train: { ...s.train, ...(typeof p === 'function' ? p(s.train) : p) } }));
  const patchPlan = (job: number, p: Partial<TrainState['plan']>) =>
    patchTrain((t) => (job < t.plan.job ? {} : { plan: { ...t.plan, ...p, job } }));
  return {
    train: {
      settings: { ...kDefaultSettings },
      state: 'idle',
      message: '',
      failure: null,
      info: null,
      last: null,
      step: 0,
      totalSteps: 0,
      lastCheckpoint: 0,
      lastEval: null,
      saved: null,
      points: [],
      notes: [],
      bestStep: null,
      watch: null,
      plan: { job: 0, value: null, settings: null, message: '' },
    },
    setTrainSettings: (p) => patchTrain((t) => ({ settings: { ...t.settings, ...p } })),
    resetTrainSettings: () => patchTrain({ settings: { ...kDefaultSettings } }),
    planRequested: (job) => patchPlan(job, { message: '' }),
    planReady: (job, value, settings) => patchPlan(job, { value, settings, message: '' }),
    planFailed: (job, message) => patchPlan(job, { value: null, settings: null, message }),
    runPreparing: (message) => patchTrain({ state: 'loading', message, failure: null }),
    runStarted: (info, history, settings) =>
      patchTrain({
        settings,
        state: 'running',
        message: '',
        failure: null,
        info,
        step: info.resumedFrom,
        totalSteps: info.totalSteps,
        last: null,
        lastEval: null,
        lastCheckpoint: info.resumedFrom,
        saved: null,
        notes: [],
        bestStep: null,
        watch: null,
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
    runInfo: (e) => {
      const step = e.step ?? 0;
      if (e.topic === 'best') patchTrain({ bestStep: step });
      else if (e.topic) patchTrain({ watch: { topic: e.topic, step, message: e.message } });
    },
    runCheckpoint: (lastCheckpoint) => patchTrain({ lastCheckpoint }),
    runEnded: (reason, step, message, failure = null) =>
      patchTrain((t) => ({
        state: reason === 'done' ? 'done' : reason,
        step: Math.max(step, t.step),
        message,
        failure: reason === 'error' ? failure : null,
      })),
    runResumed: () => patchTrain({ state: 'running', message: '', failure: null }),
    setSavedRun: (saved) => patchTrain({ saved }),
  };
};
