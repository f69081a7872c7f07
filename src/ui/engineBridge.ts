// The engine worker's event dispatcher and the engine requests of the Model, Train, Try and Export
// steps (a module, not a component), top of the engine side: it turns the worker's events into
// store actions from outside React (the export jobs' events go on to exportJobs.ts), and batches
// training steps into one store update per animation frame. What the user picked comes from the
// store (the model source and files, the dataset source): nothing is learned from DOM events. When a
// model is loaded, its own tokenizer goes to the dataset worker, which re-tokenizes the dataset with
// it, so Start trains exactly the tokens the preview shows; Start takes that tokenized dataset from
// the dataset worker and hands it to the engine worker without a copy. `startEngine` (called by App
// at the studio's start) connects this dispatcher; the workers themselves live in the *Channel.ts files.
import type { EngineEvent, ModelSpec, StepEvent, TrainEvent } from '../worker/engineProtocol.ts';
import { modelFolderName, useStudio } from './store/index.ts';
import { takeExamples, tokenizeWithModel } from './datasetChannel.ts';
import { connectEngineEvents, exampleSetTransfer, newJob, post, usable } from './engineChannel.ts';
import { faultsSet } from './faultHook.ts';
import { exportEvent } from './export-step/exportJobs.ts';

// Steps and evals arrive many per second on a fast GPU: buffer them, flush once per frame.
let pendingSteps: StepEvent[] = [];
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

function handleRunEvent(event: TrainEvent): void {
  const s = useStudio.getState();
  switch (event.kind) {
    case 'step':
      pendingSteps.push(event);
      return schedule();
    case 'eval':
      pendingEvals.push({ step: event.step, evalLoss: event.evalLoss });
      return schedule();
    case 'skipped':
      return s.runNote(`Step ${event.step} skipped: ${event.reason}`);
    case 'info':
      // The watch's events go to the chart (best eval loss) and its notice, not the notes.
      if (!event.topic) return s.runNote(event.message);
      flush(); // the best-eval marker needs its eval point in the store
      return s.runInfo(event);
    case 'checkpoint':
      return s.runCheckpoint(event.step);
    case 'done':
      return flush();
    default: {
      const never: never = event;
      throw new Error(`unknown training event ${JSON.stringify(never)}`);
    }
  }
}

function handle(msg: EngineEvent): void {
  const s = useStudio.getState();
  switch (msg.kind) {
    case 'device':
      return s.deviceReady(msg.device);
    case 'device-unavailable':
      return s.deviceUnavailable(msg.failure);
    case 'saved-run':
      return s.setSavedRun(msg.run);
    case 'estimate':
      return s.estimateReady(msg.job, msg.estimate);
    case 'estimate-failed':
      return s.estimateFailed(msg.job, msg.failure);
    case 'model-progress':
      return s.modelLoading(msg.job, msg.progress);
    case 'model-ready': {
      if (msg.job < s.engine.model.job) return;
      const { name, fingerprint } = msg.tokenizer;
      s.modelReady(msg.job, msg.info, msg.template, { name, fingerprint });
      // The preview re-tokenizes with the model's own tokenizer (and says so while it does).
      return tokenizeWithModel(msg.tokenizer);
    }
    case 'model-failed':
      return s.modelFailed(msg.job, msg.failure);
    case 'run-preparing':
      return s.runPreparing(msg.message);
    case 'run-started':
      pendingSteps = [];
      pendingEvals = [];
      return s.runStarted(msg.info, msg.history, msg.settings);
    case 'run-event':
      return handleRunEvent(msg.event);
    case 'run-ended':
      flush();
      return s.runEnded(msg.reason, msg.step, msg.message, msg.failure ?? null);
    case 'generate-token':
      return s.generateText(msg.job, msg.which, msg.text);
    case 'generate-done':
      return s.generateDone(msg.job, msg.message);
    case 'generate-failed':
      return s.generateFailed(msg.job, msg.failure);
    case 'set-row':
      return s.setRowText(msg.job, msg.line, msg.which, msg.text, msg.answer);
    case 'set-row-skipped':
      return s.setRowSkipped(msg.job, msg.line, msg.reason);
    case 'set-done':
      return s.setDone(msg.job, msg.summary, msg.cancelled, msg.message);
    case 'set-failed':
      return s.setFailed(msg.job, msg.failure);
    case 'token-losses':
      return s.lossReady(msg.job, msg.base, msg.tuned);
    case 'token-losses-failed':
      return s.lossFailed(msg.job, msg.failure);
    case 'example-losses-progress':
      return s.exampleLossProgress(msg.job, msg.done, msg.total);
    case 'example-losses':
      return s.exampleLossReady(
        msg.job,
        msg.lines,
        msg.base,
        msg.tuned,
        msg.tuned ? s.train.step : null,
      );
    case 'example-losses-cancelled':
      return s.exampleLossCancelled(msg.job);
    case 'example-losses-failed':
      return s.exampleLossFailed(msg.job, msg.failure);
    case 'export-ready':
      return s.exportReady(msg.files, s.train.step, msg.which);
    case 'export-failed':
      return s.exportFailed(msg.failure);
    case 'faults-set':
      return faultsSet(msg);
    case 'export-measured':
    case 'export-measure-failed':
    case 'export-progress':
    case 'export-written':
    case 'export-write-failed':
    case 'export-cancelled':
      return exportEvent(msg);
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
  const files = s.engine.modelFiles;
  if (files.length === 0) return null;
  return { kind: 'files', name: modelFolderName(files), files };
}

/** Memory estimate for the current spec and settings (reads config.json only). */
export function requestEstimate(): void {
  const spec = currentSpec();
  if (!spec || (spec.kind === 'hub' && !spec.id)) return;
  const job = newJob();
  const s = useStudio.getState();
  s.estimateLoading(job);
  post({ kind: 'estimate', job, model: spec, settings: s.train.settings });
}

export function loadModel(): void {
  const spec = currentSpec();
  const s = useStudio.getState();
  const job = newJob();
  if (!spec) {
    s.modelFailed(job, {
      kind: 'bad-input',
      message: 'No model files were picked.',
      hint: 'Choose the model folder (config.json, the safetensors and the tokenizer files).',
    });
    return;
  }
  s.modelLoading(job, null);
  post({ kind: 'load-model', job, model: spec, template: s.model.template, date: s.model.date });
}

const kModelFile = /(^|\/)(config\.json|.*\.safetensors|model\.safetensors\.index\.json)$/;

/** True when a picked file list holds model weights (not just tokenizer files). */
export function hasModelWeights(files: readonly File[]): boolean {
  return files.some((f) => kModelFile.test(f.webkitRelativePath || f.name));
}

/** A local model folder's files, as the user picked them: the source for Load model. */
export function pickModelFiles(files: File[]): void {
  const s = useStudio.getState();
  s.setModelFiles(files);
  s.setEngineSource('files');
}

export async function startTraining(): Promise<void> {
  const s = useStudio.getState();
  s.runPreparing('Taking the tokenized dataset…');
  try {
    const { name, examples, curation } = await takeExamples();
    const now = useStudio.getState();
    post(
      {
        kind: 'train-start',
        examples,
        curation,
        datasetName: name || now.dataset.name,
        datasetReading: now.dataset.reading?.card || undefined,
        settings: now.train.settings,
        template: now.model.template,
        date: now.model.date,
      },
      exampleSetTransfer(examples),
    );
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    useStudio.getState().runEnded('error', 0, message, {
      kind: 'bad-input',
      message: `The tokenized dataset could not be taken for training: ${message}`,
      hint: 'Load the dataset again in the Dataset step, wait for tokenizing to finish, then Start.',
    });
  }
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
  const job = newJob();
  s.generateStarted(job);
  post({
    kind: 'generate',
    job,
    prompt: s.tryout.prompt,
    sampling: s.tryout.sampling,
    which: usable(s.tryout.which),
  });
}

export function buildExport(): void {
  const s = useStudio.getState();
  s.exportBuilding();
  post({
    kind: 'export',
    datasetName: s.dataset.name || s.train.saved?.datasetName || '',
    datasetExamples: s.dataset.summary?.validExamples ?? 0,
    which: usable(s.exported.which),
  });
}

let started = false;
/** The engine side's start (App mounts it beside the dataset side's): connects the engine
 * worker's events to the store, starts the worker (device probe, saved-run check) and the memory
 * re-estimates. */
export function startEngine(): void {
  if (started) return;
  started = true;
  connectEngineEvents(handle);
  post({ kind: 'probe' });
  // Re-estimate when the model source or a size that decides memory changes (debounced).
  let timer: ReturnType<typeof setTimeout> | undefined;
  useStudio.subscribe((state, prev) => {
    const a = state.train.settings;
    const b = prev.train.settings;
    const srcChanged =
      state.engine.source !== prev.engine.source ||
      state.engine.modelFiles !== prev.engine.modelFiles ||
      state.model.hubId !== prev.model.hubId;
    if (
      !srcChanged &&
      a.maxLength === b.maxLength &&
      a.microBatch === b.microBatch &&
      a.r === b.r &&
      a.targets === b.targets &&
      a.dropout === b.dropout &&
      a.gradientCheckpointing === b.gradientCheckpointing
    ) {
      return;
    }
    clearTimeout(timer);
    timer = setTimeout(requestEstimate, 400);
  });
}
