// The example browser's list for a filter, over the columnar ExampleTable: an Int32Array of
// items, where item >= 0 is an example index and item < 0 is the bad line errorLines[-item - 1].
// No per-row objects, so filtering 100k examples stays fast.
import { kFlagBits, type ExampleFlag, type ExampleTable } from '../../worker/protocol.ts';
import type { ExampleFilter } from '../store/index.ts';

export function flagsOf(bits: number): ExampleFlag[] {
  return (Object.keys(kFlagBits) as ExampleFlag[]).filter((f) => bits & kFlagBits[f]);
}

export function previewOf(table: ExampleTable, i: number): string {
  return table.previewText.slice(table.previewStart[i], table.previewStart[i + 1]);
}

export function itemLine(table: ExampleTable, errorLines: number[], item: number): number {
  return item >= 0 ? table.line[item] : errorLines[-item - 1];
}

const kAllFlags = Object.values(kFlagBits).reduce((a, b) => a | b, 0);

export function filterItems(
  table: ExampleTable | null,
  errorLines: number[],
  filter: ExampleFilter,
): Int32Array {
  const n = table?.count ?? 0;
  const errorItems = () => Int32Array.from(errorLines, (_, k) => -k - 1);
  if (filter === 'errors') return errorItems();
  if (!table) return filter === 'problems' ? errorItems() : new Int32Array(0);
  if (filter === 'all') {
    const all = new Int32Array(n);
    for (let i = 0; i < n; i++) all[i] = i;
    return all;
  }
  const mask = filter === 'problems' ? kAllFlags : kFlagBits[filter];
  const out: number[] = [];
  let e = 0; // merge bad lines in by line number under 'problems'
  for (let i = 0; i < n; i++) {
    if (filter === 'problems') {
      while (e < errorLines.length && errorLines[e] < table.line[i]) out.push(-e++ - 1);
    }
    if (table.flags[i] & mask) out.push(i);
  }
  if (filter === 'problems') while (e < errorLines.length) out.push(-e++ - 1);
  return Int32Array.from(out);
}

export function filterCounts(
  table: ExampleTable | null,
  errorLines: number[],
): Record<ExampleFilter, number> {
  const counts: Record<ExampleFilter, number> = {
    all: table?.count ?? 0,
    problems: errorLines.length,
    errors: errorLines.length,
    duplicate: 0,
    'empty-answer': 0,
    truncated: 0,
    excluded: 0,
  };
  if (!table) return counts;
  for (let i = 0; i < table.count; i++) {
    const f = table.flags[i];
    if (f === 0) continue;
    counts.problems++;
    if (f & kFlagBits.duplicate) counts.duplicate++;
    if (f & kFlagBits['empty-answer']) counts['empty-answer']++;
    if (f & kFlagBits.truncated) counts.truncated++;
    if (f & kFlagBits.excluded) counts.excluded++;
  }
  return counts;
}

/** Unique bad-line numbers, ascending. */
export function errorLinesOf(errors: { line: number }[]): number[] {
  return [...new Set(errors.map((e) => e.line))].sort((a, b) => a - b);
}
