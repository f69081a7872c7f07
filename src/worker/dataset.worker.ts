// The dataset worker: streams a JSONL file through the src/data parser with progress, tokenizes
// every example with the chosen tokenizer and chat template, and answers the UI's requests for
// one example's tokens. Runs off the main thread so a 100 MB / 100k-line file never freezes the page.
//
// Memory: the parsed examples are kept; token arrays are not (100k examples × 2k tokens would
// not fit). Only per-example counts are kept, and the selected example is re-tokenized on demand.
import type { Example } from '../data/types.ts';
import {
  createParser,
  loadTokenizerFrom,
  makeRenderer,
  type Renderer,
  type LoadedTokenizer,
} from './dataApi.ts';
import { tokenPieces } from './pieces.ts';
import type {
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
  tokenStats,
  type ParseFacts,
  type TokenCounts,
} from './summary.ts';

interface Dataset {
  job: number;
  name: string;
  bytes: number;
  totalLines: number;
  errorLines: number;
  examples: Example[];
  facts: ParseFacts;
  byLine: Map<number, number>;
  counts: TokenCounts[] | null;
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

async function readDataset(job: number, input: DatasetInput): Promise<void> {
  let stream: ReadableStream<Uint8Array>;
  let total: number;
  let name: string;
  if (input.kind === 'file') {
    stream = input.file.stream();
    total = input.file.size;
    name = input.file.name;
  } else {
    const res = await fetch(input.url);
    if (!res.ok || !res.body) throw new Error(`Could not fetch ${input.url}: HTTP ${res.status}`);
    total = Number(res.headers.get('content-length') ?? 0);
    stream = res.body;
    name = input.name;
  }
  const parser = createParser();
  const decoder = new TextDecoder('utf-8');
  const reader = stream.getReader();
  let done = 0;
  let last = 0;
  for (;;) {
    const { value, done: end } = await reader.read();
    if (jobSuperseded(job)) {
      await reader.cancel();
      return;
    }
    if (end) break;
    done += value.byteLength;
    parser.push(decoder.decode(value, { stream: true }));
    const now = performance.now();
    if (now - last > kProgressMs) {
      last = now;
      send({
        kind: 'dataset-progress',
        job,
        phase: 'reading',
        done,
        total: Math.max(total, done),
        lines: parser.linesSeen(),
      });
      await yieldToMessages();
    }
  }
  parser.push(decoder.decode());
  const result = parser.end();
  if (jobSuperseded(job)) return;
  const facts = parseFacts(result);
  const dataset: Dataset = {
    job,
    name,
    bytes: done,
    totalLines: result.totalLines,
    errorLines: new Set(result.errors.map((e) => e.line)).size,
    examples: result.examples,
    facts,
    byLine: new Map(result.examples.map((ex, i) => [ex.line, i])),
    counts: null,
  };
  state.dataset = dataset;
  const table = exampleTable(dataset.examples, facts);
  send(
    { kind: 'dataset-parsed', job, summary: summaryOf(dataset), table, errors: result.errors },
    transferables(table),
  );
  await tokenizeDataset();
}

let latestDatasetJob = 0;
let latestTokenizerJob = 0;
function jobSuperseded(job: number): boolean {
  return job !== latestDatasetJob;
}

function summaryOf(d: Dataset) {
  const summary = datasetSummary(d.name, d.bytes, d.errorLines, d.facts);
  if (d.counts && state.settings) {
    summary.tokens = tokenStats(d.examples, d.counts, state.settings.maxLength);
  }
  return summary;
}

/** Token counts of one example; a template that fails on it excludes it, with the reason. */
function countTokens(renderer: Renderer, example: Example, settings: PreviewSettings): TokenCounts {
  try {
    const t = renderer.tokenize(example, settings);
    let trained = 0;
    for (const l of t.labels) if (l !== -100) trained++;
    return {
      tokens: t.inputIds.length,
      trained,
      masked: t.inputIds.length - trained,
      fullLength: t.fullLength,
      truncatedTrainedTokens: t.truncatedTrainedTokens,
      excluded: t.excluded,
    };
  } catch (err) {
    const reason = `the template failed: ${errorMessage(err)}`;
    return {
      tokens: 0,
      trained: 0,
      masked: 0,
      fullLength: 0,
      truncatedTrainedTokens: 0,
      excluded: reason,
    };
  }
}

/** Tokenizes the whole dataset (counts only) when dataset, tokenizer and settings are all there. */
async function tokenizeDataset(): Promise<void> {
  const { dataset, tokenizer, renderer, settings } = state;
  if (!dataset || !tokenizer || !renderer || !settings) return;
  const epoch = ++state.epoch;
  const { job, examples } = dataset;
  const counts: TokenCounts[] = [];
  let last = performance.now();
  let lastInterim = last;
  for (let i = 0; i < examples.length; i++) {
    counts.push(countTokens(renderer, examples[i], settings));
    const now = performance.now();
    if (now - lastInterim > kInterimMs) {
      // Large datasets take a while: show the statistics of what is tokenized so far.
      lastInterim = now;
      sendTokenized(dataset, counts, false);
    }
    if (now - last > kProgressMs) {
      last = now;
      send({
        kind: 'dataset-progress',
        job,
        phase: 'tokenizing',
        done: i + 1,
        total: examples.length,
        lines: dataset.totalLines,
      });
      await yieldToMessages();
      if (state.epoch !== epoch || state.dataset !== dataset) return;
    }
  }
  dataset.counts = counts;
  sendTokenized(dataset, counts, true);
}

function sendTokenized(dataset: Dataset, counts: TokenCounts[], done: boolean): void {
  const columns = done ? tokenColumns(dataset.examples, dataset.facts, counts) : null;
  const summary = datasetSummary(dataset.name, dataset.bytes, dataset.errorLines, dataset.facts);
  if (state.settings)
    summary.tokens = tokenStats(dataset.examples, counts, state.settings.maxLength);
  send(
    { kind: 'dataset-tokenized', job: dataset.job, summary, columns, done },
    columns ? transferables(columns) : [],
  );
}

function exampleDetail(line: number): ExampleDetail | null {
  const { dataset, tokenizer, renderer, settings } = state;
  if (!dataset || !tokenizer || !renderer || !settings) return null;
  const index = dataset.byLine.get(line);
  if (index === undefined) return null;
  const example = dataset.examples[index];
  const t = renderer.tokenize(example, settings);
  const { pieces, partial } = tokenPieces(t.inputIds, (ids) => tokenizer.decode(ids));
  const flags = tokenColumns(
    [example],
    dataset.facts,
    dataset.counts ? [dataset.counts[index]] : null,
  ).flags[0];
  return {
    line,
    format: example.format,
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

async function handle(msg: WorkerRequest): Promise<void> {
  switch (msg.kind) {
    case 'configure': {
      state.settings = msg.settings;
      state.epoch++;
      if (state.dataset) state.dataset.counts = null;
      if (rebuildRenderer()) await tokenizeDataset();
      return;
    }
    case 'load-tokenizer': {
      const { job, source } = msg;
      latestTokenizerJob = job;
      send({
        kind: 'tokenizer-loading',
        job,
        message: source.kind === 'hub' ? `Downloading ${source.id}…` : 'Reading local files…',
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
      state.epoch++;
      send({ kind: 'tokenizer-ready', job, info: state.tokenizer.info });
      if (state.dataset) state.dataset.counts = null;
      if (rebuildRenderer()) await tokenizeDataset();
      return;
    }
    case 'load-dataset': {
      latestDatasetJob = msg.job;
      state.epoch++;
      try {
        await readDataset(msg.job, msg.input);
      } catch (err) {
        send({ kind: 'dataset-failed', job: msg.job, message: errorMessage(err) });
      }
      return;
    }
    case 'get-example': {
      try {
        const detail = exampleDetail(msg.line);
        if (detail) send({ kind: 'example-detail', detail });
      } catch (err) {
        send({ kind: 'example-failed', line: msg.line, message: errorMessage(err) });
      }
      return;
    }
  }
}

self.onmessage = (e: MessageEvent<WorkerRequest>) => {
  void handle(e.data);
};
