// The virtualized list of examples (and bad lines, under error filters). Fixed-height rows,
// so 100k examples scroll as smoothly as 30.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef } from 'react';
import type { ExampleFlag } from '../../worker/protocol.ts';
import { fmtInt, kFormatLabel } from '../format.ts';
import type { BrowserRow } from './browserRows.ts';

const kRowHeight = 58;

export const kFlagLabel: Record<ExampleFlag, string> = {
  duplicate: 'duplicate',
  'empty-answer': 'empty answer',
  truncated: 'truncated',
  excluded: 'excluded',
};

function RowBody({ item }: { item: BrowserRow }) {
  if (item.kind === 'error') {
    return (
      <>
        <span className="ex-top">
          <span className="ex-line">L{item.error.line}</span>
          <span className="badge badge-danger">bad line</span>
          {item.error.field && <code className="ex-field">{item.error.field}</code>}
        </span>
        <span className="ex-preview error-text">{item.error.message}</span>
      </>
    );
  }
  const r = item.row;
  return (
    <>
      <span className="ex-top">
        <span className="ex-line">L{r.line}</span>
        <span className="ex-meta">
          {kFormatLabel[r.format]}
          {r.turns > 0 && ` · ${r.turns} msgs`}
        </span>
        {r.flags.map((f) => (
          <span key={f} className={`badge ${f === 'excluded' ? 'badge-danger' : 'badge-warn'}`}>
            {kFlagLabel[f]}
          </span>
        ))}
        {r.tokens !== undefined && (
          <span className="ex-tokens num" title="trained / total tokens">
            <span className="ex-trained">{fmtInt(r.trained ?? 0)}</span> / {fmtInt(r.tokens)}
          </span>
        )}
      </span>
      <span className="ex-preview">{r.preview || <em className="subtle">(empty)</em>}</span>
    </>
  );
}

export function ExampleList({
  items,
  selected,
  onSelect,
}: {
  items: BrowserRow[];
  selected: number | null;
  onSelect: (line: number) => void;
}) {
  const parentRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => parentRef.current,
    estimateSize: () => kRowHeight,
    overscan: 8,
  });
  if (items.length === 0) {
    return <div className="ex-list ex-empty subtle">Nothing matches this filter.</div>;
  }
  return (
    <div ref={parentRef} className="ex-list" data-testid="example-list">
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualizer.getVirtualItems().map((v) => {
          const item = items[v.index];
          const line = item.kind === 'example' ? item.row.line : item.error.line;
          return (
            <button
              key={v.key}
              type="button"
              className={`ex-row${item.kind === 'error' ? ' ex-row-error' : ''}`}
              aria-current={line === selected ? 'true' : undefined}
              data-line={line}
              style={{ height: kRowHeight, transform: `translateY(${v.start}px)` }}
              onClick={() => onSelect(line)}
            >
              <RowBody item={item} />
            </button>
          );
        })}
      </div>
    </div>
  );
}
