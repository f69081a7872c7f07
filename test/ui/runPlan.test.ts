// The Train step's run-length check: the text shown for a plan, and that one click on a suggestion
// (applySuggestion) turns the newcomer's one-step run into a useful one. Plans come from the
// engine's own planRun, as the dataset worker computes them. Also the loss chart's axis range.
import { describe, expect, it } from 'vitest';
import { kDefaultSettings, planRun } from '../../src/engine/index.ts';
import { lossAxis } from '../../src/ui/train-step/LossChart.tsx';
import {
  applySuggestion,
  planMatches,
  planSummary,
  tooShortWarning,
} from '../../src/ui/train-step/runPlanText.ts';

// 24 short conversations (the "Multi-turn assistant" sample is about this size).
const lengths = Array.from({ length: 24 }, (_, i) => 60 + ((i * 37) % 90));

describe('run plan text', () => {
  const settings = { ...kDefaultSettings };
  const plan = planRun(lengths, settings);

  it('flags the default run on a small dataset as too short', () => {
    // ~2,500 tokens pack into 2 rows of 2048: one step of effective batch 16.
    expect(plan.totalSteps).toBe(1);
    expect(plan.rowsPerEpoch).toBe(2);
    expect(plan.tooShort).toBe(true);
    expect(plan.suggestions.length).toBeGreaterThanOrEqual(1);
    expect(planSummary(plan, settings)).toBe(
      'This run: 1 optimizer step (2 rows of 2048 tokens per epoch, effective batch 16)',
    );
    const warning = tooShortWarning(plan, settings);
    expect(warning).toContain('Only 1 optimizer step');
    expect(warning).toContain('learning rate would hardly leave 0');
    expect(warning).toContain('24 training examples fill 2 rows per epoch');
  });

  it('each suggestion, applied, gives the steps it promised and a run that is not too short', () => {
    for (const sg of plan.suggestions) {
      const next = applySuggestion(settings, sg);
      const again = planRun(lengths, next);
      expect(again.totalSteps).toBe(sg.steps);
      expect(again.tooShort).toBe(false);
      // Only the patched fields change.
      for (const k of Object.keys(settings) as (keyof typeof settings)[]) {
        if (!(k in sg.patch)) expect(next[k]).toEqual(settings[k]);
      }
    }
  });

  it('says plural rows and the effective batch the trainer will use', () => {
    const s = { ...settings, packing: false, effectiveBatch: 5, microBatch: 2 };
    const p = planRun(lengths, s);
    // 5 / 2 rounds (half up, as the engine's gradAccumOf) to 3 passes of 2 rows: a batch of 6.
    expect(planSummary(p, s)).toMatch(/^This run: \d+ optimizer steps \(24 rows of \d+ tokens/);
    expect(planSummary(p, s)).toContain('effective batch 6)');
  });

  it('knows when a plan was made for other settings', () => {
    expect(planMatches(settings, { ...settings })).toBe(true);
    expect(planMatches(settings, { ...settings, targets: ['q_proj'] })).toBe(false);
    expect(planMatches(settings, { ...settings, epochs: 2 })).toBe(false);
    expect(planMatches(null, settings)).toBe(false);
  });
});

describe('loss chart axis', () => {
  const pt = (step: number, loss: number | null, evalLoss?: number) => ({
    step,
    loss,
    smooth: loss,
    lr: 0,
    ...(evalLoss !== undefined ? { evalLoss } : {}),
  });

  it('never gives recharts an empty range (a flat loss, one point)', () => {
    const { domain, ticks } = lossAxis([pt(1, 11.03), pt(2, 11.03)]);
    expect(domain[0]).toBeLessThan(11.03);
    expect(domain[1]).toBeGreaterThan(11.03);
    expect(new Set(ticks).size).toBe(ticks.length);
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(lossAxis([]).domain).toEqual([0, 1]);
    expect(lossAxis([pt(1, null)]).domain).toEqual([0, 1]);
  });

  it('covers the training and eval losses on round ticks, not below 0', () => {
    const { domain, ticks } = lossAxis([pt(1, 11.8), pt(2, null), pt(3, 2.2, 0.5)]);
    expect(domain[0]).toBeGreaterThanOrEqual(0);
    expect(domain[0]).toBeLessThan(0.5);
    expect(domain[1]).toBeGreaterThan(11.8);
    expect(ticks).toEqual([0, 2.5, 5, 7.5, 10, 12.5]);
    expect(domain).toEqual([0, 12.5]);
  });
});
