// Training in the engine worker: the tokenized dataset comes from the dataset worker (checked to be
// this model's tokenization), the engine trains it and streams its events as they are, pause /
// continue / stop, and a checkpoint (with the tokenized dataset, the metrics so far and what the
// model card says about the data: runSnapshot.ts) goes into IndexedDB every N steps, at pause and at
// stop, so that a reloaded tab, or the worker after a device loss, resumes the same run. Each
// checkpoint is one atomic write with a SHA-256, two are kept, and a resume uses the newest whole
// one, saying when it had to fall back (checkpointSlots.ts).
import { tokenizationFingerprint, trainableExamples } from '../data/index.ts';
import {
  describeFaultPlan,
  EngineError,
  hasFaults,
  parseFaultPlan,
  toFailure,
  type TrainEvent,
} from '../engine/index.ts';
import {
  examplesDigest,
  loadResumable,
  saveCheckpoint,
  type CheckpointRecord,
  type RunRecord,
} from './checkpointSlots.ts';
import { idbRunStorage } from './engineStore.ts';
import { dataFactsOf, snapshotOf, type RunDataFacts } from './runSnapshot.ts';
import { deviceLost, needEngine, send, st, type Run } from './engineState.ts';
import type { ExampleSet, SavedRun, TemplateChoice, TrainSettings } from './engineProtocol.ts';

/** A saved run to continue: its record, the checkpoint to start from, and the notes the run
 * shows once it runs (why not a newer checkpoint, why it resumed by itself). */
export interface ResumePoint {
  run: RunRecord;
  checkpoint: CheckpointRecord;
  notes: string[];
}

/** Checkpoint write failures are named: the run stops instead of going on unsaved. */
export class CheckpointSaveError extends EngineError {
  constructor(step: number, cause: unknown) {
    const why = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(
      'bad-input',
      `the checkpoint at step ${step} could not be saved in this browser's storage (${why})`,
      "Free disk space or allow this site more storage, or raise 'Checkpoint every'; then resume from the last saved checkpoint.",
    );
    this.name = 'CheckpointSaveError';
  }
}

async function persist(run: Run, checkpoint: Uint8Array, step: number) {
  const loaded = st.loaded;
  if (run.failed || !loaded) return;
  const model = { name: loaded.model.info.name, kind: loaded.spec.kind };
  const saved = snapshotOf(run, model, step, Date.now());
  try {
    await saveCheckpoint(idbRunStorage, run.stored, step, saved, checkpoint);
  } catch (e) {
    throw new CheckpointSaveError(step, e);
  }
  run.lastSaved = Math.max(run.lastSaved, step);
}

function recordEvent(run: Run, e: TrainEvent) {
  if (e.kind === 'step') {
    run.lastLoss = e.loss ?? run.lastLoss;
    run.elapsed = e.elapsedSeconds;
    run.history.push({ step: e.step, loss: e.loss, lr: e.lr });
  } else if (e.kind === 'eval') {
    run.lastEval = e.evalLoss;
    const h = run.history.find((x) => x.step === e.step);
    if (h) h.evalLoss = e.evalLoss;
  }
}

/** Starts a run (or continues `resume`); `facts` is what its model card says about the data, set
 * before the first step so that every checkpoint carries it. */
export async function startRun(
  settings: TrainSettings,
  examples: ExampleSet,
  facts: RunDataFacts,
  template: TemplateChoice,
  date: string,
  resume: ResumePoint | null,
) {
  const loaded = st.loaded;
  if (!loaded) throw new EngineError('bad-input', 'load a model first (Model step)');
  if (st.run?.running) throw new EngineError('bad-input', 'a run is already going');
  const engine = await needEngine();
  const expected = tokenizationFingerprint({
    tokenizer: loaded.model.tok.fingerprint,
    template,
    date,
    maxLength: settings.maxLength,
  });
  if (examples.fingerprint !== expected) {
    throw new EngineError(
      'bad-input',
      "the dataset was tokenized with another tokenizer, template or max length than the loaded model's",
      'Wait until the Dataset step has re-tokenized the dataset with the loaded model, then start again.',
    );
  }
  send({ kind: 'run-preparing', message: 'Building the GPU pipelines and buffers…' });
  st.run?.training.destroy();
  st.run = null;
  const history: SavedRun['history'] = resume ? [...resume.checkpoint.run.history] : [];
  // A resumed run keeps its record (and so its checkpoints); a v3 run without digests gets one.
  const stored: RunRecord =
    resume && resume.run.examplesDigest !== null
      ? resume.run
      : {
          id: crypto.randomUUID(),
          examples,
          examplesDigest: await examplesDigest(examples),
          template,
          date,
        };
  // The run object exists before the trainer so that checkpoints written during creation land.
  const run = {
    examples,
    stored,
    ...facts,
    template,
    date,
    history,
    running: false,
    failed: false,
    lastLoss: null,
    lastEval: null,
    elapsed: 0,
    lastSaved: 0,
  } as Omit<Run, 'training'> as Run;
  // The fault-injection plan (set-faults) applies to one fresh run; a resumed run trains clean.
  const faults = resume ? undefined : (st.faults ?? undefined);
  if (!resume) st.faults = null;
  run.training = await engine.train(loaded.model, {
    examples: trainableExamples(examples),
    settings,
    resumeFrom: resume?.checkpoint.checkpoint,
    onEvent: (e) => {
      recordEvent(run, e);
      send({ kind: 'run-event', event: e });
    },
    onCheckpoint: (bytes, step) => persist(run, bytes, step),
    faults,
  });
  st.run = run;
  send({
    kind: 'run-started',
    settings: run.training.settings,
    history,
    info: run.training.info,
  });
  for (const message of resume?.notes ?? [])
    send({ kind: 'run-event', event: { kind: 'info', message } });
  await runLoop(run);
}

export async function runLoop(run: Run) {
  run.running = true;
  try {
    const r = await run.training.run();
    if (st.run !== run || !run.running) return; // a fatal error already reported the end
    run.running = false;
    if (r.done) {
      send({ kind: 'run-ended', reason: 'done', step: r.step, message: 'Training finished.' });
    } else if (r.interrupted === 'stopped') {
      send({
        kind: 'run-ended',
        reason: 'stopped',
        step: r.step,
        message: `Stopped at step ${r.step}; the checkpoint is saved.`,
      });
    } else {
      await persist(run, await run.training.checkpoint(), r.step);
      send({
        kind: 'run-ended',
        reason: 'paused',
        step: r.step,
        message: `Paused at step ${r.step}.`,
      });
    }
  } catch (e) {
    if (st.run !== run || !run.running) return;
    run.running = false;
    run.failed = true;
    const failure = toFailure(e);
    send({
      kind: 'run-ended',
      reason: 'error',
      step: run.training.step,
      message: `Training stopped: ${failure.message}. The last checkpoint is kept.`,
      failure,
    });
    if (failure.kind === 'device-lost') deviceLost(failure, true);
  }
}

export async function stopRun() {
  const run = st.run;
  if (!run) return;
  if (run.running) {
    run.training.stop();
    return;
  }
  // Paused: save a checkpoint and end the run here.
  const step = run.training.step;
  await persist(run, await run.training.checkpoint(), step);
  send({
    kind: 'run-ended',
    reason: 'stopped',
    step,
    message: `Stopped at step ${step}; the checkpoint is saved.`,
  });
}

/** The saved run a page may offer to resume (null: none, or it finished), with what is wrong. */
export async function savedRun(): Promise<SavedRun | null> {
  let r;
  try {
    r = await loadResumable(idbRunStorage);
  } catch {
    return null; // no IndexedDB (private mode): nothing was saved
  }
  if (!r) return null;
  const at = r.checkpoint?.run ?? r.newest;
  if (at.step >= at.totalSteps) return null;
  return {
    ...at,
    ...(r.warning ? { warning: r.warning } : {}),
    ...(r.problem ? { problem: r.problem } : {}),
  };
}

/** Resumes the saved run from its newest whole checkpoint; `note` says why, when not the user. */
export async function resumeSaved(note?: string) {
  const r = await loadResumable(idbRunStorage);
  if (!r) throw new EngineError('bad-input', 'there is no saved run to resume');
  if (!r.checkpoint) {
    throw new EngineError(
      'bad-input',
      r.problem ?? 'the saved run has no checkpoint',
      'Discard the saved run and start a new one (Start training); nothing was trained from scratch without you.',
    );
  }
  const at = r.checkpoint.run;
  const loaded = st.loaded;
  if (!loaded) {
    throw new EngineError('bad-input', `load the model first (${at.modelName}), then resume`);
  }
  if (loaded.model.info.name !== at.modelName) {
    throw new EngineError(
      'bad-input',
      `this run was trained on ${at.modelName}, but ${loaded.model.info.name} is loaded: load that model, then resume`,
    );
  }
  const { run, checkpoint, warning } = r;
  const notes = [note, warning].filter((n): n is string => !!n);
  await startRun(at.settings, run.examples, dataFactsOf(at), run.template, run.date, {
    run,
    checkpoint,
    notes,
  });
}

/** The fault-injection hook's plan for the next started run (the `set-faults` request). */
export function setFaults(spec: string) {
  try {
    const plan = parseFaultPlan(spec);
    st.faults = hasFaults(plan) ? plan : null;
    send({ kind: 'faults-set', plan: describeFaultPlan(plan) });
  } catch (e) {
    st.faults = null;
    send({ kind: 'faults-set', plan: '', failure: toFailure(e) });
  }
}
