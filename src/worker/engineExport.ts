// The Export step's exports beyond the adapter, in the engine worker: the merged model (a Hugging
// Face folder), the merged model as GGUF (with its Ollama Modelfile), the adapter as a llama.cpp
// LoRA GGUF, and the TRL project. Each is planned by the engine (src/engine: the files and their
// chunks, and the size before anything is written), measured on request, then written chunk by
// chunk through exportSink.ts with progress events and cancel between chunks. Folding, converting
// and quantizing run on the CPU from the model's source files, so the GPU only serves to read the
// run's adapter (the run must be paused or stopped).
import { tokenizationFingerprint, trainableExamples } from '../data/index.ts';
import {
  EngineError,
  ggufBytes,
  ggufChunks,
  loraGgufBytes,
  loraGgufChunks,
  mergedFolderBytes,
  mergedModelFiles,
  ollamaModelfile,
  toFailure,
  trlProjectFiles,
  type ExportFile,
  type ModelSource,
} from '../engine/index.ts';
import { adapterOf, idleRun } from './engineSets.ts';
import { send, st } from './engineState.ts';
import type { ExportMeasure, ExportOptions, ExportRequest, TrlInput } from './exportProtocol.ts';
import type { ModelSpec } from './engineProtocol.ts';
import { openSink, type ExportSink } from './exportSink.ts';

/** Opens the loaded model's files again (the host's source: local files, the Hub cache, demo). */
export type OpenSource = (spec: ModelSpec) => Promise<ModelSource>;

interface Plan extends ExportMeasure {
  /** The files to write, in order (each one's chunks are produced on demand, once). */
  open(): ExportFile[];
}

class ExportCancelledError extends Error {
  constructor() {
    super('export cancelled');
    this.name = 'ExportCancelledError';
  }
}

/** A file-name-safe stem of the model's name ("HuggingFaceTB/SmolLM2-135M" → "SmolLM2-135M"). */
function stem(name: string): string {
  const last = name.split(/[\\/]/).filter(Boolean).pop() ?? 'model';
  return last.replace(/[^\w.-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '') || 'model';
}

/** The base model as train.py loads it: the Hub id, else the local folder's name. */
function baseModelName(spec: ModelSpec, fallback: string): string {
  if (spec.kind === 'hub') return spec.id;
  if (spec.kind === 'files') return spec.name;
  return fallback;
}

async function plan(o: ExportOptions, trl: TrlInput | null, openSource: OpenSource): Promise<Plan> {
  const loaded = st.loaded;
  if (!loaded) throw new EngineError('bad-input', 'load a model first (Model step)');
  const model = stem(loaded.model.info.name);
  if (o.kind === 'trl') {
    if (!trl) throw new EngineError('bad-input', 'the TRL project needs the tokenized dataset');
    const expected = tokenizationFingerprint({
      tokenizer: loaded.model.tok.fingerprint,
      template: trl.template,
      date: trl.date,
      maxLength: trl.settings.maxLength,
    });
    if (trl.examples.fingerprint !== expected) {
      throw new EngineError(
        'bad-input',
        "the dataset was tokenized with another tokenizer, template or max length than the loaded model's and the Train settings'",
        'Wait until the Dataset step has re-tokenized the dataset with the loaded model, then export again.',
      );
    }
    const examples = trainableExamples(trl.examples);
    if (examples.length === 0)
      throw new EngineError('bad-input', 'the dataset has no trainable example');
    const input = {
      model: baseModelName(loaded.spec, loaded.model.info.name),
      datasetName: trl.datasetName,
      settings: trl.settings,
      examples,
    };
    const { files, bytes } = trlProjectFiles(input);
    return {
      name: `${model}-trl-project.zip`,
      bytes,
      files: files.map((f) => f.path),
      multi: true,
      dtype: null,
      modelfile: null,
      open: () => trlProjectFiles(input).files,
    };
  }
  const adapter = await adapterOf(idleRun(), o.which);
  const source = await openSource(loaded.spec);
  if (o.kind === 'merged') {
    const first = await mergedModelFiles(source, adapter, o.dtype ?? undefined);
    const dtype = first.dtype;
    const bytes = await mergedFolderBytes(source, first.files, dtype);
    // The measured files' streams were opened for their headers: write from a fresh plan.
    const fresh = await mergedModelFiles(source, adapter, dtype);
    return {
      name: `${model}-merged-${dtype.toLowerCase()}.zip`,
      bytes,
      files: first.files.map((f) => f.path),
      multi: true,
      dtype,
      modelfile: null,
      open: () => fresh.files,
    };
  }
  if (o.kind === 'gguf') {
    const name = `${model}-${o.ggufType.toLowerCase()}.gguf`;
    const title = `${model} (SFT Studio merge)`;
    const chunks = await ggufChunks(source, adapter, o.ggufType, title);
    return {
      name,
      bytes: await ggufBytes(source, adapter, o.ggufType, title),
      files: [name],
      multi: false,
      dtype: null,
      modelfile: await ollamaModelfile(source, { from: `./${name}` }),
      open: () => [{ path: name, chunks: () => chunks }],
    };
  }
  const name = `${model}-lora.gguf`;
  const title = `${model} LoRA`;
  const chunks = await loraGgufChunks(source, adapter, title);
  const modelfile = await ollamaModelfile(source, { from: './base.gguf', adapter: `./${name}` });
  return {
    name,
    bytes: await loraGgufBytes(source, adapter, title),
    files: [name],
    multi: false,
    dtype: null,
    modelfile: `# FROM: the base model as GGUF (or an Ollama model name such as llama3.2)\n${modelfile}`,
    open: () => [{ path: name, chunks: () => chunks }],
  };
}

const measureOf = (p: Plan): ExportMeasure => ({
  name: p.name,
  bytes: p.bytes,
  files: p.files,
  multi: p.multi,
  dtype: p.dtype,
  modelfile: p.modelfile,
});

/** Jobs being written (or cancelled before their write arrived), by job number: true = cancelled. */
const writing = new Map<number, boolean>();

const macrotask = () => new Promise<void>((r) => setTimeout(r, 0));

async function write(
  msg: Extract<ExportRequest, { kind: 'export-write' }>,
  openSource: OpenSource,
): Promise<void> {
  const { job } = msg;
  // A cancel can arrive first (the UI shows Cancel while it still takes the dataset): keep it.
  if (!writing.has(job)) writing.set(job, false);
  let sink: ExportSink | null = null;
  const check = () => {
    if (writing.get(job)) throw new ExportCancelledError();
  };
  try {
    const p = await plan(msg.options, msg.trl, openSource);
    check();
    sink = await openSink(msg.target, msg.options.kind, p.name, p.multi, p.bytes);
    let done = 0;
    let shown = 0;
    let yielded = performance.now();
    send({ kind: 'export-progress', job, done, total: p.bytes, file: p.files[0] ?? p.name });
    for (const f of p.open()) {
      const out = await sink.file(f.path);
      for await (const chunk of f.chunks()) {
        check();
        await out.write(chunk);
        done += chunk.byteLength;
        const now = performance.now();
        if (now - shown > 100) {
          shown = now;
          send({ kind: 'export-progress', job, done, total: p.bytes, file: f.path });
        }
        // Let the cancel message in: folding and quantizing keep this worker busy otherwise.
        if (now - yielded > 50) {
          await macrotask();
          yielded = performance.now();
        }
      }
      await out.close();
    }
    check();
    const file = await sink.finish();
    send({ kind: 'export-progress', job, done, total: p.bytes, file: '' });
    send({ kind: 'export-written', job, name: p.name, bytes: file?.size ?? done, file });
  } catch (err) {
    await sink?.abort().catch(() => undefined);
    if (err instanceof ExportCancelledError || writing.get(job)) {
      send({ kind: 'export-cancelled', job });
    } else {
      send({ kind: 'export-write-failed', job, failure: toFailure(err) });
    }
  } finally {
    writing.delete(job);
  }
}

/** The engine worker's entry for the export requests. */
export async function handleExport(msg: ExportRequest, openSource: OpenSource): Promise<void> {
  switch (msg.kind) {
    case 'export-measure':
      try {
        const p = await plan(msg.options, msg.trl, openSource);
        send({ kind: 'export-measured', job: msg.job, measure: measureOf(p) });
      } catch (err) {
        send({ kind: 'export-measure-failed', job: msg.job, failure: toFailure(err) });
      }
      return;
    case 'export-write':
      return write(msg, openSource);
    case 'export-cancel':
      writing.set(msg.job, true);
      return;
  }
}
