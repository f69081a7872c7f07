// Packing: tokenized examples → micro-batches of `rows × seqLen` tokens for the model.
//
// With packing (the default), examples are bin-packed first-fit decreasing into rows of at most
// `maxLength` tokens; within a row, positions restart at 0 for each example and every token carries
// its example's segment id, so attention is block-diagonal causal (no example sees another).
// Without packing, each example gets its own row, padded. Labels come in the Hugging Face
// convention (unshifted, -100 masked); here they become next-token targets
// (`targets[j] = labels[j + 1]`) within each example only: the last token of an example never
// predicts the first token of the next one. Padding has target -100.
import type { TokenizedExample } from '../data/types.ts';

export const kIgnore = -100;

/** One micro-batch, flattened row-major: token (row r, column t) is at index r * seqLen + t. */
export interface PackedBatch {
  rows: number;
  seqLen: number;
  inputIds: Int32Array; // (rows*seqLen) pad id 0
  positions: Int32Array; // (rows*seqLen) 0-based within each example
  segments: Int32Array; // (rows*seqLen) example id, unique within the batch; padding its own id
  starts: Int32Array; // (rows*seqLen) flat index of the token's example start (k - positions[k])
  targets: Int32Array; // (rows*seqLen) next-token target or -100
  /** Tokens that belong to an example (not padding). */
  realTokens: number;
  /** Targets that are not -100: the tokens the loss is over. */
  trainedTokens: number;
  /** Source line numbers of the examples in this batch. */
  lines: number[];
}

/** A row: examples (indices into the list given to `packRows`) laid end to end. */
export type Row = number[];

/** Trained next-token targets an example contributes (labels[1..] that are not -100). */
export function trainedTargets(ex: Pick<TokenizedExample, 'labels'>, maxLength: number): number {
  let n = 0;
  const len = Math.min(ex.labels.length, maxLength);
  for (let j = 1; j < len; j++) if (ex.labels[j] !== kIgnore) n++;
  return n;
}

/**
 * First-fit decreasing: examples sorted by length (longest first, ties in the given order), each
 * into the first row with room, else a new row. Examples longer than `maxLength` are truncated.
 */
export function packRows(lengths: readonly number[], maxLength: number): Row[] {
  const order = lengths
    .map((len, i) => ({ len: Math.min(len, maxLength), i }))
    .sort((a, b) => b.len - a.len || a.i - b.i);
  const rows: Row[] = [];
  const free: number[] = [];
  for (const { len, i } of order) {
    let r = 0;
    while (r < rows.length && free[r] < len) r++;
    if (r === rows.length) {
      rows.push([]);
      free.push(maxLength);
    }
    rows[r].push(i);
    free[r] -= len;
  }
  return rows;
}

/** One example per row (no packing). */
export function unpackedRows(n: number): Row[] {
  return Array.from({ length: n }, (_, i) => [i]);
}

/** Lays `rows` (each a list of example indices) into one micro-batch of `seqLen` columns. */
export function makeBatch(
  examples: readonly TokenizedExample[],
  rows: readonly Row[],
  seqLen: number,
): PackedBatch {
  const n = rows.length * seqLen;
  const inputIds = new Int32Array(n);
  const positions = new Int32Array(n);
  const segments = new Int32Array(n);
  const targets = new Int32Array(n).fill(kIgnore);
  let realTokens = 0;
  let trainedTokens = 0;
  let segment = 0;
  const lines: number[] = [];
  rows.forEach((row, r) => {
    let t = 0;
    for (const e of row) {
      const ex = examples[e];
      const len = Math.min(ex.inputIds.length, seqLen - t);
      for (let j = 0; j < len; j++) {
        const k = r * seqLen + t + j;
        inputIds[k] = ex.inputIds[j];
        positions[k] = j;
        segments[k] = segment;
        const target = j + 1 < len ? ex.labels[j + 1] : kIgnore;
        targets[k] = target;
        if (target !== kIgnore) trainedTokens++;
      }
      t += len;
      realTokens += len;
      segment++;
      lines.push(ex.line);
    }
    // Padding: its own segment, positions counting from 0, no targets.
    for (let j = 0; t + j < seqLen; j++) {
      const k = r * seqLen + t + j;
      positions[k] = j;
      segments[k] = segment;
    }
    if (t < seqLen) segment++;
  });
  const starts = new Int32Array(n);
  for (let k = 0; k < n; k++) starts[k] = k - positions[k];
  return {
    rows: rows.length,
    seqLen,
    inputIds,
    positions,
    segments,
    starts,
    targets,
    realTokens,
    trainedTokens,
    lines,
  };
}

export interface BatchPlan {
  /** Micro-batches, each a list of rows. */
  microBatches: Row[][];
  /** Columns per row (the run's fixed row length). */
  seqLen: number;
  /** Real tokens / (rows × seqLen) over all micro-batches: how little is padding. */
  realTokenRatio: number;
}

/**
 * The row length for a whole run, fixed so that every buffer and dispatch is sized once: with
 * packing the max length (or all tokens, when the dataset is shorter than one row); without, the
 * longest example (at most the max length).
 */
export function runSeqLen(
  examples: readonly Pick<TokenizedExample, 'inputIds'>[],
  maxLength: number,
  packing: boolean,
): number {
  let longest = 1;
  let total = 0;
  for (const e of examples) {
    const len = Math.min(e.inputIds.length, maxLength);
    longest = Math.max(longest, len);
    total += len;
  }
  return packing ? Math.max(1, Math.min(maxLength, total)) : longest;
}

/**
 * Rows for a list of examples (already in the epoch's order), `batchSize` rows per micro-batch.
 * With packing, rows are bin-packed (FFD) into `seqLen` columns, then visited in the order FFD
 * made them; the caller's seeded shuffle of the examples randomises ties.
 */
export function planBatches(
  examples: readonly TokenizedExample[],
  opts: { seqLen: number; batchSize: number; packing: boolean },
): BatchPlan {
  const lengths = examples.map((e) => Math.min(e.inputIds.length, opts.seqLen));
  const rows = opts.packing ? packRows(lengths, opts.seqLen) : unpackedRows(examples.length);
  let real = 0;
  for (const len of lengths) real += len;
  const microBatches: Row[][] = [];
  for (let i = 0; i < rows.length; i += opts.batchSize) {
    microBatches.push(rows.slice(i, i + opts.batchSize));
  }
  const slots = microBatches.length * opts.batchSize * opts.seqLen;
  return { microBatches, seqLen: opts.seqLen, realTokenRatio: slots ? real / slots : 0 };
}
