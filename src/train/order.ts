// The run's data order: which micro-batches each optimizer step consumes. Epoch e visits the
// training examples in a seeded shuffle (seed, e), packs them into rows, and groups rows into
// micro-batches; optimizer steps take `gradAccum` micro-batches at a time within an epoch (the
// last step of an epoch may take fewer). Everything derives from (seed, examples, hyper), so a
// resumed run recomputes the same order from the step number alone.
import type { TokenizedExample } from '../data/types.ts';
import { planBatches, type Row } from './packing.ts';
import { epochOrder } from './split.ts';

export interface StepPlan {
  /** 0-based optimizer step. */
  step: number;
  epoch: number;
  /** Fraction of the run's epochs completed after this step (e.g. 1.5). */
  epochProgress: number;
  /** Micro-batches: rows of indices into `examples` of this epoch's order. */
  microBatches: Row[][];
  /** The epoch's example list (shuffled), which the rows index into. */
  examples: TokenizedExample[];
}

export interface DataOrder {
  totalSteps: number;
  stepsPerEpoch: number[];
  seqLen: number;
  realTokenRatio: number;
  /** The micro-batches of 0-based step `s`. */
  step(s: number): StepPlan;
}

export function makeDataOrder(
  train: readonly TokenizedExample[],
  opts: {
    seed: number;
    seqLen: number;
    batchSize: number;
    gradAccum: number;
    packing: boolean;
    epochs: number;
    maxSteps?: number;
  },
): DataOrder {
  if (train.length === 0) throw new Error('No training examples (every example was filtered out?)');
  const cache = new Map<number, { examples: TokenizedExample[]; mbs: Row[][][]; ratio: number }>();
  const epochPlan = (e: number) => {
    let p = cache.get(e);
    if (!p) {
      const examples = epochOrder(train, opts.seed, e);
      const plan = planBatches(examples, {
        seqLen: opts.seqLen,
        batchSize: opts.batchSize,
        packing: opts.packing,
      });
      const mbs: Row[][][] = [];
      for (let i = 0; i < plan.microBatches.length; i += opts.gradAccum) {
        mbs.push(plan.microBatches.slice(i, i + opts.gradAccum));
      }
      p = { examples, mbs, ratio: plan.realTokenRatio };
      cache.set(e, p);
      if (cache.size > 2) cache.delete(Math.min(...cache.keys()));
    }
    return p;
  };
  const first = epochPlan(0);
  const perEpoch = first.mbs.length;
  // Steps per epoch vary at most slightly with packing; the schedule uses the first epoch's count.
  const fullEpochs = Math.floor(opts.epochs);
  const fracSteps = Math.round((opts.epochs - fullEpochs) * perEpoch);
  const totalSteps = opts.maxSteps ?? Math.max(1, fullEpochs * perEpoch + fracSteps);
  // Map a global step to (epoch, index within epoch), walking epochs (memoised by epoch start).
  const starts: number[] = [0];
  const locate = (s: number): [number, number] => {
    let e = 0;
    for (;;) {
      if (starts[e + 1] === undefined) starts[e + 1] = starts[e] + epochPlan(e).mbs.length;
      if (s < starts[e + 1]) return [e, s - starts[e]];
      e++;
    }
  };
  return {
    totalSteps,
    stepsPerEpoch: [perEpoch],
    seqLen: opts.seqLen,
    realTokenRatio: first.ratio,
    step(s: number): StepPlan {
      const [e, i] = locate(s);
      const p = epochPlan(e);
      return {
        step: s,
        epoch: e,
        epochProgress: e + (i + 1) / p.mbs.length,
        microBatches: p.mbs[i],
        examples: p.examples,
      };
    },
  };
}
