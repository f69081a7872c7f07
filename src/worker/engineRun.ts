// Training in the engine worker: tokenize the dataset with the loaded model's tokenizer, create
// the trainer, stream its events, pause / continue / stop, and save a checkpoint (with the dataset
// and the metrics so far) into IndexedDB every N steps, at pause and at stop, so that a reloaded
// tab can resume the same run.
import type { TrainEvent } from '../train/events.ts';
import type { TrainHyperInput } from '../train/config.ts';
import { createTrainer, type Trainer } from '../train/trainer.ts';
import { prepareData, templateFor } from './engineData.ts';
import { datasetInputOf, datasetRecord, loadRun, saveRun, type StoredRun } from './engineStore.ts';
import { errorText, kWhatToChange, needGpu, send, st, type Run } from './engineState.ts';
import type { DatasetInput, SavedRun, TemplateChoice, TrainSettings } from './engineProtocol.ts';

function hyperOf(s: TrainSettings): TrainHyperInput {
  return {
    lora: { r: s.r, alpha: s.alpha, dropout: s.dropout, targets: s.targets, useRslora: false },
    lr: s.lr,
    scheduler: s.scheduler,
    warmupRatio: s.warmupRatio,
    batchSize: s.microBatch,
    gradAccum: Math.max(1, Math.round(s.effectiveBatch / s.microBatch)),
    epochs: s.epochs,
    maxSteps: s.maxSteps > 0 ? s.maxSteps : undefined,
    maxLength: s.maxLength,
    packing: s.packing,
    evalSplit: s.evalSplit,
    evalEvery: s.evalEvery,
    checkpointEvery: s.checkpointEvery,
    logEvery: 1,
    seed: s.seed,
  };
}

async function persist(run: Run, checkpoint: Uint8Array, step: number) {
  const loaded = st.loaded!;
  if (run.failed) return;
  await saveRun({
    run: {
      step,
      totalSteps: run.trainer.totalSteps,
      savedAt: Date.now(),
      modelName: loaded.model.name,
      modelKind: loaded.spec.kind,
      datasetName: run.datasetName,
      settings: run.settings,
      history: run.history.filter((h) => h.step <= step),
    },
    checkpoint,
    dataset: run.dataset,
    template: run.template,
    date: run.date,
  });
}

export async function startRun(
  settings: TrainSettings,
  dataset: DatasetInput,
  template: TemplateChoice,
  date: string,
  resume: StoredRun | null,
) {
  const loaded = st.loaded;
  if (!loaded) throw new Error('load a model first (Model step)');
  if (st.run?.running) throw new Error('a run is already going');
  const ctx = await needGpu();
  send({ kind: 'run-preparing', message: 'Tokenizing the dataset with the model’s tokenizer…' });
  const chat = templateFor(loaded.tokenizer, template, date);
  const data = await prepareData(dataset, loaded.tokenizer, chat, settings.maxLength);
  if (data.examples.length === 0) {
    throw new Error(
      `no trainable example in ${data.name} (${data.excluded.length} excluded, ${data.errorLines} bad lines)`,
    );
  }
  send({ kind: 'run-preparing', message: 'Building the GPU pipelines and buffers…' });
  st.run?.trainer.destroy();
  st.run = null;
  const history: SavedRun['history'] = resume ? [...resume.run.history] : [];
  const run: Run = {
    trainer: null as unknown as Trainer,
    settings,
    dataset: datasetRecord(dataset),
    datasetName: data.name,
    template,
    date,
    history,
    running: false,
    failed: false,
    lastLoss: null,
    lastEval: null,
    elapsed: 0,
  };
  const onEvent = (e: TrainEvent) => {
    if (e.kind === 'step') {
      run.lastLoss = e.loss ?? run.lastLoss;
      run.elapsed = e.elapsedSeconds;
      history.push({ step: e.step, loss: e.loss, lr: e.lr });
      send({
        kind: 'run-step',
        metrics: {
          step: e.step,
          totalSteps: e.totalSteps,
          epoch: e.epoch,
          loss: e.loss,
          lr: e.lr,
          gradNorm: e.gradNorm,
          tokensPerSecond: e.tokensPerSecond,
          elapsedSeconds: e.elapsedSeconds,
          etaSeconds: e.etaSeconds,
          memoryBytes: e.memory.totalCurrent,
          memoryPeakBytes: e.memory.totalPeak,
        },
      });
    } else if (e.kind === 'eval') {
      run.lastEval = e.evalLoss;
      const h = history.find((x) => x.step === e.step);
      if (h) h.evalLoss = e.evalLoss;
      send({ kind: 'run-eval', step: e.step, evalLoss: e.evalLoss });
    } else if (e.kind === 'skipped') {
      send({ kind: 'run-info', message: `Step ${e.step}: ${e.reason}` });
    } else if (e.kind === 'info') {
      send({ kind: 'run-info', message: e.message });
    } else if (e.kind === 'checkpoint') {
      send({ kind: 'run-checkpoint', step: e.step, bytes: e.bytes });
    }
  };
  ctx.device.pushErrorScope('out-of-memory');
  const created = await createTrainer(ctx, {
    model: loaded.model,
    train: data.examples,
    hyper: hyperOf(settings),
    resumeFrom: resume?.checkpoint,
    baseModelName: loaded.model.name,
    onEvent,
    onCheckpoint: (bytes, step) => persist(run, bytes, step),
  }).catch((e: unknown) => e as Error);
  const oom = await ctx.device.popErrorScope();
  if (oom) {
    if (!(created instanceof Error)) created.destroy();
    throw new Error(
      `the GPU ran out of memory while allocating the run (${oom.message}). ${kWhatToChange}`,
    );
  }
  if (created instanceof Error) throw created;
  const trainer: Trainer = created;
  run.trainer = trainer;
  st.run = run;
  send({
    kind: 'run-started',
    settings,
    history,
    info: {
      totalSteps: trainer.totalSteps,
      seqLen: trainer.seqLen,
      trainExamples: trainer.trainExamples,
      evalExamples: trainer.evalExamples,
      excluded: data.excluded.length,
      realTokenRatio: trainer.realTokenRatio,
      loraParams: trainer.plan.loraParams,
      plannedBytes: trainer.plan.total,
      gradAccum: trainer.hyper.gradAccum,
      resumedFrom: resume ? resume.run.step : 0,
    },
  });
  await runLoop(run);
}

export async function runLoop(run: Run) {
  run.running = true;
  try {
    const r = await run.trainer.run();
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
      await persist(run, await run.trainer.checkpoint(), r.step);
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
    const what = st.lost ?? errorText(e);
    send({
      kind: 'run-ended',
      reason: 'error',
      step: run.trainer.step,
      message: `Training stopped: ${what}. The last checkpoint is kept. ${kWhatToChange}`,
    });
  }
}

export async function stopRun() {
  const run = st.run;
  if (!run) return;
  if (run.running) {
    run.trainer.stop();
    return;
  }
  // Paused: save a checkpoint and end the run here.
  const step = run.trainer.step;
  await persist(run, await run.trainer.checkpoint(), step);
  send({
    kind: 'run-ended',
    reason: 'stopped',
    step,
    message: `Stopped at step ${step}; the checkpoint is saved.`,
  });
}

export async function resumeSaved() {
  const rec = await loadRun();
  if (!rec) throw new Error('there is no saved run to resume');
  const loaded = st.loaded;
  if (!loaded) throw new Error(`load the model first (${rec.run.modelName}), then resume`);
  if (loaded.model.name !== rec.run.modelName) {
    throw new Error(
      `this run was trained on ${rec.run.modelName}, but ${loaded.model.name} is loaded: load that model, then resume`,
    );
  }
  await startRun(rec.run.settings, datasetInputOf(rec.dataset), rec.template, rec.date, rec);
}
