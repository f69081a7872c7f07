// The dataset worker's loading of a dataset: reads any source (a file of any kind src/data reads,
// a sample URL, a Hugging Face Hub split) with progress, optionally through a column mapping, then
// tokenizes it (when a tokenizer is loaded) and runs the quality lint over it. Tokens come first:
// the preview, the report's token statistics and training wait for them, while the lint's flag
// counts only show as being checked meanwhile (and its token checks need the tokens anyway). A
// newer load or a cancel stops a load at its next batch of rows and ends it quietly.
import { readExamples, tokenStats, type RowItem } from '../data/index.ts';
import { mappingFormat, type ColumnMapping } from '../data/mapping.ts';
import { lintDataset } from './curationRequests.ts';
import { keptCounts, startCuration } from './datasetCuration.ts';
import { datasetReading } from './datasetReading.ts';
import { keepFirstRows, openSource } from './datasetSource.ts';
import {
  errorMessage,
  jobSuperseded,
  kProgressMs,
  send,
  state,
  yieldToMessages,
  type Dataset,
} from './datasetState.ts';
import { tokenizeDataset } from './datasetTokenize.ts';
import type { DatasetInput } from './protocol.ts';
import { datasetSummary, exampleTable, parseFacts, transferables } from './summary.ts';

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

function summaryOf(d: Dataset) {
  const summary = datasetSummary(d.name, d.bytes, d.errorLines, d.facts);
  if (d.tokenized) {
    summary.tokens = tokenStats(keptCounts(d, d.tokenized.counts), d.tokenized.maxLength);
  }
  return summary;
}

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
  // The flag counts show as being checked from now until the lint pass below has sent the report
  // (the token checks after tokenizing hold theirs back until then: curationRequests.ts).
  send({ kind: 'lint-progress', job, done: 0, total: dataset.examples.length });
  await tokenizeDataset();
  if (jobSuperseded(job)) return;
  await lintDataset(dataset, () => !jobSuperseded(job));
}

/** `load-dataset`: reads, tokenizes and lints; a failure is reported unless a newer job replaced
 * this one (a cancelled or replaced read ends quietly: its aborted downloads throw). */
export async function loadDataset(
  job: number,
  input: DatasetInput,
  mapping: ColumnMapping | null,
): Promise<void> {
  state.datasetJob = job;
  state.epoch++;
  try {
    if (mapping) mappingFormat(mapping); // an incomplete mapping fails here, once
    await readDataset(job, input, mapping);
  } catch (err) {
    if (!jobSuperseded(job)) send({ kind: 'dataset-failed', job, message: errorMessage(err) });
  }
}

/** `cancel-dataset`: stops the load of `job` (if it is the newest) and forgets its rows. */
export function cancelDataset(job: number): void {
  if (job !== state.datasetJob) return;
  state.datasetJob = 0;
  state.epoch++;
  readAbort.abort();
  // Read already: the cancelled dataset must not be tokenized on, nor trained.
  if (state.dataset?.job === job) state.dataset = null;
  send({ kind: 'dataset-cancelled', job });
}
