// Unit tests for the example browser's loss sort (hardest first, most improved): the engine's
// per-line losses spread onto table indices, the sort order with unmeasured examples and bad
// lines last, and which loss a row shows. Also the worker's mean over trained tokens.
import { describe, expect, it } from 'vitest';
import {
  availableSorts,
  fmtLoss,
  lossesByIndex,
  shownLoss,
  sortItems,
  type ExampleLosses,
} from '../../src/ui/dataset-step/exampleSort.ts';
import { meanTrainedLoss } from '../../src/worker/engineExampleLosses.ts';

const f32 = (xs: number[]) => Float32Array.from(xs);
const arr = (a: Int32Array) => Array.from(a);

// Table examples 0..4 on lines 1, 2, 4, 5, 7; example 3 (line 5) is not trainable (no loss).
const tableLines = Int32Array.from([1, 2, 4, 5, 7]);
const measured = lossesByIndex(
  tableLines,
  Int32Array.from([7, 1, 2, 4]),
  f32([3.0, 2.0, 1.0, 4.0]),
  f32([0.5, 1.75, 0.25, 3.5]),
);

describe('lossesByIndex', () => {
  it('puts each line’s losses at its table index and NaN where none was measured', () => {
    expect(Array.from(measured.base)).toEqual([2, 1, 4, NaN, 3]);
    expect(Array.from(measured.tuned!)).toEqual([1.75, 0.25, 3.5, NaN, 0.5]);
  });
  it('keeps tuned null for base-only measurements', () => {
    const b = lossesByIndex(tableLines, Int32Array.from([1]), f32([2]), null);
    expect(b.tuned).toBeNull();
    expect(availableSorts(b)).toEqual(['row', 'loss-base']);
    expect(availableSorts(measured)).toEqual(['row', 'loss-tuned', 'loss-base', 'improved']);
    expect(availableSorts(null)).toEqual(['row']);
  });
});

describe('sortItems', () => {
  const all = Int32Array.from([0, 1, 2, 3, 4]);
  it('row order returns the items as they are', () => {
    expect(arr(sortItems(all, 'row', measured))).toEqual([0, 1, 2, 3, 4]);
    expect(arr(sortItems(all, 'loss-tuned', null))).toEqual([0, 1, 2, 3, 4]);
  });
  it('hardest first by tuned loss, unmeasured last', () => {
    expect(arr(sortItems(all, 'loss-tuned', measured))).toEqual([2, 0, 4, 1, 3]);
  });
  it('hardest first by base loss', () => {
    expect(arr(sortItems(all, 'loss-base', measured))).toEqual([2, 4, 0, 1, 3]);
  });
  it('most improved: the largest base − tuned drop first', () => {
    // drops: 0.25, 0.75, 0.5, NaN, 2.5
    expect(arr(sortItems(all, 'improved', measured))).toEqual([4, 1, 2, 0, 3]);
  });
  it('bad lines (negative items) keep their order after the measured examples', () => {
    const mixed = Int32Array.from([-1, 0, -2, 2, 3]);
    expect(arr(sortItems(mixed, 'loss-tuned', measured))).toEqual([2, 0, -1, -2, 3]);
  });
  it('ties keep row order (a stable sort)', () => {
    const tie: ExampleLosses = { base: f32([1, 2, 1, 2]), tuned: null };
    expect(arr(sortItems(Int32Array.from([0, 1, 2, 3]), 'loss-base', tie))).toEqual([1, 3, 0, 2]);
  });
  it('a tuned sort without tuned losses falls back to row order', () => {
    const b: ExampleLosses = { base: f32([1, 3]), tuned: null };
    expect(arr(sortItems(Int32Array.from([0, 1]), 'loss-tuned', b))).toEqual([0, 1]);
  });
  it('sorts 100k examples quickly and in descending order', () => {
    const n = 100_000;
    const base = new Float32Array(n);
    for (let i = 0; i < n; i++) base[i] = ((i * 7919) % n) / 1000;
    const items = Int32Array.from({ length: n }, (_, i) => i);
    const t0 = performance.now();
    const out = sortItems(items, 'loss-base', { base, tuned: null });
    const ms = performance.now() - t0;
    for (let k = 1; k < n; k++) expect(base[out[k - 1]] >= base[out[k]]).toBe(true);
    expect(ms).toBeLessThan(1000);
  });
});

describe('shownLoss', () => {
  it('shows tuned loss, base under the base sort, base without a run, NaN for bad lines', () => {
    expect(shownLoss(measured, 'loss-tuned', 0)).toBeCloseTo(1.75);
    expect(shownLoss(measured, 'row', 0)).toBeCloseTo(1.75);
    expect(shownLoss(measured, 'loss-base', 0)).toBe(2);
    expect(shownLoss({ base: f32([2]), tuned: null }, 'row', 0)).toBe(2);
    expect(shownLoss(measured, 'row', -1)).toBeNaN();
    expect(shownLoss(null, 'row', 0)).toBeNaN();
    expect(fmtLoss(1.23456)).toBe('1.235');
  });
});

describe('meanTrainedLoss', () => {
  it('averages the trained tokens only, NaN when there are none', () => {
    expect(meanTrainedLoss([null, 1, 3, null])).toBe(2);
    expect(meanTrainedLoss([null, null])).toBeNaN();
  });
});
