// Quality flags as the Dataset step shows them: a short badge per kind in the example list, and in
// the example detail each flag with its reason and, for a duplicate or near duplicate, a link that
// selects the earlier row it repeats. Also the report's line of flag counts.
import type { CurationReport, LintFlag, LintKind } from '../../worker/protocol.ts';
import { fmtInt } from '../format.ts';
import { useStudio } from '../store/index.ts';
import { selectExample } from '../datasetChannel.ts';

export const kLintLabel: Record<LintKind, string> = {
  duplicate: 'duplicate',
  near_duplicate: 'near duplicate',
  empty_answer: 'empty answer',
  refusal: 'refusal',
  language_mismatch: 'language mismatch',
  special_tokens: 'special tokens',
  truncated: 'truncated',
  pii: 'personal data',
  repetition: 'repetition',
};

/** What "drop all" says for each kind (the first of a group is never flagged, so it stays). */
export function dropAllLabel(kind: LintKind, n: number): string {
  if (kind === 'duplicate') return `Drop all exact duplicates (${fmtInt(n)})`;
  if (kind === 'near_duplicate') {
    return `Keep only the first of each near-duplicate cluster (drop ${fmtInt(n)})`;
  }
  if (n === 1) return `Drop the ${kLintLabel[kind]} row`;
  return `Drop all ${fmtInt(n)} ${kLintLabel[kind]} rows`;
}

export function LintBadges({ kinds }: { kinds: LintKind[] }) {
  return (
    <>
      {kinds.map((k) => (
        <span key={k} className="badge badge-warn" data-flag={k}>
          {kLintLabel[k]}
        </span>
      ))}
    </>
  );
}

/** Each flag with its reason; `links` makes a duplicate's earlier row a link that selects it. */
export function FlagList({ flags, links = true }: { flags: LintFlag[]; links?: boolean }) {
  if (flags.length === 0) return null;
  return (
    <ul className="flag-list" aria-label="Quality flags">
      {flags.map((f) => (
        <li key={f.kind} className="flag-item" data-testid="example-flag" data-kind={f.kind}>
          <span className="badge badge-warn">{kLintLabel[f.kind]}</span>
          <span className="flag-message">{f.message}</span>
          {links && f.of !== undefined && (
            <button
              type="button"
              className="btn btn-sm btn-ghost flag-link"
              data-testid="flag-other-row"
              data-line={f.of}
              onClick={() => {
                // the earlier row is rarely under the same filter (the first of a group is
                // never flagged): show all rows, or the list would select the first match again
                useStudio.getState().setFilter('all');
                selectExample(f.of ?? null);
              }}
            >
              Go to line {f.of} →
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}

/** The report's flag counts over the kept rows (a kind not checked yet shows a dash). */
export function FlagCounts() {
  const report = useStudio((s) => (s.curation.job === s.dataset.job ? s.curation.report : null));
  const lint = useStudio((s) => (s.curation.job === s.dataset.job ? s.curation.lint : null));
  const setFilter = useStudio((s) => s.setFilter);
  if (!report && !lint) return null;
  return (
    <div className="flag-counts" data-testid="flag-counts">
      <h3>
        Quality flags
        {report && (
          <span className="subtle num">
            {' '}
            over the {fmtInt(report.kept)} kept rows
            {report.record.dropped > 0 && ` · ${fmtInt(report.record.dropped)} dropped`}
          </span>
        )}
      </h3>
      {lint && !report ? (
        <p className="subtle">
          <span className="spinner" aria-hidden /> Checking every row… {fmtInt(lint.done)} of{' '}
          {fmtInt(lint.total)}
        </p>
      ) : (
        report && <FlagCountChips report={report} onPick={setFilter} />
      )}
    </div>
  );
}

/** Why a kind has no count yet: the token checks wait for a tokenizer, the others for the lint pass. */
function uncheckedReason(kind: LintKind): string {
  return kind === 'special_tokens' || kind === 'truncated'
    ? 'needs a tokenizer: load one in the Model step'
    : 'not checked yet: the rows are still being checked';
}

function FlagCountChips({
  report,
  onPick,
}: {
  report: CurationReport;
  onPick: (k: LintKind) => void;
}) {
  const kinds = Object.keys(kLintLabel) as LintKind[];
  return (
    <div className="flag-count-chips">
      {kinds.map((k) => {
        const n = report.flags[k];
        const checked = report.checked.includes(k);
        return (
          <button
            key={k}
            type="button"
            className={`flag-count${n ? ' flag-count-hit' : ''}`}
            data-testid={`flag-count-${k}`}
            data-count={checked ? n : ''}
            disabled={!n}
            title={checked ? undefined : uncheckedReason(k)}
            onClick={() => onPick(k)}
          >
            <span className="num">{checked ? fmtInt(n ?? 0) : '–'}</span> {kLintLabel[k]}
          </button>
        );
      })}
    </div>
  );
}
