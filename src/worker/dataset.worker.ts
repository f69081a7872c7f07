// The dataset worker: reads a dataset file of any kind (src/data's row sources) or a Hugging Face
// Hub split (datasetHub.ts) with progress, optionally through a column mapping, tokenizes
// every example with the chosen tokenizer and chat template (once a model is loaded: the model's
// own tokenizer files, sent by the engine), keeps the tokens, and answers the UI: one example's
// tokens for the preview, the run plan for the Train form's settings, the tokenized dataset
// itself for training, and prompts with references for the Try step's prompt set. The preview and the trainer read the same token arrays, so what the preview
// shows is what trains. Runs off the main thread so a 100 MB / 100k-line file never freezes the page.
import {
  readExamples,
  exampleSetBuffers,
  ExampleSetBuilder,
  tokenCounts,
  tokenStats,
  type Example,
  type ExampleSet,
  type RowItem,
  type TokenCountsOrFailure,
} from '../data/index.ts';
import { mappingFormat, type ColumnMapping } from '../data/mapping.ts';
import { planRun } from '../engine/index.ts';
import { loadTokenizerFrom, makeRenderer, type LoadedTokenizer, type Renderer } from './dataApi.ts';
import { promptsFor } from './datasetPrompts.ts';
import { lookUp } from './datasetLookup.ts';
import { datasetReading } from './datasetReading.ts';
import { keepFirstRows, openSource } from './datasetSource.ts';
import { tokenPieces } from './pieces.ts';
import { keptCounts, keptRows, startCuration } from './datasetCuration.ts';
import { curatedSet } from './curationOutput.ts';
import {
  handleCuration,
  lintDataset,
  lintTokenized,
  sendExampleCuration,
} from './curationRequests.ts';
import { rememberTokenizerSource, subWorkers, tokenizeOnWorkers } from './tokenize-workers.ts';
import type {
  CurationRecord,
  DatasetInput,
  ExampleDetail,
  PreviewSettings,
  WorkerEvent,
  WorkerRequest,
} from './protocol.ts';
import {
  datasetSummary,
  exampleTable,
  flagList,
  parseFacts,
  tokenColumns,
  transferables,
  type ParseFacts,
} from './summary.ts';

/** What tokenizing the dataset produced: per valid row its counts (or the template's failure),
 * and the token arrays of every row that tokenized. */
interface Tokenized {
  counts: TokenCountsOrFailure[];
  set: ExampleSetBuilder;
  /** Row index (into examples) → index in the set, -1 when the template failed. */
  setIndex: Int32Array;
  fingerprint: string | null;
  maxLength: number;
}

interface Dataset {
  job: number;
  name: string;
  bytes: number;
  errorLines: number;
  examples: Example[];
  facts: ParseFacts;
  byLine: Map<number, number>;
  tokenized: Tokenized | null;
}

const state: {
  settings: PreviewSettings | null;
  tokenizer: LoadedTokenizer | null;
  renderer: Renderer | null;
  dataset: Dataset | null;
  /** Bumped by every request that invalidates running work; long loops stop when it changes. */
  epoch: number;
} = { settings: null, tokenizer: null, renderer: null, dataset: null, epoch: 0 };

function send(msg: WorkerEvent, transfer: Transferable[] = []): void {
  postMessage(msg, { transfer });
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Lets queued messages (a new file, new settings) run between batches of work. */
const yieldToMessages = () => new Promise<void>((r) => setTimeout(r, 0));

const kProgressMs = 80;
const kInterimMs = 5000;

/** A row source that stops when a newer request supersedes `job` and lets messages through. */
async function* guarded(job: number, rows: AsyncIterable<RowItem>): AsyncGenerator<RowItem> {
  let last = performance.now();
  for await (const item of rows) {
    if (jobSuperseded(job)) return;
    yield item;
    const now = performance.now();
    if (now - last > kProgressMs) {
      last = now;
      await yieldToMessages();
    }
  }
}

/** Aborts the network reads of the dataset being read (Cancel, or a newer load). */
let readAbort = new AbortController();

async function readDataset(
  job: number,
  input: DatasetInput,
  mapping: ColumnMapping | null,
): Promise<void> {
  readAbort.abort();
  readAbort = new AbortController();
  // Every source (a file of any kind src/data reads, a sample URL, a Hub split), row numbers kept,
  // well-known schemas (Dolly, question/answer, ...) recognized, or read through the user's
  // column mapping: the CLI reads the same way.
  let lastSent = 0;
  const source = await openSource(input, readAbort.signal, (p) => {
    const now = performance.now();
    if (now - lastSent < kProgressMs) return;
    lastSent = now;
    const { bytes, totalBytes, rows, file } = p;
    send({
      kind: 'dataset-progress',
      job,
      phase: 'reading',
      done: bytes,
      total: totalBytes,
      lines: rows,
      file,
    });
  });
  const { name } = source;
  const firstRows: unknown[] = [];
  const rows = keepFirstRows(source.rows, firstRows);
  const result = await readExamples(guarded(job, rows), mapping ? { mapping } : {});
  if (jobSuperseded(job)) return;
  send({ kind: 'dataset-reading', job, reading: datasetReading(result, firstRows, mapping) });
  const facts = parseFacts(result);
  const dataset: Dataset = {
    job,
    name,
    bytes: source.bytes(),
    errorLines: new Set(result.errors.map((e) => e.line)).size,
    examples: result.examples,
    facts,
    byLine: new Map(result.examples.map((ex, i) => [ex.line, i])),
    tokenized: null,
  };
  state.dataset = dataset;
  startCuration(dataset, result);
  const table = exampleTable(dataset.examples, facts);
  send(
    { kind: 'dataset-parsed', job, summary: summaryOf(dataset), table, errors: result.errors },
    transferables(table),
  );
  await lintDataset(dataset, () => !jobSuperseded(job));
  await tokenizeDataset();
}

let latestDatasetJob = 0;
let latestTokenizerJob = 0;
function jobSuperseded(job: number): boolean {
  return job !== latestDatasetJob;
}

function summaryOf(d: Dataset) {
  const summary = datasetSummary(d.name, d.bytes, d.errorLines, d.facts);
  if (d.tokenized) {
    summary.tokens = tokenStats(keptCounts(d, d.tokenized.counts), d.tokenized.maxLength);
  }
  return summary;
}

/** Tokenizes the whole dataset when dataset, tokenizer and settings are all there. */
async function tokenizeDataset(): Promise<void> {
  const { dataset, tokenizer, renderer, settings } = state;
  if (!dataset || !tokenizer || !renderer || !settings) return;
  const epoch = ++state.epoch;
  const { job, examples } = dataset;
  const work: Tokenized = {
    counts: [],
    set: new ExampleSetBuilder(),
    setIndex: new Int32Array(examples.length).fill(-1),
    fingerprint: renderer.fingerprint,
    maxLength: settings.maxLength,
  };
  let last = performance.now();
  let lastInterim = last;
  const take = (i: number, r: ReturnType<Renderer['tokenize']>) => {
    if ('error' in r) work.counts.push(r);
    else {
      work.counts.push(tokenCounts(r.example));
      work.setIndex[i] = work.set.push(r.example);
    }
  };
  const superseded = () => state.epoch !== epoch || state.dataset !== dataset;
  /** Sends progress (and interim statistics) when due; true when it did (time to yield). */
  const tick = (done: number): boolean => {
    const now = performance.now();
    if (now - lastInterim > kInterimMs) {
      // Large datasets take a while: show the statistics of what is tokenized so far.
      lastInterim = now;
      sendTokenized(dataset, work, false);
    }
    if (now - last <= kProgressMs) return false;
    last = now;
    send({
      kind: 'dataset-progress',
      job,
      phase: 'tokenizing',
      done,
      total: examples.length,
      lines: dataset.examples.length + dataset.errorLines,
    });
    return true;
  };
  let start = 0;
  const workers = subWorkers(examples.length, tokenizer);
  if (workers > 0) {
    // A big set on several cores: sub-workers tokenize, merged here in row order (same result).
    const pooled = await tokenizeOnWorkers({
      examples,
      workers,
      loaded: tokenizer,
      settings,
      onResult: take,
      onProgress: (done) => {
        tick(done);
        return !superseded();
      },
    });
    if (superseded()) return;
    start = pooled.done; // all of them, or where a failed pool stopped: the rest is done here
  }
  for (let i = start; i < examples.length; i++) {
    take(i, renderer.tokenize(examples[i]));
    if (tick(i + 1)) {
      await yieldToMessages();
      if (superseded()) return;
    }
  }
  dataset.tokenized = work;
  sendTokenized(dataset, work, true);
  lintTokenized(state, dataset);
}

function sendTokenized(dataset: Dataset, work: Tokenized, done: boolean): void {
  const columns = done ? tokenColumns(dataset.examples, dataset.facts, work.counts) : null;
  const summary = datasetSummary(dataset.name, dataset.bytes, dataset.errorLines, dataset.facts);
  summary.tokens = tokenStats(keptCounts(dataset, work.counts), work.maxLength);
  send(
    { kind: 'dataset-tokenized', job: dataset.job, summary, columns, done },
    columns ? transferables(columns) : [],
  );
}

function exampleDetail(line: number): ExampleDetail | null {
  const { dataset, tokenizer } = state;
  const tokenized = dataset?.tokenized;
  if (!dataset || !tokenizer || !tokenized) return null;
  const index = dataset.byLine.get(line);
  if (index === undefined) return null;
  const at = tokenized.setIndex[index];
  const counts = tokenized.counts[index];
  if (at < 0) {
    throw new Error('error' in counts ? counts.error : 'this example could not be tokenized');
  }
  // The very tokens training gets (the same arrays `take-examples` hands to the engine).
  const t = tokenized.set.at(at);
  const { pieces, partial } = tokenPieces(t.inputIds, (ids) => tokenizer.tokenizer.decode(ids));
  const flags = tokenColumns([dataset.examples[index]], dataset.facts, [counts]).flags[0];
  return {
    line,
    format: dataset.examples[index].format,
    inputIds: t.inputIds,
    labels: t.labels,
    roles: t.roles,
    pieces,
    partial,
    fullLength: t.fullLength,
    truncatedTrainedTokens: t.truncatedTrainedTokens,
    flags: flagList(flags),
  };
}

/** The curated tokenized dataset for training (dropped rows out, edits and rows written by hand
 * in): a transferable copy, with the tokenization's fingerprint and the curation record. */
function takeExamples(): { name: string; set: ExampleSet; curation: CurationRecord } {
  const d = state.dataset;
  if (!d) throw new Error('Choose a dataset first (Dataset step).');
  if (!d.tokenized) throw new Error('The dataset is still being tokenized: wait for it to finish.');
  if (d.tokenized.fingerprint === null) {
    throw new Error(
      "The dataset was tokenized with the Model step's tokenizer, not the loaded model's: load the model, wait for the preview to re-tokenize, then start.",
    );
  }
  return { name: d.name, ...curatedSet(d, d.tokenized.fingerprint) };
}

/** Token lengths of the trainable examples (what the run plan needs). */
function trainableLengths(): number[] {
  const d = state.dataset;
  if (!d?.tokenized) return [];
  const { set } = curatedSet(d, ''); // the curated rows: what trains
  const out: number[] = [];
  for (let i = 0; i < set.count; i++) {
    const a = set.offsets[i];
    const b = set.offsets[i + 1];
    let trained = false;
    for (let j = a + 1; j < b && !trained; j++) trained = (set.marks[j] & 0x80) !== 0;
    if (trained) out.push(b - a);
  }
  return out;
}

/** Rebuilds the renderer from tokenizer + template; reports a template error instead of throwing. */
function rebuildRenderer(): boolean {
  state.renderer = null;
  if (!state.tokenizer || !state.settings) return false;
  try {
    state.renderer = makeRenderer(state.tokenizer, state.settings);
    send({ kind: 'template-ready', template: state.renderer.info });
    return true;
  } catch (err) {
    send({ kind: 'template-failed', message: errorMessage(err) });
    return false;
  }
}

function invalidate(): void {
  state.epoch++;
  if (state.dataset) state.dataset.tokenized = null;
}

async function handle(msg: WorkerRequest): Promise<void> {
  switch (msg.kind) {
    case 'configure': {
      state.settings = msg.settings;
      invalidate();
      if (rebuildRenderer()) await tokenizeDataset();
      return;
    }
    case 'load-tokenizer': {
      const { job, source } = msg;
      latestTokenizerJob = job;
      // The loaded model's tokenizer is the one in use already (the same files, picked as local
      // files or loaded with the same model before): the tokens stand, only who owns them changes.
      if (source.kind === 'model' && state.tokenizer?.fingerprint === source.fingerprint) {
        const info = { ...state.tokenizer.info, name: source.name, fromModel: true };
        state.tokenizer = { ...state.tokenizer, info };
        rememberTokenizerSource(state.tokenizer, source);
        send({ kind: 'tokenizer-ready', job, info });
        return;
      }
      send({
        kind: 'tokenizer-loading',
        job,
        message:
          source.kind === 'hub'
            ? `Downloading ${source.id}…`
            : source.kind === 'model'
              ? `Using ${source.name}'s own tokenizer…`
              : 'Reading local files…',
      });
      let loaded: LoadedTokenizer;
      try {
        loaded = await loadTokenizerFrom(source);
      } catch (err) {
        send({ kind: 'tokenizer-failed', job, message: errorMessage(err) });
        return;
      }
      // A slower, older request (a Hub download) must not replace a newer one (local files).
      if (job !== latestTokenizerJob) return;
      state.tokenizer = loaded;
      rememberTokenizerSource(loaded, source);
      invalidate();
      send({ kind: 'tokenizer-ready', job, info: loaded.info });
      if (rebuildRenderer()) await tokenizeDataset();
      return;
    }
    case 'load-dataset': {
      latestDatasetJob = msg.job;
      state.epoch++;
      try {
        if (msg.mapping) mappingFormat(msg.mapping); // an incomplete mapping fails here, once
        await readDataset(msg.job, msg.input, msg.mapping ?? null);
      } catch (err) {
        // A cancelled or replaced read ends quietly (its aborted downloads throw).
        if (!jobSuperseded(msg.job)) {
          send({ kind: 'dataset-failed', job: msg.job, message: errorMessage(err) });
        }
      }
      return;
    }
    case 'cancel-dataset': {
      if (msg.job !== latestDatasetJob) return;
      latestDatasetJob = 0;
      state.epoch++;
      readAbort.abort();
      // Read already: the cancelled dataset must not be tokenized on, nor trained.
      if (state.dataset?.job === msg.job) state.dataset = null;
      send({ kind: 'dataset-cancelled', job: msg.job });
      return;
    }
    case 'hub-lookup': {
      await lookUp(msg.job, msg.repo, msg.endpoint, msg.token);
      return;
    }
    case 'get-example': {
      try {
        sendExampleCuration(state.dataset, msg.line);
        const detail = exampleDetail(msg.line);
        if (detail) send({ kind: 'example-detail', detail });
      } catch (err) {
        send({ kind: 'example-failed', line: msg.line, message: errorMessage(err) });
      }
      return;
    }
    case 'take-examples': {
      try {
        const { name, set, curation } = takeExamples();
        send(
          { kind: 'examples', job: msg.job, name, examples: set, curation },
          exampleSetBuffers(set),
        );
      } catch (err) {
        send({ kind: 'examples-failed', job: msg.job, message: errorMessage(err) });
      }
      return;
    }
    case 'plan-run': {
      send({ kind: 'run-plan', job: msg.job, plan: planRun(trainableLengths(), msg.settings) });
      return;
    }
    case 'take-prompts': {
      try {
        const d = state.dataset;
        if (!d) throw new Error('Choose a dataset first (Dataset step).');
        send({ kind: 'prompts', job: msg.job, items: promptsFor(...keptRows(d), msg.pick) });
      } catch (err) {
        send({ kind: 'prompts-failed', job: msg.job, message: errorMessage(err) });
      }
      return;
    }
    case 'curate':
    case 'preview-draft':
    case 'export-curated':
      return handleCuration(state, msg, tokenizeDataset);
    default: {
      const never: never = msg;
      throw new Error(`unknown request ${JSON.stringify(never)}`);
    }
  }
}

self.onmessage = (e: MessageEvent<WorkerRequest>) => {
  void handle(e.data);
};
