// LR schedules against transformers' get_*_schedule_with_warmup formulas (values worked by hand).
import { describe, expect, it } from 'vitest';
import { lrLambda, makeSchedule, warmupSteps } from '../../src/train/schedule.ts';

describe('schedule', () => {
  it('warmup steps are ceil(total * ratio) (TrainingArguments.get_warmup_steps)', () => {
    expect(warmupSteps(100, 0.03)).toBe(3);
    expect(warmupSteps(10, 0.03)).toBe(1);
    expect(warmupSteps(10, 0)).toBe(0);
  });

  it('warmup never covers every step (a one-step run trains at a learning rate above 0)', () => {
    expect(warmupSteps(1, 0.03)).toBe(0);
    expect(warmupSteps(2, 1)).toBe(1);
    expect(makeSchedule('cosine', 2e-4, 1, 0.03).lr(0)).toBe(2e-4);
    for (const total of [1, 2, 3, 5]) {
      const s = makeSchedule('linear', 1, total, 0.5);
      expect(Math.max(...Array.from({ length: total }, (_, i) => s.lr(i)))).toBeGreaterThan(0);
    }
  });

  it('cosine: linear warmup from 0, half-cosine to 0', () => {
    const f = (s: number) => lrLambda('cosine', s, 103, 3);
    expect(f(0)).toBe(0);
    expect(f(1)).toBeCloseTo(1 / 3, 12);
    expect(f(3)).toBeCloseTo(1, 12);
    expect(f(53)).toBeCloseTo(0.5, 12); // progress 0.5
    expect(f(28)).toBeCloseTo(0.5 * (1 + Math.cos(Math.PI * 0.25)), 12);
    expect(f(103)).toBeCloseTo(0, 12);
  });

  it('linear: decays to 0 at the last step', () => {
    const f = (s: number) => lrLambda('linear', s, 10, 2);
    expect(f(1)).toBe(0.5);
    expect(f(2)).toBe(1);
    expect(f(6)).toBe(0.5);
    expect(f(10)).toBe(0);
    expect(f(12)).toBe(0);
  });

  it('constant with warmup', () => {
    expect(lrLambda('constant', 0, 10, 4)).toBe(0);
    expect(lrLambda('constant', 2, 10, 4)).toBe(0.5);
    expect(lrLambda('constant', 9, 10, 4)).toBe(1);
    expect(lrLambda('constant', 0, 10, 0)).toBe(1);
  });

  it('makeSchedule scales by the base LR', () => {
    const s = makeSchedule('cosine', 2e-4, 100, 0.03);
    expect(s.warmup).toBe(3);
    expect(s.lr(3)).toBeCloseTo(2e-4, 15);
    expect(s.lr(0)).toBe(0);
  });
});
