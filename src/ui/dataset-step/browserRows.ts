// The example browser's rows for a filter: examples and (for error filters) bad lines, by line.
import type { ExampleFlag, ExampleRow, LineError } from '../../worker/protocol.ts';
import type { ExampleFilter } from '../store/index.ts';

export type BrowserRow = { kind: 'example'; row: ExampleRow } | { kind: 'error'; error: LineError };

export function browserRows(
  rows: ExampleRow[],
  errors: LineError[],
  filter: ExampleFilter,
): BrowserRow[] {
  const examples = (keep: (r: ExampleRow) => boolean): BrowserRow[] =>
    rows.filter(keep).map((row) => ({ kind: 'example', row }));
  const errorRows = (): BrowserRow[] => {
    const seen = new Set<number>();
    return errors
      .filter((e) => !seen.has(e.line) && seen.add(e.line))
      .map((error) => ({ kind: 'error', error }));
  };
  switch (filter) {
    case 'all':
      return examples(() => true);
    case 'errors':
      return errorRows();
    case 'problems': {
      const merged = [...examples((r) => r.flags.length > 0), ...errorRows()];
      const line = (b: BrowserRow) => (b.kind === 'example' ? b.row.line : b.error.line);
      return merged.sort((a, b) => line(a) - line(b));
    }
    default:
      return examples((r) => r.flags.includes(filter satisfies ExampleFlag));
  }
}

export function filterCounts(
  rows: ExampleRow[],
  errors: LineError[],
): Record<ExampleFilter, number> {
  const errorLines = new Set(errors.map((e) => e.line)).size;
  const count = (f: ExampleFlag) => rows.reduce((n, r) => n + (r.flags.includes(f) ? 1 : 0), 0);
  return {
    all: rows.length,
    problems: rows.reduce((n, r) => n + (r.flags.length ? 1 : 0), 0) + errorLines,
    errors: errorLines,
    duplicate: count('duplicate'),
    'empty-answer': count('empty-answer'),
    truncated: count('truncated'),
    excluded: count('excluded'),
  };
}
