// The loss heat view's pure logic: the value each token shows per mode (tuned, base, tuned − base,
// null where a token is not trained or a model has no value), colors that saturate and that tell
// a lowered loss (green) from a raised one (red), and the mean over trained tokens.
import { describe, expect, it } from 'vitest';
import {
  heatColor,
  heatValues,
  kDiffMax,
  kHeatMax,
  meanOf,
} from '../../src/ui/dataset-step/lossHeat.ts';

describe('loss heat values', () => {
  const base = [null, 4, 2, null, 6];
  const tuned = [null, 1, 3, null, null];

  it('shows one model, or the difference where both have a value', () => {
    expect(heatValues(base, tuned, 'tuned')).toEqual([null, 1, 3, null, null]);
    expect(heatValues(base, tuned, 'base')).toEqual([null, 4, 2, null, 6]);
    expect(heatValues(base, tuned, 'diff')).toEqual([null, -3, 1, null, null]);
  });

  it('colors a loss by its size, saturating at the maximum', () => {
    expect(heatColor(0, 'tuned')).toContain('var(--danger) 8%');
    expect(heatColor(kHeatMax, 'tuned')).toContain('var(--danger) 75%');
    expect(heatColor(10 * kHeatMax, 'base')).toBe(heatColor(kHeatMax, 'base'));
  });

  it('colors a lowered loss green and a raised one red', () => {
    expect(heatColor(-kDiffMax, 'diff')).toContain('var(--ok) 75%');
    expect(heatColor(kDiffMax / 2, 'diff')).toContain('var(--danger) 45%');
  });

  it('averages the trained tokens only', () => {
    expect(meanOf([null, 1, 3, null])).toBe(2);
    expect(meanOf([null, null])).toBeNaN();
  });
});
