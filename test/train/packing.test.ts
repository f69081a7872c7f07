// Packing invariants: no target crosses an example boundary, positions restart, segments separate
// examples, every trained label is kept exactly once, FFD fills rows, seeded split/shuffle.
import { describe, expect, it } from 'vitest';
import type { TokenizedExample } from '../../src/data/types.ts';
import {
  kIgnore,
  makeBatch,
  packRows,
  planBatches,
  runSeqLen,
  trainedTargets,
} from '../../src/train/packing.ts';
import { epochOrder, evalSplit } from '../../src/train/split.ts';
import { rng } from '../helpers/random.ts';

function example(line: number, len: number, r: () => number): TokenizedExample {
  const inputIds = Array.from({ length: len }, () => 1 + Math.floor(r() * 1000));
  const labels = inputIds.map((id, j) => (j < len / 3 ? kIgnore : id));
  return {
    line,
    inputIds,
    labels,
    roles: inputIds.map(() => 'assistant' as const),
    fullLength: len,
    truncatedTrainedTokens: 0,
  };
}

describe('packing', () => {
  const r = rng(7);
  const examples = Array.from({ length: 40 }, (_, i) =>
    example(i + 1, 3 + Math.floor(r() * 60), r),
  );

  it('FFD rows respect the capacity and hold every example once', () => {
    const lengths = examples.map((e) => e.inputIds.length);
    const rows = packRows(lengths, 64);
    const seen = rows.flat().sort((a, b) => a - b);
    expect(seen).toEqual(examples.map((_, i) => i));
    for (const row of rows) expect(row.reduce((s, e) => s + lengths[e], 0)).toBeLessThanOrEqual(64);
    const total = lengths.reduce((a, b) => a + b, 0);
    // FFD is within 11/9 OPT + 1 of the optimum; check it is close to the lower bound.
    expect(rows.length).toBeLessThanOrEqual(Math.ceil((total / 64) * (11 / 9)) + 1);
  });

  it('batches: positions restart, targets never cross examples, trained tokens preserved', () => {
    const seqLen = runSeqLen(examples, 64, true);
    expect(seqLen).toBe(64);
    const plan = planBatches(examples, { seqLen, batchSize: 2, packing: true });
    expect(plan.realTokenRatio).toBeGreaterThan(0.8);
    let trained = 0;
    for (const mb of plan.microBatches) {
      const b = makeBatch(examples, mb, seqLen);
      trained += b.trainedTokens;
      let k = 0;
      for (const row of mb) {
        let t = 0;
        for (const e of row) {
          const ex = examples[e];
          for (let j = 0; j < ex.inputIds.length; j++) {
            const idx = k * seqLen + t + j;
            expect(b.inputIds[idx]).toBe(ex.inputIds[j]);
            expect(b.positions[idx]).toBe(j);
            expect(b.segments[idx]).toBe(b.segments[k * seqLen + t]);
            const want = j + 1 < ex.inputIds.length ? ex.labels[j + 1] : kIgnore;
            expect(b.targets[idx]).toBe(want);
          }
          if (t > 0) expect(b.segments[k * seqLen + t]).not.toBe(b.segments[k * seqLen + t - 1]);
          t += ex.inputIds.length;
        }
        for (; t < seqLen; t++) expect(b.targets[k * seqLen + t]).toBe(kIgnore);
        k++;
      }
    }
    expect(trained).toBe(examples.reduce((s, e) => s + trainedTargets(e, 64), 0));
  });

  it('no packing: one example per row, padded to the longest', () => {
    const seqLen = runSeqLen(examples, 64, false);
    const plan = planBatches(examples, { seqLen, batchSize: 4, packing: false });
    expect(plan.microBatches.length).toBe(10);
    const b = makeBatch(examples, plan.microBatches[0], seqLen);
    expect(b.rows).toBe(4);
    expect(b.lines).toEqual([1, 2, 3, 4]);
  });

  it('truncates examples longer than the row', () => {
    const long = example(1, 100, r);
    const b = makeBatch([long], [[0]], 32);
    expect(b.realTokens).toBe(32);
    expect(b.targets[31]).toBe(kIgnore);
    expect(b.targets[30]).toBe(long.labels[31]);
  });

  it('eval split and epoch order are seeded and deterministic', () => {
    const a = evalSplit(100, 0.1, 3);
    expect(a.eval.length).toBe(10);
    expect(new Set([...a.train, ...a.eval]).size).toBe(100);
    expect(evalSplit(100, 0.1, 3)).toEqual(a);
    expect(evalSplit(100, 0.1, 4)).not.toEqual(a);
    const o0 = epochOrder(a.train, 3, 0);
    expect(epochOrder(a.train, 3, 0)).toEqual(o0);
    expect(epochOrder(a.train, 3, 1)).not.toEqual(o0);
    expect([...o0].sort((x, y) => x - y)).toEqual(a.train);
  });
});
