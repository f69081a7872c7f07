// The example browser's loss sort (hardest first: high-loss examples are often the mislabeled
// ones). Pure functions over the columnar table's example indices, no per-row objects, so sorting
// 100k examples stays a few milliseconds. Losses are Float32Arrays indexed like the table; NaN
// marks an example with no measured loss (not trainable, or not measured yet).
export type ExampleSort = 'row' | 'loss-tuned' | 'loss-base' | 'improved';

/** Mean trained-token loss per table example (NaN where none); `tuned` is null for base only. */
export interface ExampleLosses {
  base: Float32Array;
  tuned: Float32Array | null;
}

export const kSortLabel: Record<ExampleSort, string> = {
  row: 'row order',
  'loss-tuned': 'hardest first (tuned loss)',
  'loss-base': 'hardest first (base loss)',
  improved: 'most improved',
};

/** The engine's per-line losses spread onto the table's example indices. */
export function lossesByIndex(
  tableLines: Int32Array,
  lines: Int32Array,
  base: Float32Array,
  tuned: Float32Array | null,
): ExampleLosses {
  const at = new Map<number, number>();
  for (let k = 0; k < lines.length; k++) at.set(lines[k], k);
  const n = tableLines.length;
  const out: ExampleLosses = {
    base: new Float32Array(n).fill(NaN),
    tuned: tuned ? new Float32Array(n).fill(NaN) : null,
  };
  for (let i = 0; i < n; i++) {
    const k = at.get(tableLines[i]);
    if (k === undefined) continue;
    out.base[i] = base[k];
    if (out.tuned && tuned) out.tuned[i] = tuned[k];
  }
  return out;
}

/** The sorts these losses can do (the tuned ones need a trained adapter). */
export function availableSorts(losses: ExampleLosses | null): ExampleSort[] {
  if (!losses) return ['row'];
  return losses.tuned ? ['row', 'loss-tuned', 'loss-base', 'improved'] : ['row', 'loss-base'];
}

/** The sort key of example i, larger first; NaN when it has none. */
export function sortKey(losses: ExampleLosses, sort: ExampleSort, i: number): number {
  if (sort === 'loss-base') return losses.base[i];
  if (!losses.tuned) return NaN;
  if (sort === 'loss-tuned') return losses.tuned[i];
  if (sort === 'improved') return losses.base[i] - losses.tuned[i];
  return NaN;
}

/** The loss a row shows: base under the base sort or without a run, else tuned (NaN when none). */
export function shownLoss(losses: ExampleLosses | null, sort: ExampleSort, i: number): number {
  if (!losses || i < 0) return NaN;
  if (sort === 'loss-base' || !losses.tuned) return losses.base[i];
  return losses.tuned[i];
}

/** The filtered items (example indices >= 0, bad lines < 0) in the sort's order: the largest key
 * first, ties and the unmeasured (bad lines, untrainable examples) after, in row order. */
export function sortItems(
  items: Int32Array,
  sort: ExampleSort,
  losses: ExampleLosses | null,
): Int32Array {
  if (sort === 'row' || !losses || !availableSorts(losses).includes(sort)) return items;
  const keyed: number[] = [];
  const rest: number[] = [];
  const keys = new Float64Array(items.length);
  for (let p = 0; p < items.length; p++) {
    const item = items[p];
    const key = item >= 0 ? sortKey(losses, sort, item) : NaN;
    if (Number.isNaN(key)) {
      rest.push(p);
    } else {
      keys[p] = key;
      keyed.push(p);
    }
  }
  keyed.sort((a, b) => keys[b] - keys[a] || a - b);
  const out = new Int32Array(items.length);
  let o = 0;
  for (const p of keyed) out[o++] = items[p];
  for (const p of rest) out[o++] = items[p];
  return out;
}

/** A loss as the list shows it (and its rows' `data-loss`). */
export function fmtLoss(loss: number): string {
  return loss.toFixed(3);
}
