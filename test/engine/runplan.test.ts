// The run plan the Train step shows before Start: a newcomer's first run (24 short examples packed
// into rows of 2048 with an effective batch of 16) is one optimizer step; the plan says it is too
// short and proposes settings that give at least kMinUsefulSteps steps, each of which really does.
import { describe, expect, it } from 'vitest';
import {
  kDefaultSettings,
  kMinUsefulSteps,
  planRun,
  withDefaults,
} from '../../src/engine/index.ts';
import { makeSchedule } from '../../src/train/schedule.ts';

describe('planRun', () => {
  const lengths = Array.from({ length: 24 }, (_, i) => 120 + ((i * 37) % 90));

  it('the newcomer run: one step, flagged, with suggestions that each reach 30 steps', () => {
    const plan = planRun(lengths, kDefaultSettings);
    expect(plan.rowsPerEpoch).toBe(2);
    expect(plan.totalSteps).toBe(1);
    expect(plan.tooShort).toBe(true);
    expect(plan.suggestions.length).toBeGreaterThan(0);
    for (const s of plan.suggestions) {
      const after = planRun(lengths, { ...kDefaultSettings, ...s.patch });
      expect(after.totalSteps).toBe(s.steps);
      expect(after.totalSteps).toBeGreaterThanOrEqual(kMinUsefulSteps);
      expect(after.tooShort).toBe(false);
      // and its learning rate is not 0 for every step
      const sched = makeSchedule('cosine', 2e-4, after.totalSteps, 0.03);
      expect(sched.lr(after.totalSteps - 1)).toBeGreaterThanOrEqual(0);
      expect(
        Math.max(...Array.from({ length: after.totalSteps }, (_, i) => sched.lr(i))),
      ).toBeGreaterThan(0);
    }
  });

  it('a large enough dataset is not flagged', () => {
    const many = Array.from({ length: 2000 }, () => 700);
    const plan = planRun(many, kDefaultSettings);
    expect(plan.tooShort).toBe(false);
    expect(plan.suggestions).toEqual([]);
    expect(plan.totalSteps).toBe(Math.ceil(Math.ceil(2000 / 2) / 16));
  });

  it('an empty dataset has no plan to fix', () => {
    expect(planRun([], kDefaultSettings).tooShort).toBe(false);
  });

  it('withDefaults fills every missing or undefined field from the one table', () => {
    expect(withDefaults({})).toEqual(kDefaultSettings);
    expect(withDefaults({ lr: undefined, r: 8 })).toEqual({ ...kDefaultSettings, r: 8 });
  });
});
