// The engine worker: owns the GPUDevice (acquired through src/gpu/device.ts), loads the model,
// tokenizes the dataset with the model's tokenizer, trains with createTrainer, streams progress,
// pauses, resumes and stops, keeps a checkpoint in IndexedDB so a reloaded tab can resume,
// generates base vs tuned side by side, and exports the PEFT adapter. The UI talks to it only
// through the messages of engineProtocol.ts.
import { acquireDevice } from '../gpu/device.ts';
import type { GpuContext } from '../gpu/context.ts';
import type { Tokenizer } from '../data/tokenizer.ts';
import { loadDeviceModel, type DeviceModel } from '../model/layers/load.ts';
import type { TrainEvent } from '../train/events.ts';
import { targetModules, type TrainHyperInput } from '../train/config.ts';
import { contextFor, createTrainer, type Trainer } from '../train/trainer.ts';
import { prepareData, templateFor } from './engineData.ts';
import { modelCard, peftSnippet } from './engineExport.ts';
import { generateSideBySide } from './engineGenerate.ts';
import {
  estimateMemory,
  fmtBytes,
  modelParamCount,
  openModel,
  readModelConfig,
} from './engineModel.ts';
import {
  clearRun,
  datasetInputOf,
  datasetRecord,
  loadRun,
  saveRun,
  type StoredRun,
} from './engineStore.ts';
import type {
  DatasetInput,
  DeviceSummary,
  EngineEvent,
  EngineRequest,
  ModelSpec,
  SamplingSettings,
  SavedRun,
  TemplateChoice,
  TrainSettings,
} from './engineProtocol.ts';

interface Loaded {
  spec: ModelSpec;
  model: DeviceModel;
  tokenizer: Tokenizer;
  demo: boolean;
}

interface Run {
  trainer: Trainer;
  settings: TrainSettings;
  dataset: StoredRun['dataset'];
  datasetName: string;
  template: TemplateChoice;
  date: string;
  history: SavedRun['history'];
  running: boolean;
  lastLoss: number | null;
  lastEval: number | null;
  elapsed: number;
}

const st: {
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

const send = (msg: EngineEvent) => postMessage(msg);
const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

function gpu(): Promise<GpuContext | null> {
  st.devicePromise ??= (async () => {
    try {
      const { device, info } = await acquireDevice((self.navigator as Navigator).gpu);
      st.device = device;
      st.ctx = contextFor(device);
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

async function needGpu(): Promise<GpuContext> {
  const ctx = await gpu();
  if (!ctx)
    throw new Error('WebGPU is not available in this browser, so the model cannot be loaded.');
  if (st.lost) throw new Error(`${st.lost}; reload the page to get a new device.`);
  return ctx;
}

const kWhatToChange =
  'Lower the max length or the micro-batch (or use a smaller model), then reload and resume.';

function onDeviceLost(what: string) {
  st.lost = what;
  onFatal(what);
}

function onFatal(what: string) {
  const run = st.run;
  if (!run) return;
  const step = run.trainer.step;
  run.trainer.stop();
  run.running = false;
  send({
    kind: 'run-ended',
    reason: 'error',
    step,
    message: `Training stopped: ${what}. The last checkpoint is kept. ${kWhatToChange}`,
  });
}

// ---------------------------------------------------------------------------------------------
// Model

let latestModelJob = 0;

async function loadModel(job: number, spec: ModelSpec, template: TemplateChoice, date: string) {
  latestModelJob = job;
  const progress = (message: string, done = 0, total = 0) =>
    send({ kind: 'model-progress', job, message, done, total });
  try {
    if (st.run?.running) throw new Error('stop the training run before loading another model');
    const ctx = await needGpu();
    progress(spec.kind === 'hub' ? `Fetching ${spec.id}…` : 'Reading the model files…');
    const downloads = new Map<string, { loaded: number; total: number }>();
    const opened = await openModel(spec, (p) => {
      downloads.set(p.file, { loaded: p.loaded, total: p.total ?? p.loaded });
      let loaded = 0;
      let total = 0;
      for (const d of downloads.values()) {
        loaded += d.loaded;
        total += d.total;
      }
      const verb = p.fromCache ? 'From cache' : 'Downloading';
      progress(`${verb} ${p.file}: ${fmtBytes(p.loaded)}`, loaded, total);
    });
    if (job !== latestModelJob) return;
    if (st.loaded) {
      st.run?.trainer.destroy();
      st.run = null;
      st.loaded.model.destroy();
      st.loaded = null;
    }
    const model = await loadDeviceModel(ctx, opened.source, {
      onProgress: (p) =>
        progress(
          `Uploading weights to the GPU (${p.index}/${p.count} tensors)`,
          p.bytesDone,
          p.bytesTotal,
        ),
    });
    st.loaded = { spec, model, tokenizer: opened.tokenizer, demo: opened.demo };
    const cfg = model.config;
    let templateName = '';
    try {
      templateName = templateFor(opened.tokenizer, template, date).name;
    } catch (e) {
      templateName = `none (${errorText(e)})`;
    }
    const weightBytes = [...model.weights.values()].reduce((a, t) => a + t.bytes, 0);
    send({
      kind: 'model-ready',
      job,
      info: {
        name: model.name,
        architecture: cfg.architecture,
        family: cfg.family,
        layers: cfg.layers,
        hidden: cfg.hidden,
        vocab: cfg.vocab,
        params: modelParamCount(cfg),
        weightDtype: model.weightDtype,
        weightBytes,
        tokenizer: opened.tokenizer.name,
        template: templateName,
        demo: opened.demo,
      },
    });
  } catch (e) {
    send({ kind: 'model-failed', job, message: errorText(e) });
  }
}

// ---------------------------------------------------------------------------------------------
// Training

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

async function startRun(
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

async function runLoop(run: Run) {
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
    const what = st.lost ?? errorText(e);
    send({
      kind: 'run-ended',
      reason: 'error',
      step: run.trainer.step,
      message: `Training stopped: ${what}. The last checkpoint is kept. ${kWhatToChange}`,
    });
  }
}

async function stopRun() {
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

async function resumeSaved() {
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

// ---------------------------------------------------------------------------------------------
// Generation and export

async function generate(job: number, prompt: string, sampling: SamplingSettings) {
  st.generating = job;
  try {
    const loaded = st.loaded;
    const run = st.run;
    if (!loaded) throw new Error('load a model first');
    if (!run) throw new Error('train an adapter first (Train step)');
    if (run.running) throw new Error('pause or stop the run first: the GPU is busy training');
    const ctx = await needGpu();
    const chat = templateFor(loaded.tokenizer, run.template, run.date);
    const r = await generateSideBySide({
      ctx,
      model: loaded.model,
      tokenizer: loaded.tokenizer,
      template: chat,
      lora: await run.trainer.loraWeights(),
      prompt,
      sampling,
      onText: (which, text) => send({ kind: 'generate-token', job, which, text }),
      cancelled: () => st.generating !== job,
    });
    send({ kind: 'generate-done', job, message: `${r.tokens} tokens generated` });
  } catch (e) {
    send({ kind: 'generate-failed', job, message: errorText(e) });
  }
}

async function exportFiles(datasetName: string, datasetExamples: number) {
  try {
    const run = st.run;
    if (!run || !st.loaded) throw new Error('train an adapter first');
    if (run.running) throw new Error('pause or stop the run first');
    const t = run.trainer;
    const files = await t.exportAdapter();
    const baseModel = st.loaded.model.name;
    send({
      kind: 'export-ready',
      files: {
        adapterSafetensors: files['adapter_model.safetensors'],
        adapterConfig: files['adapter_config.json'],
        modelCard: modelCard({
          baseModel,
          datasetName: datasetName || run.datasetName,
          datasetExamples: datasetExamples || t.trainExamples + t.evalExamples,
          trainExamples: t.trainExamples,
          evalExamples: t.evalExamples,
          hyper: t.hyper,
          targets: targetModules(t.hyper.lora),
          steps: t.step,
          totalSteps: t.totalSteps,
          seqLen: t.seqLen,
          finalLoss: run.lastLoss,
          finalEvalLoss: run.lastEval,
          elapsedSeconds: run.elapsed,
          device: st.summary?.description ?? '',
        }),
        peftSnippet: peftSnippet(baseModel),
      },
    });
  } catch (e) {
    send({ kind: 'export-failed', message: errorText(e) });
  }
}

// ---------------------------------------------------------------------------------------------

async function announceSaved() {
  const rec = await loadRun();
  send({ kind: 'saved-run', run: rec && rec.run.step < rec.run.totalSteps ? rec.run : null });
}

async function handle(msg: EngineRequest): Promise<void> {
  switch (msg.kind) {
    case 'probe':
      await gpu();
      return announceSaved();
    case 'estimate':
      try {
        await gpu();
        const cfg = await readModelConfig(msg.model);
        send({
          kind: 'estimate',
          job: msg.job,
          estimate: estimateMemory(cfg, msg.knobs, st.summary),
        });
      } catch (e) {
        send({ kind: 'estimate-failed', job: msg.job, message: errorText(e) });
      }
      return;
    case 'load-model':
      return loadModel(msg.job, msg.model, msg.template, msg.date);
    case 'train-start':
    case 'train-resume-saved':
      try {
        if (msg.kind === 'train-start') {
          await startRun(msg.settings, msg.dataset, msg.template, msg.date, null);
        } else {
          await resumeSaved();
        }
      } catch (e) {
        send({
          kind: 'run-ended',
          reason: 'error',
          step: st.run?.trainer.step ?? 0,
          message: errorText(e),
        });
      }
      return;
    case 'train-pause':
      st.run?.trainer.pause();
      return;
    case 'train-continue':
      if (st.run && !st.run.running) await runLoop(st.run);
      return;
    case 'train-stop':
      return stopRun();
    case 'discard-saved':
      await clearRun();
      return announceSaved();
    case 'generate':
      return generate(msg.job, msg.prompt, msg.sampling);
    case 'export':
      return exportFiles(msg.datasetName, msg.datasetExamples);
    default: {
      const never: never = msg;
      throw new Error(`unknown request ${JSON.stringify(never)}`);
    }
  }
}

self.onmessage = (e: MessageEvent<EngineRequest>) => {
  void handle(e.data);
};
