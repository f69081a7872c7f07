// The data side of a training run, from the host's tokenized examples: ids checked against the
// vocabulary, examples without a trained token dropped, the seeded eval split (unless the host gave
// eval examples), the row length and the data order (steps, epochs, packing). A resumed run keeps
// its checkpoint's row length and step count; the split and the order are recomputed from the seed.
import { isTrainable } from '../data/prepare.ts';
import type { TokenizedExample } from '../data/types.ts';
import type { TrainHyper } from './config.ts';
import { checkTokenIds } from './context.ts';
import { makeDataOrder, type DataOrder } from './order.ts';
import { runSeqLen } from './packing.ts';
import { evalSplit } from './split.ts';

export interface RunData {
  trainSet: TokenizedExample[];
  evalSet: TokenizedExample[];
  /** Tokens per row. */
  seqLen: number;
  order: DataOrder;
  totalSteps: number;
}

export function prepareRunData(
  train: TokenizedExample[],
  evalExamples: TokenizedExample[] | undefined,
  hyper: TrainHyper,
  vocab: number,
  resume: { seqLen: number; totalSteps: number } | null,
): RunData {
  checkTokenIds(train, vocab, 'training');
  if (evalExamples) checkTokenIds(evalExamples, vocab, 'eval');
  // The one exclusion rule (src/data/prepare.ts): label 0 is never a next-token target.
  const usable = train.filter(isTrainable);
  let trainSet = usable;
  let evalSet = evalExamples ?? [];
  if (!evalExamples && hyper.evalSplit > 0) {
    const s = evalSplit(usable.length, hyper.evalSplit, hyper.seed);
    trainSet = s.train.map((i) => usable[i]);
    evalSet = s.eval.map((i) => usable[i]);
  }
  // Rows fit the longest eval example too (up to maxLength), so in-run evaluation never truncates.
  const seqLen =
    resume?.seqLen ??
    Math.max(
      runSeqLen(trainSet, hyper.maxLength, hyper.packing),
      runSeqLen(evalSet, hyper.maxLength, false),
    );
  const order = makeDataOrder(trainSet, {
    seed: hyper.seed,
    seqLen,
    batchSize: hyper.batchSize,
    gradAccum: hyper.gradAccum,
    packing: hyper.packing,
    epochs: hyper.epochs,
    maxSteps: hyper.maxSteps,
  });
  return { trainSet, evalSet, seqLen, order, totalSteps: resume?.totalSteps ?? order.totalSteps };
}
