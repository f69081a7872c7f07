// The engine worker's state (the engine on this tab's GPU, the loaded model, the current run) and
// what every part of the worker shares: posting events, getting the engine, and ending a run when
// the GPU fails (device lost, out of memory) with a typed failure that says what to change. After a
// device loss everything on the old device is forgotten and engineRecovery.ts opens a new one,
// loads the model again and resumes the run: no page reload.
import {
  Engine,
  EngineError,
  toFailure,
  type EngineFailure,
  type LoadedModel,
  type TrainingRun,
} from '../engine/index.ts';
import { acquireDevice } from '../gpu/device.ts';
import { idbTuneStore } from './engineStore.ts';
import type { RunRecord } from './checkpointSlots.ts';
import type {
  CurationRecord,
  EngineEvent,
  ModelSpec,
  SavedRun,
  TemplateChoice,
} from './engineProtocol.ts';
import type { FaultPlan } from '../engine/index.ts';
import type { ExampleSet } from '../data/exampleset.ts';

export interface Loaded {
  spec: ModelSpec;
  model: LoadedModel;
  /** How it was loaded (the template and date of its load request, the UI's job number): what
   * loading it again on a new device after a device loss needs. */
  template: TemplateChoice;
  date: string;
  job: number;
}

export interface Run {
  training: TrainingRun;
  /** The tokenized dataset the run trains on (kept for checkpoints in IndexedDB). */
  examples: ExampleSet;
  /** The run's record in IndexedDB (its id and the dataset's digest), written with checkpoints. */
  stored: RunRecord;
  datasetName: string;
  /** How the dataset's rows were read (column mapping, recognised schemas), for the model card. */
  datasetReading?: string;
  /** What the Dataset step's curation dropped, edited and added (for the model card). */
  curation?: CurationRecord;
  template: TemplateChoice;
  date: string;
  history: SavedRun['history'];
  running: boolean;
  /** Set when the GPU failed mid-run: later checkpoints could hold garbage, so none is saved. */
  failed: boolean;
  lastLoss: number | null;
  lastEval: number | null;
  elapsed: number;
  /** The step of the last checkpoint this run saved (0: none yet). */
  lastSaved: number;
}

/** What a device loss took: the model to load again, and whether a run should go on. */
export interface DeviceLoss {
  failure: EngineFailure;
  /** The model that was loaded on the lost device (loaded again on the new one). */
  model: Loaded | null;
  /** True when a run was training and had saved a checkpoint since it (re)started: it resumes by
   * itself from that checkpoint. A run lost again before saving anything new is not resumed
   * again by itself (a GPU that keeps failing would loop); the Train step offers it instead. */
  resume: boolean;
}

export const st: {
  engine: Promise<Engine | null> | null;
  /** The open engine once `engine` resolved (null while none is, and after its device is lost). */
  current: Engine | null;
  loaded: Loaded | null;
  run: Run | null;
  generating: number;
  /** Called after a device loss (the worker opens a new device, loads the model, resumes). */
  onLost: ((loss: DeviceLoss) => void) | null;
  /** The fault-injection plan for the next started run (set through the `set-faults` request). */
  faults: FaultPlan | null;
} = {
  engine: null,
  current: null,
  loaded: null,
  run: null,
  generating: 0,
  onLost: null,
  faults: null,
};

/** How long a running run gets to report a device loss itself (with its step) before the
 * device's own `lost` promise reports it. */
const kRunLossGraceMs = 1000;

export const send = (msg: EngineEvent, transfer: Transferable[] = []) =>
  postMessage(msg, { transfer });

/** The engine on this tab's GPU (opened once; again after a device loss). */
export function engine(): Promise<Engine | null> {
  st.engine ??= (async () => {
    try {
      const acquired = await acquireDevice(self.navigator.gpu);
      const e = await Engine.open(acquired, { tuneStore: idbTuneStore });
      // Nothing in the studio destroys its device on purpose: every loss, 'destroyed' included
      // (the fault hook's), is one. A training run fails with its own 'device-lost' error, which
      // names the step (runLoop reports that one); a loss outside a run, or a run that does not
      // fail within a second, is reported from here. Either way it is handled once per device.
      void e.device.lost.then((l) => {
        if (st.current !== e) return;
        const why = `${l.reason}: ${l.message.replace(/\.$/, '') || 'no message'}`;
        const report = () => {
          if (st.current !== e) return;
          deviceLost(toFailure(new EngineError('device-lost', `the GPU device was lost (${why})`)));
        };
        if (st.run?.running) setTimeout(report, kRunLossGraceMs);
        else report();
      });
      e.device.onuncapturederror = (ev) => {
        const err = ev.error;
        if (err instanceof GPUOutOfMemoryError) {
          onFatal(
            toFailure(
              new EngineError('out-of-memory', `the GPU ran out of memory (${err.message})`),
            ),
          );
        } else console.error('[engine] GPU error:', err.message);
      };
      st.current = e;
      send({ kind: 'device', device: e.info });
      return e;
    } catch (err) {
      send({ kind: 'device-unavailable', failure: toFailure(err) });
      return null;
    }
  })();
  return st.engine;
}

export async function needEngine(): Promise<Engine> {
  const e = await engine();
  if (!e) {
    throw new EngineError(
      'webgpu-unavailable',
      'WebGPU is not available in this browser, so the model cannot be loaded',
    );
  }
  return e;
}

/**
 * Everything on the lost device is gone: forget the engine (the next request opens a new device),
 * the model and the run (their buffers were on it), end a running run with the failure, and hand
 * what was lost to the worker, which recovers without a page reload. The run's checkpoints are in
 * IndexedDB, untouched.
 */
export function deviceLost(failure: EngineFailure, runFailedOfIt = false) {
  if (!st.current) return; // this loss was handled already
  const run = st.run;
  const wasTraining = !!run && (run.running || runFailedOfIt);
  const resume = !!run && wasTraining && run.lastSaved > run.training.info.resumedFrom;
  onFatal(failure);
  const loss: DeviceLoss = { failure, model: st.loaded, resume };
  st.current = null;
  st.engine = null;
  st.loaded = null;
  st.run = null;
  st.onLost?.(loss);
}

function onFatal(failure: EngineFailure) {
  const run = st.run;
  if (!run?.running) return;
  const step = run.training.step;
  run.failed = true;
  run.training.stop();
  run.running = false;
  send({
    kind: 'run-ended',
    reason: 'error',
    step,
    message: `Training stopped: ${failure.message}. The last checkpoint is kept.`,
    failure,
  });
}

/** What the open engine holds on the GPU: pipelines compiled, buffers alive (and made so far), and
 * the tracked device memory by category. Null before a device is open. */
export function engineStats() {
  const e = st.current;
  if (!e) return null;
  return { pipelines: e.ctx.pipelineCount, buffers: { ...e.ctx.buffers }, memory: e.memory() };
}

// A read-only diagnostic, for the devtools console (pick the "engine" worker) and the Chromium soak
// bench (test/bench/soak-browser.ts reads it through Playwright's Worker.evaluate): it changes
// nothing, so it is always there.
(globalThis as unknown as { __sftStudioEngineStats?: typeof engineStats }).__sftStudioEngineStats =
  engineStats;
