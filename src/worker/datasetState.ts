// The dataset worker's state, shared by its parts (datasetLoad.ts, datasetTokenize.ts,
// datasetTokenizer.ts, datasetAnswers.ts): the dataset read last, the tokenizer and template in use,
// the preview settings, and what stops stale work. Every request that makes running work stale
// bumps `epoch` (a tokenizing loop stops when it changes); the newest dataset and tokenizer jobs are
// kept so that an older, slower read or download ends quietly instead of replacing a newer one.
import type { Example, ExampleSetBuilder, TokenCountsOrFailure } from '../data/index.ts';
import type { LoadedTokenizer, Renderer } from './dataApi.ts';
import type { PreviewSettings, WorkerEvent } from './protocol.ts';
import type { ParseFacts } from './summary.ts';

/** What tokenizing the dataset produced: per valid row its counts (or the template's failure),
 * and the token arrays of every row that tokenized. */
export interface Tokenized {
  counts: TokenCountsOrFailure[];
  set: ExampleSetBuilder;
  /** Row index (into examples) → index in the set, -1 when the template failed. */
  setIndex: Int32Array;
  fingerprint: string | null;
  maxLength: number;
}

export interface Dataset {
  job: number;
  name: string;
  bytes: number;
  errorLines: number;
  examples: Example[];
  facts: ParseFacts;
  byLine: Map<number, number>;
  tokenized: Tokenized | null;
}

export const state: {
  settings: PreviewSettings | null;
  tokenizer: LoadedTokenizer | null;
  renderer: Renderer | null;
  dataset: Dataset | null;
  /** Bumped by every request that invalidates running work; long loops stop when it changes. */
  epoch: number;
  /** The newest load-dataset job (0 once cancelled): an older read stops when this changes. */
  datasetJob: number;
  /** The newest load-tokenizer job: an older download must not replace what it loaded. */
  tokenizerJob: number;
} = {
  settings: null,
  tokenizer: null,
  renderer: null,
  dataset: null,
  epoch: 0,
  datasetJob: 0,
  tokenizerJob: 0,
};

/** True once a newer load (or a cancel) replaced dataset job `job`. */
export function jobSuperseded(job: number): boolean {
  return job !== state.datasetJob;
}

/** New settings or a new tokenizer: running tokenizing stops and the old tokens are void. */
export function invalidate(): void {
  state.epoch++;
  if (state.dataset) state.dataset.tokenized = null;
}

export function send(msg: WorkerEvent, transfer: Transferable[] = []): void {
  postMessage(msg, { transfer });
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Lets queued messages (a new file, new settings) run between batches of work. */
export const yieldToMessages = () => new Promise<void>((r) => setTimeout(r, 0));

/** How often long work reports progress (and lets queued messages through). */
export const kProgressMs = 80;
