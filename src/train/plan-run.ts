// How long a run will be, from the examples' token lengths alone (no token ids): the eval split,
// the row length, the rows per epoch after packing and the optimizer steps. The same arithmetic as
// prepareRunData + makeDataOrder (rundata.ts, order.ts), so the studio can say before Start that a
// run is too short to learn anything (test/train/plan-run.test.ts holds the two together).
import { packRows } from './packing.ts';
import { evalSplit } from './split.ts';

export interface RunShapeInput {
  maxLength: number;
  packing: boolean;
  batchSize: number;
  gradAccum: number;
  epochs: number;
  maxSteps?: number;
  evalSplit: number;
  seed: number;
}

export interface RunShape {
  trainExamples: number;
  evalExamples: number;
  /** Tokens per row. */
  seqLen: number;
  /** Rows (packed sequences) per epoch, and micro-batches per epoch. */
  rowsPerEpoch: number;
  stepsPerEpoch: number;
  totalSteps: number;
  /** Real tokens / row slots of an epoch. */
  realTokenRatio: number;
}

/** `lengths`: token count of each trainable example, in dataset order. */
export function planRunShape(lengths: readonly number[], h: RunShapeInput): RunShape {
  const split = evalSplit(lengths.length, h.evalSplit, h.seed);
  const train = split.train.map((i) => Math.min(lengths[i], h.maxLength));
  const evalLens = split.eval.map((i) => Math.min(lengths[i], h.maxLength));
  let total = 0;
  let longest = 1;
  for (const n of train) {
    total += n;
    longest = Math.max(longest, n);
  }
  let evalLongest = 1;
  for (const n of evalLens) evalLongest = Math.max(evalLongest, n);
  const trainSeqLen = h.packing ? Math.max(1, Math.min(h.maxLength, total)) : longest;
  const seqLen = Math.max(trainSeqLen, evalLongest);
  const rows = h.packing
    ? packRows(
        train.map((n) => Math.min(n, seqLen)),
        seqLen,
      ).length
    : train.length;
  const microBatches = Math.ceil(rows / h.batchSize);
  const stepsPerEpoch = Math.ceil(microBatches / h.gradAccum);
  const fullEpochs = Math.floor(h.epochs);
  const fracSteps = Math.round((h.epochs - fullEpochs) * stepsPerEpoch);
  const totalSteps = h.maxSteps ?? Math.max(1, fullEpochs * stepsPerEpoch + fracSteps);
  const slots = microBatches * h.batchSize * seqLen;
  return {
    trainExamples: train.length,
    evalExamples: evalLens.length,
    seqLen,
    rowsPerEpoch: rows,
    stepsPerEpoch,
    totalSteps,
    realTokenRatio: slots ? total / slots : 0,
  };
}
