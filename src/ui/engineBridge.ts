// The bridge between the React UI and the engine worker (a module, not a component): it starts
// the worker, turns its events into store actions from outside React, batches training steps
// into one store update per animation frame, and keeps what may not live in the store (the
// model File objects, the dataset File) here.
//
// The dataset worker's bridge does not expose the File or sample URL it was given, so this module
// notices them itself: a capture-phase listener sees the `dataset-input` / drop zone files and the
// `model-input` files before React's handlers do, and a sample is recognised by its title.
import type {
  DatasetInput,
  EngineEvent,
  EngineRequest,
  MemoryKnobs,
  ModelSpec,
  StepMetrics,
} from '../worker/engineProtocol.ts';
import { kSamples, sampleUrl } from './dataset-step/samples.ts';
import { useStudio } from './store/index.ts';

let worker: Worker | null = null;
let nextJob = 1;
let modelFiles: File[] = [];
let capturedDataset: File | null = null;

function getWorker(): Worker {
  if (worker) return worker;
  worker = new Worker(new URL('../worker/engine.worker.ts', import.meta.url), {
    type: 'module',
    name: 'engine',
  });
  worker.onmessage = (e: MessageEvent<EngineEvent>) => handle(e.data);
  worker.onerror = (e) => {
    const s = useStudio.getState();
    const message = `The engine worker crashed: ${e.message || 'unknown error'}`;
    if (s.train.state === 'running' || s.train.state === 'loading') {
      s.runEnded('error', s.train.step, message);
    }
    s.modelFailed(s.engine.model.job, message);
  };
  return worker;
}

function post(msg: EngineRequest): void {
  getWorker().postMessage(msg);
}

// Steps and evals arrive many per second on a fast GPU: buffer them, flush once per frame.
let pendingSteps: StepMetrics[] = [];
let pendingEvals: { step: number; evalLoss: number }[] = [];
let frame = 0;
function flush() {
  frame = 0;
  const s = useStudio.getState();
  if (pendingSteps.length) s.runSteps(pendingSteps);
  for (const e of pendingEvals) s.runEval(e.step, e.evalLoss);
  pendingSteps = [];
  pendingEvals = [];
}
function schedule() {
  if (frame) return;
  // rAF does not fire in a hidden tab; a timeout keeps the numbers current there.
  frame =
    typeof document !== 'undefined' && document.hidden
      ? (setTimeout(flush, 250) as unknown as number)
      : requestAnimationFrame(flush);
}

function handle(msg: EngineEvent): void {
  const s = useStudio.getState();
  switch (msg.kind) {
    case 'device':
      return s.deviceReady(msg.device);
    case 'device-unavailable':
      return s.deviceUnavailable(msg.message);
    case 'saved-run':
      return s.setSavedRun(msg.run);
    case 'estimate':
      return s.estimateReady(msg.job, msg.estimate);
    case 'estimate-failed':
      return s.estimateFailed(msg.job, msg.message);
    case 'model-progress':
      return s.modelLoading(msg.job, msg.message, msg.done, msg.total, msg.unit);
    case 'model-ready':
      return s.modelReady(msg.job, msg.info);
    case 'model-failed':
      return s.modelFailed(msg.job, msg.message);
    case 'run-preparing':
      return s.runPreparing(msg.message);
    case 'run-started':
      pendingSteps = [];
      pendingEvals = [];
      return s.runStarted(msg.info, msg.history, msg.settings);
    case 'run-step':
      pendingSteps.push(msg.metrics);
      return schedule();
    case 'run-eval':
      pendingEvals.push({ step: msg.step, evalLoss: msg.evalLoss });
      return schedule();
    case 'run-info':
      return s.runNote(msg.message);
    case 'run-checkpoint':
      return s.runCheckpoint(msg.step);
    case 'run-ended':
      flush();
      return s.runEnded(msg.reason, msg.step, msg.message);
    case 'generate-token':
      return s.generateText(msg.job, msg.which, msg.text);
    case 'generate-done':
      return s.generateDone(msg.job, msg.message);
    case 'generate-failed':
      return s.generateFailed(msg.job, msg.message);
    case 'export-ready':
      return s.exportReady(msg.files, s.train.step);
    case 'export-failed':
      return s.exportFailed(msg.message);
    default: {
      const never: never = msg;
      throw new Error(`unknown engine event ${JSON.stringify(never)}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// What the UI calls

/** The model spec the Load model card currently points at (null: local files not picked). */
function currentSpec(): ModelSpec | null {
  const s = useStudio.getState();
  const src = s.engine.source;
  if (src === 'demo') return { kind: 'demo' };
  if (src === 'hub')
    return { kind: 'hub', id: s.model.hubId.trim(), endpoint: s.model.endpoint.trim() };
  if (modelFiles.length === 0) return null;
  const first = modelFiles[0].webkitRelativePath;
  const name = first && first.includes('/') ? first.slice(0, first.indexOf('/')) : 'local model';
  return { kind: 'files', name, files: modelFiles };
}

export function knobsOf(): MemoryKnobs {
  const t = useStudio.getState().train.settings;
  return {
    maxLength: t.maxLength,
    microBatch: t.microBatch,
    r: t.r,
    targets: t.targets,
    dropout: t.dropout,
  };
}

/** Memory estimate for the current spec (reads config.json only). */
export function requestEstimate(): void {
  const spec = currentSpec();
  if (!spec || (spec.kind === 'hub' && !spec.id)) return;
  const job = nextJob++;
  useStudio.getState().estimateLoading(job);
  post({ kind: 'estimate', job, model: spec, knobs: knobsOf() });
}

export function loadModel(): void {
  const spec = currentSpec();
  const s = useStudio.getState();
  if (!spec) {
    s.modelFailed(nextJob++, 'Pick the model folder (or its files) first.');
    return;
  }
  const job = nextJob++;
  s.modelLoading(job, 'Starting…');
  post({ kind: 'load-model', job, model: spec, template: s.model.template, date: s.model.date });
}

function datasetInput(): DatasetInput | null {
  const d = useStudio.getState().dataset;
  if (d.status === 'empty' || d.status === 'failed') return null;
  if (capturedDataset && capturedDataset.name === d.name)
    return { kind: 'file', file: capturedDataset };
  const sample = kSamples.find((x) => x.title === d.name);
  return sample ? { kind: 'url', url: sampleUrl(sample), name: sample.title } : null;
}

export function hasDatasetInput(): boolean {
  return datasetInput() !== null;
}

export function startTraining(): void {
  const s = useStudio.getState();
  const dataset = datasetInput();
  if (!dataset) {
    s.runEnded('error', 0, 'Choose a dataset first (Dataset step).');
    return;
  }
  s.runPreparing('Starting…');
  post({
    kind: 'train-start',
    settings: s.train.settings,
    dataset,
    template: s.model.template,
    date: s.model.date,
  });
}

export function resumeSavedRun(): void {
  useStudio.getState().runPreparing('Restoring the checkpoint…');
  post({ kind: 'train-resume-saved' });
}

export function discardSavedRun(): void {
  post({ kind: 'discard-saved' });
}

export function pauseTraining(): void {
  post({ kind: 'train-pause' });
}

export function continueTraining(): void {
  useStudio.getState().runResumed();
  post({ kind: 'train-continue' });
}

export function stopTraining(): void {
  post({ kind: 'train-stop' });
}

export function generate(): void {
  const s = useStudio.getState();
  const job = nextJob++;
  s.generateStarted(job);
  post({ kind: 'generate', job, prompt: s.tryout.prompt, sampling: s.tryout.sampling });
}

export function buildExport(): void {
  const s = useStudio.getState();
  s.exportBuilding();
  post({
    kind: 'export',
    datasetName: s.dataset.name || s.train.saved?.datasetName || '',
    datasetExamples: s.dataset.summary?.validExamples ?? 0,
  });
}

/** Saves bytes or text as a file through a temporary object URL. */
export function downloadFile(name: string, data: Uint8Array | string, type: string): void {
  const blob = new Blob([data as BlobPart], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ---------------------------------------------------------------------------------------------
// Capturing the files the shell's inputs receive

const kModelFile = /(^|\/)(config\.json|.*\.safetensors|model\.safetensors\.index\.json)$/;

function onFiles(input: HTMLInputElement, files: File[]) {
  const id = input.dataset.testid;
  if (id === 'dataset-input') {
    if (files[0]) capturedDataset = files[0];
    return;
  }
  const isModelInput =
    id === 'model-input' ||
    (input.hasAttribute('webkitdirectory') && !!input.closest('.local-files'));
  if (!isModelInput) return;
  const names = files.map((f) => f.webkitRelativePath || f.name);
  if (!names.some((n) => kModelFile.test(n))) return; // tokenizer files only: preview only
  setModelFileList(files);
}

/** The files of a local model folder (from the model input or the Load model card's picker). */
export function setModelFileList(files: File[]): void {
  modelFiles = files;
  const s = useStudio.getState();
  s.setModelFiles(files.map((f) => f.webkitRelativePath || f.name));
  s.setEngineSource('files');
  requestEstimate();
}

let installed = false;
/** Starts the engine worker (device probe, saved-run check) and the file listeners. */
export function startEngine(): void {
  if (installed) return;
  installed = true;
  document.addEventListener(
    'change',
    (e) => {
      const t = e.target;
      if (t instanceof HTMLInputElement && t.type === 'file' && t.files) {
        onFiles(t, Array.from(t.files));
      }
    },
    true,
  );
  document.addEventListener(
    'drop',
    (e) => {
      const t = e.target;
      const file = e.dataTransfer?.files[0];
      if (file && t instanceof Element && t.closest('.dropzone')) capturedDataset = file;
    },
    true,
  );
  post({ kind: 'probe' });
  // Re-estimate when the sizes that decide memory change (debounced).
  let timer: ReturnType<typeof setTimeout> | undefined;
  useStudio.subscribe((state, prev) => {
    const a = state.train.settings;
    const b = prev.train.settings;
    const srcChanged =
      state.engine.source !== prev.engine.source || state.model.hubId !== prev.model.hubId;
    if (
      !srcChanged &&
      a.maxLength === b.maxLength &&
      a.microBatch === b.microBatch &&
      a.r === b.r &&
      a.targets === b.targets &&
      a.dropout === b.dropout
    ) {
      return;
    }
    clearTimeout(timer);
    timer = setTimeout(requestEstimate, 400);
  });
}
