// The virtualized list of examples (and bad lines, under error filters). Fixed-height rows read
// straight from the columnar table, so 100k examples scroll as smoothly as 30.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef } from 'react';
import type { ExampleFlag, ExampleTable, LineError } from '../../worker/protocol.ts';
import { kFormats, kRowByHand, kRowDropped, kRowEdited } from '../../worker/protocol.ts';
import { fmtInt, kFormatLabel } from '../format.ts';
import { flagsOf, itemLine, lintKindsOf, previewOf } from './exampleItems.ts';
import { LintBadges } from './FlagChips.tsx';
import { fmtLoss, shownLoss, type ExampleLosses, type ExampleSort } from './exampleSort.ts';

const kRowHeight = 58;

export const kFlagLabel: Record<ExampleFlag, string> = {
  duplicate: 'duplicate',
  'empty-answer': 'empty answer',
  truncated: 'truncated',
  excluded: 'excluded',
};

function ErrorRowBody({ line, error }: { line: number; error: LineError | undefined }) {
  return (
    <>
      <span className="ex-top">
        <span className="ex-line">L{line}</span>
        <span className="badge badge-danger">bad line</span>
        {error?.field && <code className="ex-field">{error.field}</code>}
      </span>
      <span className="ex-preview error-text">{error?.message}</span>
    </>
  );
}

function CurationBadges({ bits }: { bits: number }) {
  return (
    <>
      {bits & kRowDropped ? <span className="badge">dropped</span> : null}
      {bits & kRowEdited ? <span className="badge badge-accent">edited</span> : null}
      {bits & kRowByHand ? <span className="badge badge-ok">by hand</span> : null}
    </>
  );
}

function ExampleRowBody({ table, i, loss }: { table: ExampleTable; i: number; loss: number }) {
  const turns = table.turns[i];
  const preview = previewOf(table, i);
  return (
    <>
      <span className="ex-top">
        <span className="ex-line">L{table.line[i]}</span>
        <span className="ex-meta">
          {kFormatLabel[kFormats[table.format[i]]]}
          {turns > 0 && ` · ${turns} msgs`}
        </span>
        <CurationBadges bits={table.curation[i]} />
        <LintBadges kinds={lintKindsOf(table.lint[i])} />
        {/* duplicate, empty answer and truncated are lint flags now; "excluded" is not */}
        {flagsOf(table.flags[i])
          .filter((f) => f === 'excluded')
          .map((f) => (
            <span key={f} className="badge badge-danger">
              {kFlagLabel[f]}
            </span>
          ))}
        {table.tokens[i] >= 0 && (
          <span className="ex-tokens num" title="trained / total tokens">
            <span className="ex-trained">{fmtInt(table.trained[i])}</span> /{' '}
            {fmtInt(table.tokens[i])}
          </span>
        )}
        {!Number.isNaN(loss) && (
          <span className="ex-loss num" title="mean loss over the trained tokens">
            loss {fmtLoss(loss)}
          </span>
        )}
      </span>
      <span className="ex-preview">{preview || <em className="subtle">(empty)</em>}</span>
    </>
  );
}

export function ExampleList({
  table,
  items,
  errorLines,
  errorByLine,
  selected,
  onSelect,
  losses,
  sort,
}: {
  table: ExampleTable | null;
  items: Int32Array;
  errorLines: number[];
  errorByLine: Map<number, LineError>;
  selected: number | null;
  onSelect: (line: number) => void;
  /** Measured mean losses (the row shows the one the sort uses), null before a measurement. */
  losses: ExampleLosses | null;
  sort: ExampleSort;
}) {
  const parentRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => parentRef.current,
    estimateSize: () => kRowHeight,
    overscan: 8,
  });
  if (items.length === 0) {
    return (
      <div className="ex-list ex-empty subtle">
        {table?.count === 0 && errorLines.length === 0
          ? 'No rows yet: write one with “+ New example”.'
          : 'Nothing matches this filter.'}
      </div>
    );
  }
  return (
    <div ref={parentRef} className="ex-list" data-testid="example-list">
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualizer.getVirtualItems().map((v) => {
          const item = items[v.index];
          const line = table ? itemLine(table, errorLines, item) : errorLines[-item - 1];
          const loss = shownLoss(losses, sort, item);
          return (
            <button
              key={v.key}
              type="button"
              className={`ex-row${item < 0 ? ' ex-row-error' : ''}${
                item >= 0 && table && table.curation[item] & kRowDropped ? ' ex-row-dropped' : ''
              }`}
              aria-current={line === selected ? 'true' : undefined}
              data-line={line}
              data-loss={Number.isNaN(loss) ? undefined : fmtLoss(loss)}
              style={{ height: kRowHeight, transform: `translateY(${v.start}px)` }}
              onClick={() => onSelect(line)}
            >
              {item < 0 || !table ? (
                <ErrorRowBody line={line} error={errorByLine.get(line)} />
              ) : (
                <ExampleRowBody table={table} i={item} loss={loss} />
              )}
            </button>
          );
        })}
      </div>
    </div>
  );
}
