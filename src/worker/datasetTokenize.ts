// The dataset worker's tokenizing of the whole dataset: every example through the chosen tokenizer
// and chat template (on a pool of sub-workers for a big set, tokenize-workers.ts, merged in row
// order, so the result is the single-threaded one), with progress, interim statistics for a large
// set, and `dataset-tokenized` at the end, which the preview, the report's token statistics and
// training wait for. Then the token checks of the lint (special tokens, truncated), which need the
// tokens. A newer request (new settings, tokenizer or dataset) stops a run: see datasetState.ts.
import { ExampleSetBuilder, tokenCounts, tokenStats } from '../data/index.ts';
import { lintTokenized } from './curationRequests.ts';
import type { Renderer } from './dataApi.ts';
import { keptCounts } from './datasetCuration.ts';
import {
  kProgressMs,
  send,
  state,
  yieldToMessages,
  type Dataset,
  type Tokenized,
} from './datasetState.ts';
import { datasetSummary, tokenColumns, transferables } from './summary.ts';
import { subWorkers, tokenizeOnWorkers } from './tokenize-workers.ts';

/** How often a long tokenizing run shows the statistics of what is tokenized so far. */
const kInterimMs = 5000;

/** Tokenizes the whole dataset when dataset, tokenizer and settings are all there. */
export async function tokenizeDataset(): Promise<void> {
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

/** The token statistics of `work` (kept rows only); with the table's token columns when done. */
function sendTokenized(dataset: Dataset, work: Tokenized, done: boolean): void {
  const columns = done ? tokenColumns(dataset.examples, dataset.facts, work.counts) : null;
  const summary = datasetSummary(dataset.name, dataset.bytes, dataset.errorLines, dataset.facts);
  summary.tokens = tokenStats(keptCounts(dataset, work.counts), work.maxLength);
  send(
    { kind: 'dataset-tokenized', job: dataset.job, summary, columns, done },
    columns ? transferables(columns) : [],
  );
}
