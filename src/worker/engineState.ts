// The engine worker's state (the engine on this tab's GPU, the loaded model, the current run) and
// what every part of the worker shares: posting events, getting the engine, and ending a run when
// the GPU fails (device lost, out of memory) with a typed failure that says what to change. After a
// device loss the next request opens a new device: the studio resumes without a page reload.
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
import type { EngineEvent, ModelSpec, SavedRun, TemplateChoice } from './engineProtocol.ts';
import type { ExampleSet } from '../data/exampleset.ts';

export interface Loaded {
  spec: ModelSpec;
  model: LoadedModel;
}

export interface Run {
  training: TrainingRun;
  /** The tokenized dataset the run trains on (kept for checkpoints in IndexedDB). */
  examples: ExampleSet;
  datasetName: string;
  template: TemplateChoice;
  date: string;
  history: SavedRun['history'];
  running: boolean;
  /** Set when the GPU failed mid-run: later checkpoints could hold garbage, so none is saved. */
  failed: boolean;
  lastLoss: number | null;
  lastEval: number | null;
  elapsed: number;
}

export const st: {
  engine: Promise<Engine | null> | null;
  loaded: Loaded | null;
  run: Run | null;
  generating: number;
  /** The last device loss, until a new device is open. */
  lost: string | null;
  /** Called after a device loss (the worker announces the saved run to resume). */
  onLost: (() => void) | null;
} = { engine: null, loaded: null, run: null, generating: 0, lost: null, onLost: null };

export const send = (msg: EngineEvent, transfer: Transferable[] = []) =>
  postMessage(msg, { transfer });

/** The engine on this tab's GPU (opened once; again after a device loss). */
export function engine(): Promise<Engine | null> {
  st.engine ??= (async () => {
    try {
      const acquired = await acquireDevice(self.navigator.gpu);
      const e = await Engine.open(acquired, { tuneStore: idbTuneStore });
      void e.device.lost.then((l) => {
        if (l.reason === 'destroyed' && st.lost === null) return;
        onDeviceLost(`the GPU device was lost (${l.reason}: ${l.message})`);
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
      st.lost = null;
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

function onDeviceLost(what: string) {
  st.lost = what;
  // Everything on the old device is gone: forget it, so the next request opens a new one. The
  // model must be loaded again; the run resumes from its last checkpoint in IndexedDB.
  st.engine = null;
  st.loaded = null;
  onFatal(toFailure(new EngineError('device-lost', what)));
  st.onLost?.();
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
