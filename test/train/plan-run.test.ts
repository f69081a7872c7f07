// planRunShape (lengths only) agrees with the trainer's own data preparation (prepareRunData +
// makeDataOrder) on steps, row length and split sizes, over random datasets and settings.
import { describe, expect, it } from 'vitest';
import type { TokenizedExample } from '../../src/data/types.ts';
import { resolveHyper } from '../../src/train/config.ts';
import { planRunShape } from '../../src/train/plan-run.ts';
import { prepareRunData } from '../../src/train/rundata.ts';
import { rng } from '../helpers/random.ts';

function example(line: number, len: number): TokenizedExample {
  const inputIds = Array.from({ length: len }, (_, j) => 1 + (j % 50));
  return {
    line,
    inputIds,
    labels: inputIds.map((id, j) => (j < len / 2 ? -100 : id)),
    roles: inputIds.map(() => 'assistant' as const),
    fullLength: len,
    truncatedTrainedTokens: 0,
  };
}

describe('planRunShape', () => {
  it('matches prepareRunData on random datasets and settings', () => {
    const r = rng(11);
    for (let trial = 0; trial < 60; trial++) {
      const n = 1 + Math.floor(r() * 80);
      const examples = Array.from({ length: n }, (_, i) =>
        example(i + 1, 2 + Math.floor(r() * 300)),
      );
      const hyper = resolveHyper({
        maxLength: [64, 128, 512, 2048][Math.floor(r() * 4)],
        packing: r() < 0.7,
        batchSize: 1 + Math.floor(r() * 3),
        gradAccum: [1, 2, 4, 16][Math.floor(r() * 4)],
        epochs: [1, 2, 3, 1.5][Math.floor(r() * 4)],
        maxSteps: r() < 0.2 ? 7 : undefined,
        evalSplit: r() < 0.5 ? 0 : 0.2,
        seed: Math.floor(r() * 1000),
      });
      const data = prepareRunData(examples, undefined, hyper, 1000, null);
      const shape = planRunShape(
        examples.map((e) => e.inputIds.length),
        { ...hyper, maxSteps: hyper.maxSteps },
      );
      expect(shape.totalSteps).toBe(data.totalSteps);
      expect(shape.seqLen).toBe(data.seqLen);
      expect(shape.trainExamples).toBe(data.trainSet.length);
      expect(shape.evalExamples).toBe(data.evalSet.length);
      expect(shape.realTokenRatio).toBeCloseTo(data.order.realTokenRatio, 12);
    }
  });
});
