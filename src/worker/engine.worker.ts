// The engine worker: owns the GPUDevice (acquired through src/gpu/device.ts), loads the model,
// tokenizes the dataset with the model's tokenizer, trains with createTrainer, streams progress,
// pauses, resumes and stops, keeps a checkpoint in IndexedDB so a reloaded tab can resume,
// generates base vs tuned side by side, and exports the PEFT adapter. The UI talks to it only
// through the messages of engineProtocol.ts. State and GPU failures: engineState.ts; the training
// run: engineRun.ts.
import { kernelsTuned, tuneKernels } from '../kernels/tune.ts';
import { loadDeviceModel } from '../model/layers/load.ts';
import { targetModules } from '../train/config.ts';
import { templateFor } from './engineData.ts';
import { modelCard, peftSnippet } from './engineExport.ts';
import { generateSideBySide } from './engineGenerate.ts';
import {
  estimateMemory,
  fmtBytes,
  modelParamCount,
  openModel,
  readModelConfig,
} from './engineModel.ts';
import { resumeSaved, runLoop, startRun, stopRun } from './engineRun.ts';
import { errorText, gpu, needGpu, send, st } from './engineState.ts';
import { clearRun, loadRun } from './engineStore.ts';
import type {
  EngineRequest,
  ModelSpec,
  SamplingSettings,
  TemplateChoice,
} from './engineProtocol.ts';

// ---------------------------------------------------------------------------------------------
// Model

let latestModelJob = 0;

async function loadModel(job: number, spec: ModelSpec, template: TemplateChoice, date: string) {
  latestModelJob = job;
  const progress = (message: string, done = 0, total = 0, unit: 'bytes' | 'items' = 'bytes') =>
    send({ kind: 'model-progress', job, message, done, total, unit });
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
    // Once per GPU (the choices persist in IndexedDB): before any trainer or generator builds ops.
    if (!kernelsTuned(ctx)) {
      await tuneKernels(ctx, {
        onProgress: (p) =>
          progress('Tuning the kernels for this GPU (once)…', p.done, p.total, 'items'),
      });
    }
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
