// The example browser: filter chips, the virtualized list, and the selected example's tokens.
import { useEffect, useMemo } from 'react';
import { fmtInt } from '../format.ts';
import { useStudio, useStudioShallow, type ExampleFilter } from '../store/index.ts';
import { selectExample } from '../workerBridge.ts';
import { browserRows, filterCounts } from './browserRows.ts';
import { ExampleDetailPane } from './ExampleDetailPane.tsx';
import { ExampleList } from './ExampleList.tsx';

const kFilters: { key: ExampleFilter; label: string }[] = [
  { key: 'all', label: 'All' },
  { key: 'problems', label: 'Problems' },
  { key: 'errors', label: 'Bad lines' },
  { key: 'duplicate', label: 'Duplicates' },
  { key: 'empty-answer', label: 'Empty answers' },
  { key: 'truncated', label: 'Truncated' },
  { key: 'excluded', label: 'Excluded' },
];

export function ExampleBrowser() {
  const { rows, errors, filter, selected, hasSummary } = useStudioShallow((s) => ({
    rows: s.dataset.rows,
    errors: s.dataset.errors,
    filter: s.dataset.filter,
    selected: s.dataset.selectedLine,
    hasSummary: s.dataset.summary !== null,
  }));
  const setFilter = useStudio((s) => s.setFilter);
  const items = useMemo(() => browserRows(rows, errors, filter), [rows, errors, filter]);
  const counts = useMemo(() => filterCounts(rows, errors), [rows, errors]);
  // Keep the selection inside the filtered list: a filter that hides the selected example
  // selects the first one it shows.
  useEffect(() => {
    const lineOf = (b: (typeof items)[number]) => (b.kind === 'example' ? b.row.line : b.error.line);
    if (items.length > 0 && !items.some((b) => lineOf(b) === selected)) {
      selectExample(lineOf(items[0]));
    }
  }, [items, selected]);
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
            .filter((f) => f.key === 'all' || f.key === 'problems' || counts[f.key] > 0)
            .map((f) => (
              <button
                key={f.key}
                type="button"
                className="filter"
                aria-pressed={filter === f.key}
                data-testid={`filter-${f.key}`}
                onClick={() => setFilter(f.key)}
              >
                {f.label} <span className="num">{fmtInt(counts[f.key])}</span>
              </button>
            ))}
        </div>
      </div>
      <div className="browser-body">
        <ExampleList items={items} selected={selected} onSelect={selectExample} />
        <ExampleDetailPane />
      </div>
    </section>
  );
}
