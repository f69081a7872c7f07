// Training in the engine worker: the tokenized dataset comes from the dataset worker (checked to be
// this model's tokenization), the engine trains it and streams its events as they are, pause /
// continue / stop, and a checkpoint (with the tokenized dataset and the metrics so far) goes into
// IndexedDB every N steps, at pause and at stop, so that a reloaded tab resumes the same run.
import { tokenizationFingerprint, trainableExamples } from '../data/index.ts';
import { EngineError, toFailure, type TrainEvent } from '../engine/index.ts';
import { loadRun, saveRun, type StoredRun } from './engineStore.ts';
import { needEngine, send, st, type Run } from './engineState.ts';
import type { ExampleSet, SavedRun, TemplateChoice, TrainSettings } from './engineProtocol.ts';

async function persist(run: Run, checkpoint: Uint8Array, step: number) {
  const loaded = st.loaded;
  if (run.failed || !loaded) return;
  await saveRun({
    run: {
      step,
      totalSteps: run.training.info.totalSteps,
      savedAt: Date.now(),
      modelName: loaded.model.info.name,
      modelKind: loaded.spec.kind,
      datasetName: run.datasetName,
      settings: run.training.settings,
      history: run.history.filter((h) => h.step <= step),
    },
    checkpoint,
    examples: run.examples,
    template: run.template,
    date: run.date,
  });
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

export async function startRun(
  settings: TrainSettings,
  examples: ExampleSet,
  datasetName: string,
  template: TemplateChoice,
  date: string,
  resume: StoredRun | null,
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
  const history: SavedRun['history'] = resume ? [...resume.run.history] : [];
  // The run object exists before the trainer so that checkpoints written during creation land.
  const run = {
    examples,
    datasetName,
    template,
    date,
    history,
    running: false,
    failed: false,
    lastLoss: null,
    lastEval: null,
    elapsed: 0,
  } as Omit<Run, 'training'> as Run;
  run.training = await engine.train(loaded.model, {
    examples: trainableExamples(examples),
    settings,
    resumeFrom: resume?.checkpoint,
    onEvent: (e) => {
      recordEvent(run, e);
      send({ kind: 'run-event', event: e });
    },
    onCheckpoint: (bytes, step) => persist(run, bytes, step),
  });
  st.run = run;
  send({
    kind: 'run-started',
    settings: run.training.settings,
    history,
    info: run.training.info,
  });
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

export async function resumeSaved() {
  const rec = await loadRun();
  if (!rec) throw new EngineError('bad-input', 'there is no saved run to resume');
  const loaded = st.loaded;
  if (!loaded) {
    throw new EngineError('bad-input', `load the model first (${rec.run.modelName}), then resume`);
  }
  if (loaded.model.info.name !== rec.run.modelName) {
    throw new EngineError(
      'bad-input',
      `this run was trained on ${rec.run.modelName}, but ${loaded.model.info.name} is loaded: load that model, then resume`,
    );
  }
  await startRun(rec.run.settings, rec.examples, rec.run.datasetName, rec.template, rec.date, rec);
}
