// The engine worker's state (device, loaded model, current run) and the helpers every part of the
// worker shares: posting events, getting the GPU, and stopping a run when the GPU fails (device
// lost, out of memory) with a message that says what happened and what to change.
import { Autotuner } from '../gpu/autotune.ts';
import { acquireDevice } from '../gpu/device.ts';
import { kernelTuneKey } from '../kernels/tune.ts';
import type { GpuContext } from '../gpu/context.ts';
import type { Tokenizer } from '../data/tokenizer.ts';
import type { DeviceModel } from '../model/layers/load.ts';
import { contextFor } from '../train/context.ts';
import type { Trainer } from '../train/trainer.ts';
import { idbTuneStore, type StoredRun } from './engineStore.ts';
import type {
  DeviceSummary,
  EngineEvent,
  ModelSpec,
  SavedRun,
  TemplateChoice,
  TrainSettings,
} from './engineProtocol.ts';

export interface Loaded {
  spec: ModelSpec;
  model: DeviceModel;
  tokenizer: Tokenizer;
  demo: boolean;
}

export interface Run {
  trainer: Trainer;
  settings: TrainSettings;
  dataset: StoredRun['dataset'];
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
  device: GPUDevice | null;
  ctx: GpuContext | null;
  summary: DeviceSummary | null;
  devicePromise: Promise<GpuContext | null> | null;
  loaded: Loaded | null;
  run: Run | null;
  generating: number;
  lost: string | null;
} = {
  device: null,
  ctx: null,
  summary: null,
  devicePromise: null,
  loaded: null,
  run: null,
  generating: 0,
  lost: null,
};

export const send = (msg: EngineEvent) => postMessage(msg);
export const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

export function gpu(): Promise<GpuContext | null> {
  st.devicePromise ??= (async () => {
    try {
      const { device, info } = await acquireDevice((self.navigator as Navigator).gpu);
      st.device = device;
      st.ctx = contextFor(device);
      st.ctx.tuning = new Autotuner(kernelTuneKey(st.ctx), idbTuneStore);
      await st.ctx.tuning.load();
      st.summary = {
        description: info.description || [info.vendor, info.architecture].filter(Boolean).join(' '),
        vendor: info.vendor,
        architecture: info.architecture,
        features: info.features,
        maxBufferSize: info.maxBufferSize,
        maxStorageBufferBindingSize: info.maxStorageBufferBindingSize,
      };
      device.lost.then((l) => onDeviceLost(`the GPU device was lost (${l.reason}: ${l.message})`));
      device.onuncapturederror = (ev) => {
        const err = (ev as GPUUncapturedErrorEvent).error;
        if (err instanceof GPUOutOfMemoryError)
          onFatal(`the GPU ran out of memory (${err.message})`);
        else console.error('[engine] GPU error:', err.message);
      };
      send({ kind: 'device', device: st.summary });
      return st.ctx;
    } catch (e) {
      send({ kind: 'device-unavailable', message: errorText(e) });
      return null;
    }
  })();
  return st.devicePromise;
}

export async function needGpu(): Promise<GpuContext> {
  const ctx = await gpu();
  if (!ctx)
    throw new Error('WebGPU is not available in this browser, so the model cannot be loaded.');
  if (st.lost) throw new Error(`${st.lost}; reload the page to get a new device.`);
  return ctx;
}

export const kWhatToChange =
  'Lower the max length or the micro-batch (or use a smaller model), then reload and resume.';

function onDeviceLost(what: string) {
  st.lost = what;
  onFatal(what);
}

function onFatal(what: string) {
  const run = st.run;
  if (!run?.running) return;
  const step = run.trainer.step;
  run.failed = true;
  run.trainer.stop();
  run.running = false;
  send({
    kind: 'run-ended',
    reason: 'error',
    step,
    message: `Training stopped: ${what}. The last checkpoint is kept. ${kWhatToChange}`,
  });
}
