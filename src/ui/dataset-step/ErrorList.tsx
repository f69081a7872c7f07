// Bad lines: line number, field and what is wrong. Nothing the user gave is silently dropped,
// so every error is listed (rendered in pages to stay fast on a file full of errors).
import { useState } from 'react';
import { fmtInt } from '../format.ts';
import { useStudio } from '../store/index.ts';
import { selectExample } from '../datasetChannel.ts';

const kPage = 200;

export function ErrorList() {
  const errors = useStudio((s) => s.dataset.errors);
  const hasSummary = useStudio((s) => s.dataset.summary !== null);
  const setFilter = useStudio((s) => s.setFilter);
  const [shown, setShown] = useState(kPage);
  if (!hasSummary) return null;
  return (
    <section className="card errors" data-testid="dataset-errors" data-count={errors.length}>
      <div className="card-head">
        <div>
          <h2>
            Bad lines{' '}
            <span className={`badge ${errors.length ? 'badge-danger' : 'badge-ok'}`}>
              {fmtInt(errors.length)}
            </span>
          </h2>
          <p>
            {errors.length
              ? 'These lines are skipped; every other line is kept as it is.'
              : 'Every non-blank line is a valid example.'}
          </p>
        </div>
      </div>
      {errors.length > 0 && (
        <ol className="error-list">
          {errors.slice(0, shown).map((e, i) => (
            <li key={`${e.line}-${i}`} className="error-row" data-line={e.line}>
              <button
                type="button"
                className="line-ref"
                title="Show in the example browser"
                onClick={() => {
                  setFilter('errors');
                  selectExample(e.line);
                }}
              >
                Line {e.line}
              </button>
              {e.field ? <code className="error-field">{e.field}</code> : <span />}
              <span className="error-msg">{e.message}</span>
            </li>
          ))}
        </ol>
      )}
      {errors.length > shown && (
        <div className="card-body">
          <button type="button" className="btn btn-sm" onClick={() => setShown((n) => n + kPage)}>
            Show {fmtInt(Math.min(kPage, errors.length - shown))} more of{' '}
            {fmtInt(errors.length - shown)}
          </button>
        </div>
      )}
    </section>
  );
}
