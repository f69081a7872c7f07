// The example browser: filter chips (one per quality flag present), the curation bar, the loss
// sort, the virtualized list, and the selected example's tokens (or the conversation editor).
import { useEffect, useMemo } from 'react';
import { fmtInt } from '../format.ts';
import { useStudio, useStudioShallow, type ExampleFilter } from '../store/index.ts';
import { selectExample } from '../datasetChannel.ts';
import { kLintKinds, type LineError } from '../../worker/protocol.ts';
import { CurationBar } from './CurationBar.tsx';
import { kLintLabel } from './FlagChips.tsx';
import { errorLinesOf, filterCounts, filterItems, itemLine } from './exampleItems.ts';
import { ExampleDetailPane } from './ExampleDetailPane.tsx';
import { ExampleList } from './ExampleList.tsx';
import { ExampleLossBar } from './ExampleLossBar.tsx';
import { lossesByIndex, sortItems } from './exampleSort.ts';

const kFilters: { key: ExampleFilter; label: string; testId: string }[] = [
  { key: 'all', label: 'All', testId: 'filter-all' },
  { key: 'problems', label: 'Problems', testId: 'filter-problems' },
  { key: 'errors', label: 'Bad lines', testId: 'filter-errors' },
  ...kLintKinds.map((k) => ({
    key: k,
    label: kLintLabel[k][0].toUpperCase() + kLintLabel[k].slice(1),
    testId: `flag-filter-${k}`,
  })),
  { key: 'excluded', label: 'Excluded', testId: 'filter-excluded' },
  { key: 'dropped', label: 'Dropped', testId: 'filter-dropped' },
  { key: 'changed', label: 'Edited / new', testId: 'filter-changed' },
];

export function ExampleBrowser() {
  const { table, errors, filter, selected, hasSummary, measured, base, tuned, sort } =
    useStudioShallow((s) => ({
      table: s.dataset.table,
      errors: s.dataset.errors,
      filter: s.dataset.filter,
      selected: s.dataset.selectedLine,
      hasSummary: s.dataset.summary !== null,
      // Losses measured on another table (another dataset, or re-tokenized) do not apply.
      measured: s.exampleLoss.table === s.dataset.table ? s.exampleLoss.lines : null,
      base: s.exampleLoss.base,
      tuned: s.exampleLoss.tuned,
      sort: s.exampleLoss.sort,
    }));
  const setFilter = useStudio((s) => s.setFilter);
  const errorLines = useMemo(() => errorLinesOf(errors), [errors]);
  const errorByLine = useMemo(() => {
    const m = new Map<number, LineError>();
    for (const e of errors) if (!m.has(e.line)) m.set(e.line, e);
    return m;
  }, [errors]);
  const losses = useMemo(
    () => (table && measured && base ? lossesByIndex(table.line, measured, base, tuned) : null),
    [table, measured, base, tuned],
  );
  const filtered = useMemo(
    () => filterItems(table, errorLines, filter),
    [table, errorLines, filter],
  );
  const items = useMemo(() => sortItems(filtered, sort, losses), [filtered, sort, losses]);
  const counts = useMemo(() => filterCounts(table, errorLines), [table, errorLines]);
  // Keep the selection inside the filtered list: a filter that hides the selected example
  // selects the first one it shows.
  useEffect(() => {
    if (items.length === 0) return;
    const lineOf = (item: number) =>
      table ? itemLine(table, errorLines, item) : errorLines[-item - 1];
    if (!items.some((item) => lineOf(item) === selected)) selectExample(lineOf(items[0]));
  }, [items, selected, table, errorLines]);
  if (!hasSummary) return null;
  return (
    <section className="card browser">
      <div className="card-head browser-head">
        <div>
          <h2>Examples</h2>
          <p>Exactly what the model will see, token by token, and which tokens it learns from.</p>
        </div>
        <div className="filters" role="group" aria-label="Filter examples">
          {kFilters
            .filter(
              (f) =>
                f.key === 'all' || f.key === 'problems' || f.key === filter || counts[f.key] > 0,
            )
            .map((f) => (
              <button
                key={f.key}
                type="button"
                className="filter"
                aria-pressed={filter === f.key}
                data-testid={f.testId}
                onClick={() => setFilter(f.key)}
              >
                {f.label} <span className="num">{fmtInt(counts[f.key])}</span>
              </button>
            ))}
        </div>
      </div>
      <CurationBar filter={filter} counts={counts} />
      <ExampleLossBar losses={losses} />
      <div className="browser-body">
        <ExampleList
          table={table}
          items={items}
          errorLines={errorLines}
          errorByLine={errorByLine}
          selected={selected}
          onSelect={selectExample}
          losses={losses}
          sort={sort}
        />
        <ExampleDetailPane />
      </div>
    </section>
  );
}
