// Progress of reading (bytes; the file i of n of a Hub split) and tokenizing (examples) the
// dataset; reading can be cancelled.
import { fmtBytes, fmtInt } from '../format.ts';
import { useStudio } from '../store/index.ts';
import { cancelDataset } from '../workerBridge.ts';

export function DatasetProgress() {
  const progress = useStudio((s) => s.dataset.progress);
  const status = useStudio((s) => s.dataset.status);
  if (status !== 'reading' && status !== 'tokenizing') return null;
  const p = progress ?? { phase: status, done: 0, total: 0, lines: 0 };
  const frac = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
  const file = p.file
    ? `File ${p.file.index + 1} of ${p.file.count} (${p.file.name}${p.file.fromCache ? ', from the browser cache' : ''}) · `
    : '';
  const label =
    p.phase === 'reading'
      ? `Reading and validating · ${file}${fmtBytes(p.done)}${p.total ? ` of ${fmtBytes(p.total)}` : ''} · ${fmtInt(p.lines)} ${p.file ? 'rows' : 'lines'}`
      : `Tokenizing · ${fmtInt(p.done)} of ${fmtInt(p.total)} examples`;
  return (
    <div className="card card-body progress-card" data-testid="dataset-progress">
      <div className="progress-label">
        <span>{label}</span>
        <span className="num muted">{Math.round(frac * 100)}%</span>
        {status === 'reading' && (
          <button
            type="button"
            className="btn btn-sm"
            data-testid="dataset-cancel"
            onClick={cancelDataset}
          >
            Cancel
          </button>
        )}
      </div>
      <div
        className="progress"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(frac * 100)}
      >
        <div style={{ width: `${frac * 100}%` }} />
      </div>
    </div>
  );
}
