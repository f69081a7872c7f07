// The example browser's curation bar: what the curated set is now (kept, dropped, edited, written
// by hand), the lint's progress, "drop all" for the flag being filtered on, restore all under the
// dropped filter, undo, a new row written by hand, and the downloads (the curated JSONL, and the
// dropped rows with their flags).
import { fmtInt } from '../format.ts';
import { useStudio, useStudioShallow, type ExampleFilter } from '../store/index.ts';
import { curate, downloadCurated, writeNewExample } from '../curationBridge.ts';
import { kLintKinds, kRowDropped, type LintKind } from '../../worker/protocol.ts';
import { dropAllLabel } from './FlagChips.tsx';
import './curation.css';
import type { FilterCounts } from './exampleItems.ts';

const isLintKind = (f: ExampleFilter): f is LintKind =>
  (kLintKinds as readonly string[]).includes(f);

function droppedLines(): number[] {
  const t = useStudio.getState().dataset.table;
  if (!t) return [];
  const out: number[] = [];
  for (let i = 0; i < t.count; i++) if (t.curation[i] & kRowDropped) out.push(t.line[i]);
  return out;
}

export function CurationBar({ filter, counts }: { filter: ExampleFilter; counts: FilterCounts }) {
  const { report, lint, message, editing } = useStudioShallow((s) => {
    const mine = s.curation.job === s.dataset.job;
    return {
      report: mine ? s.curation.report : null,
      lint: mine ? s.curation.lint : null,
      message: s.curation.message,
      editing: s.curation.editor !== null,
    };
  });
  const r = report?.record;
  return (
    <div className="curation-bar" data-testid="curation-bar">
      <div className="curation-state">
        {report ? (
          <span data-testid="curation-state" data-kept={report.kept} data-dropped={r?.dropped}>
            <strong className="num">{fmtInt(report.kept)}</strong> rows train
            {r && r.dropped > 0 && <> · {fmtInt(r.dropped)} dropped</>}
            {r && r.edited > 0 && <> · {fmtInt(r.edited)} edited</>}
            {r && r.added > 0 && <> · {fmtInt(r.added)} written by hand</>}
          </span>
        ) : lint ? (
          <span className="subtle">
            <span className="spinner" aria-hidden /> Checking quality… {fmtInt(lint.done)} of{' '}
            {fmtInt(lint.total)}
          </span>
        ) : null}
        {message && (
          <span className="error-text" data-testid="curation-message">
            {message}
          </span>
        )}
      </div>
      <div className="curation-actions">
        {isLintKind(filter) && counts[filter] > 0 && (
          <button
            type="button"
            className="btn btn-sm"
            data-testid={`drop-flag-${filter}`}
            onClick={() => curate({ op: 'drop-flag', flag: filter })}
          >
            {dropAllLabel(filter, counts[filter])}
          </button>
        )}
        {filter === 'dropped' && counts.dropped > 0 && (
          <button
            type="button"
            className="btn btn-sm"
            data-testid="restore-all"
            onClick={() => curate({ op: 'restore', lines: droppedLines() })}
          >
            Restore all {fmtInt(counts.dropped)}
          </button>
        )}
        <button
          type="button"
          className="btn btn-sm"
          data-testid="curation-undo"
          disabled={!report?.undo}
          title={report?.undo ? `Undo the ${report.undo}` : 'Nothing to undo'}
          onClick={() => curate({ op: 'undo' })}
        >
          ↶ Undo
        </button>
        <button
          type="button"
          className="btn btn-sm"
          data-testid="new-example"
          disabled={editing}
          onClick={writeNewExample}
        >
          + New example
        </button>
        <span className="curation-sep" />
        <button
          type="button"
          className="btn btn-sm"
          data-testid="download-curated"
          disabled={!report}
          title='The curated set: messages format, text rows as {"text"}'
          onClick={() => downloadCurated('curated')}
        >
          Download curated JSONL
        </button>
        <button
          type="button"
          className="btn btn-sm btn-ghost"
          data-testid="download-dropped"
          disabled={!r?.dropped}
          title='The dropped rows with their flags: {"line", "flags"}'
          onClick={() => downloadCurated('dropped')}
        >
          Dropped rows
        </button>
      </div>
    </div>
  );
}
