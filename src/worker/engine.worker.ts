// The engine worker: opens the engine on this tab's GPU (src/gpu/device.ts), loads the model from
// the source the user picked, trains on the dataset worker's tokens, streams progress, pauses,
// resumes and stops, keeps a checkpoint in IndexedDB so a reloaded tab can resume, generates base
// vs tuned side by side (one prompt, or a prompt set: engineSets.ts), measures one example's
// per-token losses (engineLosses.ts) and every example's mean loss (engineExampleLosses.ts), and
// exports the PEFT adapter (the last or the best eval loss's) with its model card, and the merged
// model, GGUF, LoRA GGUF and TRL project, streamed to disk (engineExport.ts). It calls the
// engine's one API (src/engine) and nothing under it; the UI talks to it only through
// engineProtocol.ts.
import { chatTemplateFor } from '../data/index.ts';
import {
  cacheStorageCache,
  demoModelConfig,
  demoModelSource,
  downloadTracker,
  EngineError,
  estimateMemory,
  hubSource,
  blobSource,
  kDemoTokenizerName,
  peftSnippet,
  promptIds,
  readModelConfig,
  toFailure,
  type ModelSource,
  type Sampling,
} from '../engine/index.ts';
import { resumeSaved, runLoop, savedRun, setFaults, startRun, stopRun } from './engineRun.ts';
import { recoverFromLoss } from './engineRecovery.ts';
import { cancelExampleLosses, exampleLosses, stopExampleLosses } from './engineExampleLosses.ts';
import { tokenLosses } from './engineLosses.ts';
import { handleExport } from './engineExport.ts';
import { adapterOf, generateSet, idleRun } from './engineSets.ts';
import { engine, needEngine, send, st } from './engineState.ts';
import { idbRunStorage } from './engineStore.ts';
import type {
  AdapterChoice,
  EngineRequest,
  ModelProgress,
  ModelSpec,
  TemplateChoice,
} from './engineProtocol.ts';

// ---------------------------------------------------------------------------------------------
// Sources

async function fetchText(url: string): Promise<string> {
  const res = await fetch(url);
  if (!res.ok) throw new EngineError('network', `could not fetch ${url} (HTTP ${res.status})`);
  return res.text();
}

const demoAsset = (file: string) =>
  new URL(`${import.meta.env.BASE_URL}demo/${file}`, self.location.origin).href;

async function sourceOf(
  spec: ModelSpec,
  onProgress: (p: ModelProgress) => void,
): Promise<ModelSource> {
  if (spec.kind === 'demo') {
    const [json, config] = await Promise.all([
      fetchText(demoAsset('tokenizer.json')),
      fetchText(demoAsset('tokenizer_config.json')),
    ]);
    return demoModelSource(json, config);
  }
  if (spec.kind === 'files') return blobSource(spec.name, spec.files);
  let cache;
  try {
    cache = typeof caches === 'undefined' ? undefined : cacheStorageCache();
  } catch {
    cache = undefined;
  }
  return hubSource({
    repo: spec.id,
    revision: spec.revision,
    endpoint: spec.endpoint,
    cache,
    onProgress: downloadTracker(onProgress),
  });
}

// ---------------------------------------------------------------------------------------------
// Model

let latestModelJob = 0;

async function loadModel(job: number, spec: ModelSpec, template: TemplateChoice, date: string) {
  latestModelJob = job;
  const progress = (p: ModelProgress) => send({ kind: 'model-progress', job, progress: p });
  try {
    if (st.run?.running)
      throw new EngineError('bad-input', 'stop the training run before loading another model');
    const e = await needEngine();
    progress({
      stage: 'open',
      message: spec.kind === 'hub' ? `Fetching ${spec.id}…` : 'Reading the model files…',
      done: 0,
      total: 0,
    });
    const source = await sourceOf(spec, progress);
    if (job !== latestModelJob) return;
    if (st.loaded) {
      st.run?.training.destroy();
      st.run = null;
      st.loaded.model.destroy();
      st.loaded = null;
    }
    const model = await e.loadModel(source, {
      onProgress: progress,
      demo: spec.kind === 'demo',
      tokenizerName: spec.kind === 'demo' ? kDemoTokenizerName : undefined,
    });
    st.loaded = { spec, model, template, date, job };
    // Once per GPU (the choices persist in IndexedDB): before any run or generator builds ops.
    if (!e.tuned()) {
      await e.tune((p) =>
        progress({
          stage: 'tune',
          message: 'Tuning the kernels for this GPU (once)…',
          done: p.done,
          total: p.total,
        }),
      );
    }
    let templateName = '';
    try {
      templateName = chatTemplateFor(model.tok.tokenizer, template, date).name;
    } catch {
      templateName = '';
    }
    const t = model.tok;
    send({
      kind: 'model-ready',
      job,
      info: model.info,
      template: templateName,
      tokenizer: { name: t.name, json: t.json, config: t.config, fingerprint: t.fingerprint },
    });
  } catch (err) {
    send({ kind: 'model-failed', job, failure: toFailure(err) });
  }
}

// ---------------------------------------------------------------------------------------------
// Generation and export

async function generate(job: number, prompt: string, sampling: Sampling, which: AdapterChoice) {
  st.generating = job;
  try {
    const run = idleRun();
    const model = st.loaded!.model;
    const e = await needEngine();
    const tok = model.tok.tokenizer;
    const template = chatTemplateFor(tok, run.template, run.date);
    const r = await e.generateSideBySide(model, await adapterOf(run, which), {
      prompt: promptIds(tok, template, prompt),
      sampling,
      onText: (w, text) => send({ kind: 'generate-token', job, which: w, text }),
      shouldStop: () => st.generating !== job,
    });
    const n = r.base.tokens.length + r.tuned.tokens.length;
    const adapter = which === 'best' ? ' (best eval-loss adapter)' : '';
    send({ kind: 'generate-done', job, message: `${n} tokens generated${adapter}` });
  } catch (err) {
    send({ kind: 'generate-failed', job, failure: toFailure(err) });
  }
}

async function exportFiles(datasetName: string, datasetExamples: number, which: AdapterChoice) {
  try {
    const run = st.run;
    if (!run || !st.loaded) throw new EngineError('bad-input', 'train an adapter first');
    if (run.running) throw new EngineError('bad-input', 'pause or stop the run first');
    const t = run.training;
    const files = which === 'best' ? t.exportBestAdapter() : await t.exportAdapter();
    if (!files) {
      throw new EngineError(
        'bad-input',
        'this run has no best eval-loss adapter',
        'Export the last adapter, or train with an eval split (Eval split > 0).',
      );
    }
    const e = await needEngine();
    const baseModel = st.loaded.model.info.name;
    send({
      kind: 'export-ready',
      files: {
        adapterSafetensors: files['adapter_model.safetensors'],
        adapterConfig: files['adapter_config.json'],
        modelCard: t.modelCard({
          datasetName: datasetName || run.datasetName,
          datasetExamples: datasetExamples || t.info.trainExamples + t.info.evalExamples,
          finalLoss: run.lastLoss,
          finalEvalLoss: run.lastEval,
          elapsedSeconds: run.elapsed,
          curation: run.curation,
          datasetReading: run.datasetReading,
          device:
            e.info.description || [e.info.vendor, e.info.architecture].filter(Boolean).join(' '),
        }),
        peftSnippet: peftSnippet(baseModel),
      },
      which,
    });
  } catch (err) {
    send({ kind: 'export-failed', failure: toFailure(err) });
  }
}

// ---------------------------------------------------------------------------------------------

async function announceSaved() {
  send({ kind: 'saved-run', run: await savedRun() });
}
st.onLost = (loss) =>
  void recoverFromLoss(loss, {
    loadModel: (m) => loadModel(m.job, m.spec, m.template, m.date),
    announceSaved,
    canResume: () => !!st.loaded && !st.run,
    resume: (note) => handle({ kind: 'train-resume-saved', note }),
  });

async function handle(msg: EngineRequest): Promise<void> {
  switch (msg.kind) {
    case 'probe':
      await engine();
      return announceSaved();
    case 'estimate':
      try {
        const e = await engine();
        const config =
          msg.model.kind === 'demo'
            ? demoModelConfig()
            : await readModelConfig(await sourceOf(msg.model, () => {}));
        const ram = (self.navigator as Navigator & { deviceMemory?: number }).deviceMemory;
        send({
          kind: 'estimate',
          job: msg.job,
          estimate: estimateMemory(config, msg.settings, e?.info ?? null, ram),
        });
      } catch (err) {
        send({ kind: 'estimate-failed', job: msg.job, failure: toFailure(err) });
      }
      return;
    case 'load-model':
      return loadModel(msg.job, msg.model, msg.template, msg.date);
    case 'train-start':
    case 'train-resume-saved':
      st.generating = 0; // training takes the GPU: a running generation or prompt set stops
      stopExampleLosses();
      try {
        if (msg.kind === 'train-start') {
          const { datasetName, datasetReading, curation } = msg;
          const facts = { datasetName, datasetReading, curation };
          await startRun(msg.settings, msg.examples, facts, msg.template, msg.date, null);
        } else {
          await resumeSaved(msg.note);
        }
      } catch (err) {
        const failure = toFailure(err);
        send({
          kind: 'run-ended',
          reason: 'error',
          step: st.run?.training.step ?? 0,
          message: failure.message,
          failure,
        });
      }
      return;
    case 'train-pause':
      st.run?.training.pause();
      return;
    case 'train-continue':
      st.generating = 0;
      stopExampleLosses();
      if (st.run && !st.run.running) await runLoop(st.run);
      return;
    case 'train-stop':
      return stopRun();
    case 'set-faults':
      return setFaults(msg.spec);
    case 'discard-saved':
      await idbRunStorage.clear();
      return announceSaved();
    case 'generate':
      return generate(msg.job, msg.prompt, msg.sampling, msg.which);
    case 'generate-set':
      return generateSet(msg.job, msg.items, msg.sampling, msg.which);
    case 'cancel-set':
      if (st.generating === msg.job) st.generating = 0;
      return;
    case 'token-losses':
      return tokenLosses(msg.job, msg.example, msg.which);
    case 'example-losses':
      return exampleLosses(msg.job, msg.examples, msg.which);
    case 'cancel-example-losses':
      return cancelExampleLosses(msg.job);
    case 'export':
      return exportFiles(msg.datasetName, msg.datasetExamples, msg.which);
    case 'export-measure':
    case 'export-write':
    case 'export-cancel':
      return handleExport(msg, (spec) => sourceOf(spec, () => {}));
    default: {
      const never: never = msg;
      throw new Error(`unknown request ${JSON.stringify(never)}`);
    }
  }
}

self.onmessage = (e: MessageEvent<EngineRequest>) => {
  void handle(e.data);
};
