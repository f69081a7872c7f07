// Tokenize outcomes (src/data/masking.ts `TokenizeOutcome`: a tokenized example, or the line and
// the chat template's error) packed into a few typed arrays, so that a tokenizing worker hands a
// chunk of results back with a transfer instead of a structured clone of thousands of small arrays
// (tokenize-pool.ts). The packing is lossless: `unpackOutcome` gives back exactly what the
// tokenizer made, so the pool's results equal the single-threaded ones example by example. Also
// `preparedFromOutcomes`: prepare.ts's `prepareDataset`, from outcomes tokenized elsewhere.
import { exampleAt, packExamples, type ExampleSet } from './exampleset';
import { isTokenizeFailure, type TokenizeOutcome } from './masking';
import type { PreparedDataset } from './prepare';
import { tokenCounts, tokenStats, type TokenCountsOrFailure } from './report';
import type { TokenizedExample } from './types';

/** The outcomes of examples [start, start + count) of a dataset, packed. */
export interface PackedChunk {
  start: number;
  count: number;
  /** The tokenized examples of the chunk, in order (ExampleSet layout, fingerprint ''). */
  set: ExampleSet;
  /** Per outcome: its index in `set`, or -1 when the template failed. */
  slot: Int32Array;
  /** Per outcome whose slot is -1: its line and the error, in order. */
  failures: { line: number; error: string }[];
  /** Per example of `set`: why it is excluded from training, or null. */
  excluded: (string | null)[];
}

/** Packs outcomes [start, start + outcomes.length) of a dataset. */
export function packOutcomes(outcomes: readonly TokenizeOutcome[], start: number): PackedChunk {
  const slot = new Int32Array(outcomes.length);
  const tokenized: TokenizedExample[] = [];
  const failures: PackedChunk['failures'] = [];
  outcomes.forEach((o, j) => {
    if (isTokenizeFailure(o)) {
      slot[j] = -1;
      failures.push({ line: o.line, error: o.error });
    } else {
      slot[j] = tokenized.length;
      tokenized.push(o);
    }
  });
  return {
    start,
    count: outcomes.length,
    set: packExamples(tokenized, ''),
    slot,
    failures,
    excluded: tokenized.map((e) => e.excluded ?? null),
  };
}

/** The buffers of a packed chunk, to transfer with postMessage. */
export function packedChunkBuffers(c: PackedChunk): ArrayBuffer[] {
  const s = c.set;
  return [c.slot, s.lines, s.offsets, s.ids, s.marks, s.fullLength, s.truncatedTrained].map(
    (a) => a.buffer as ArrayBuffer,
  );
}

/** Every outcome of a packed chunk, in order, as the tokenizer made it. */
export function unpackOutcomes(c: PackedChunk): TokenizeOutcome[] {
  const out: TokenizeOutcome[] = [];
  let failure = 0;
  for (let j = 0; j < c.count; j++) {
    const at = c.slot[j];
    if (at < 0) {
      out.push({ ...c.failures[failure++] });
      continue;
    }
    const ex = exampleAt(c.set, at);
    const why = c.excluded[at];
    if (why !== null) ex.excluded = why;
    out.push(ex);
  }
  return out;
}

/** The error text a failed template gives in a prepared dataset (as prepare.ts words it). */
export function templateFailure(error: string): string {
  return `the chat template failed: ${error}`;
}

/** `prepareDataset` (prepare.ts) from outcomes already tokenized (`tokenizeAll` semantics), in
 * row order: the same trainable examples, exclusions and statistics. */
export function preparedFromOutcomes(
  outcomes: readonly TokenizeOutcome[],
  maxLength: number,
): PreparedDataset {
  const examples: TokenizedExample[] = [];
  const excluded: PreparedDataset['excluded'] = [];
  const counts: TokenCountsOrFailure[] = [];
  for (const o of outcomes) {
    if (isTokenizeFailure(o)) {
      const failure = { line: o.line, error: templateFailure(o.error) };
      excluded.push({ line: o.line, reason: failure.error });
      counts.push(failure);
      continue;
    }
    counts.push(tokenCounts(o));
    if (o.excluded !== undefined) excluded.push({ line: o.line, reason: o.excluded });
    else examples.push(o);
  }
  return { examples, excluded, stats: tokenStats(counts, maxLength) };
}
