// The Try step's prompt set: base and tuned answer a set of prompts (the run's held-out examples,
// the first N examples of the dataset, or pasted questions, one per line) with the sampling
// settings and seed above, streamed into a table that sorts, filters and downloads as JSONL or CSV,
// with the summary metrics of both models. Prompts from the dataset are the conversation up to its
// last assistant turn; that turn is the reference.
import { downloadFile } from '../downloadFile.ts';
import { cancelPromptSet, runPromptSet } from '../evalBridge.ts';
import { FailureNotice } from '../shell/FailureNotice.tsx';
import { useStudio, useStudioShallow, type SetSource } from '../store/index.ts';
import { SetSummaryView } from './SetSummaryView.tsx';
import { SetTable } from './SetTable.tsx';
import { toCsv, toJsonl, visibleRows, type SetShow, type SetSortKey } from './setTable.ts';

const kSorts: { key: SetSortKey; label: string }[] = [
  { key: 'line', label: 'Row' },
  { key: 'tuned-rouge', label: 'Tuned ROUGE-L' },
  { key: 'base-rouge', label: 'Base ROUGE-L' },
  { key: 'gain', label: 'ROUGE-L gain (tuned − base)' },
  { key: 'tuned-tokens', label: 'Tuned length' },
  { key: 'base-tokens', label: 'Base length' },
];

const kShows: { key: SetShow; label: string }[] = [
  { key: 'all', label: 'All rows' },
  { key: 'limit', label: 'Hit the token limit (either)' },
  { key: 'tuned-limit', label: 'Tuned hit the token limit' },
  { key: 'worse', label: 'Tuned scores lower' },
];

function SetControls({ canRun }: { canRun: boolean }) {
  const ps = useStudioShallow((s) => ({
    source: s.promptSet.source,
    first: s.promptSet.first,
    questions: s.promptSet.questions,
    status: s.promptSet.status,
  }));
  const held = useStudio((s) => s.train.info?.evalLines.length ?? 0);
  const { setSource, setFirst, setQuestions } = useStudioShallow((s) => ({
    setSource: s.setSetSource,
    setFirst: s.setSetFirst,
    setQuestions: s.setSetQuestions,
  }));
  const busy = ps.status === 'loading' || ps.status === 'running';
  const heldText =
    held > 0
      ? `Held-out examples (${held} in the eval split)`
      : 'Held-out examples (no eval split: the first N)';
  return (
    <div className="set-controls">
      <div className="field">
        <label htmlFor="try-set-source">Prompts</label>
        <select
          id="try-set-source"
          className="select"
          data-testid="try-set-source"
          data-held={held}
          value={ps.source}
          disabled={busy}
          onChange={(e) => setSource(e.target.value as SetSource)}
        >
          <option value="eval">{heldText}</option>
          <option value="first">First N examples of the dataset</option>
          <option value="questions">Pasted questions, one per line</option>
        </select>
      </div>
      {ps.source !== 'questions' && (
        <div className="field">
          <label htmlFor="try-set-first">At most</label>
          <input
            id="try-set-first"
            className="input num"
            type="number"
            data-testid="try-set-first"
            min={1}
            step={1}
            value={ps.first}
            disabled={busy}
            onChange={(e) => {
              const v = Math.floor(Number(e.target.value));
              if (Number.isFinite(v) && v >= 1) setFirst(v);
            }}
          />
        </div>
      )}
      {ps.source === 'questions' && (
        <div className="field set-questions">
          <label htmlFor="try-set-questions">Questions (one per line, no reference)</label>
          <textarea
            id="try-set-questions"
            className="textarea"
            rows={4}
            data-testid="try-set-questions"
            value={ps.questions}
            disabled={busy}
            onChange={(e) => setQuestions(e.target.value)}
          />
        </div>
      )}
      {busy ? (
        <button
          type="button"
          className="btn"
          data-testid="try-set-cancel"
          onClick={cancelPromptSet}
        >
          Cancel
        </button>
      ) : (
        <button
          type="button"
          className="btn btn-primary"
          data-testid="try-set-run"
          disabled={!canRun || (ps.source === 'questions' && !ps.questions.trim())}
          onClick={() => void runPromptSet()}
        >
          Run the set
        </button>
      )}
    </div>
  );
}

function TableTools() {
  const { rows, sort, filter, summary, status } = useStudioShallow((s) => ({
    rows: s.promptSet.rows,
    sort: s.promptSet.sort,
    filter: s.promptSet.filter,
    summary: s.promptSet.summary,
    status: s.promptSet.status,
  }));
  const { setSort, setFilter } = useStudioShallow((s) => ({
    setSort: s.setSetSort,
    setFilter: s.setSetFilter,
  }));
  const finished = status === 'done' || status === 'cancelled';
  // Downloads hold the rows as shown (sorted and filtered); the summary is the whole set's.
  const shown = () => visibleRows(rows, sort, filter);
  return (
    <div className="set-tools">
      <input
        className="input"
        type="search"
        placeholder="Filter by text…"
        aria-label="Filter rows by text"
        data-testid="try-set-filter"
        value={filter.text}
        onChange={(e) => setFilter({ text: e.target.value })}
      />
      <select
        className="select"
        aria-label="Show rows"
        data-testid="try-set-show"
        value={filter.show}
        onChange={(e) => setFilter({ show: e.target.value as SetShow })}
      >
        {kShows.map((o) => (
          <option key={o.key} value={o.key}>
            {o.label}
          </option>
        ))}
      </select>
      <select
        className="select"
        aria-label="Sort rows by"
        data-testid="try-set-sort"
        value={sort.key}
        onChange={(e) => setSort({ ...sort, key: e.target.value as SetSortKey })}
      >
        {kSorts.map((o) => (
          <option key={o.key} value={o.key}>
            Sort: {o.label}
          </option>
        ))}
      </select>
      <button
        type="button"
        className="btn btn-sm"
        data-testid="try-set-sort-dir"
        aria-label={sort.dir === 'asc' ? 'Ascending' : 'Descending'}
        onClick={() => setSort({ ...sort, dir: sort.dir === 'asc' ? 'desc' : 'asc' })}
      >
        {sort.dir === 'asc' ? '↑' : '↓'}
      </button>
      <span className="set-tools-gap" />
      <button
        type="button"
        className="btn btn-sm"
        data-testid="try-set-export-jsonl"
        disabled={!finished}
        onClick={() =>
          downloadFile('prompt-set.jsonl', toJsonl(shown(), summary), 'application/jsonl')
        }
      >
        JSONL
      </button>
      <button
        type="button"
        className="btn btn-sm"
        data-testid="try-set-export-csv"
        disabled={!finished}
        onClick={() => downloadFile('prompt-set.csv', toCsv(shown()), 'text/csv')}
      >
        CSV
      </button>
    </div>
  );
}

export function PromptSetCard({ canRun }: { canRun: boolean }) {
  const { status, message, failure, count } = useStudioShallow((s) => ({
    status: s.promptSet.status,
    message: s.promptSet.message,
    failure: s.promptSet.failure,
    count: s.promptSet.rows.length,
  }));
  return (
    <div className="card set-card">
      <div className="card-head">
        <div>
          <h2>Prompt set</h2>
          <p>
            Both models answer every prompt with the sampling settings and seed above; dataset rows
            are cut before their last assistant turn, which is the reference.
          </p>
        </div>
        {(status === 'loading' || status === 'running') && <span className="spinner" aria-hidden />}
      </div>
      <div className="card-body set-body">
        <SetControls canRun={canRun} />
        {status === 'failed' && failure && (
          <FailureNotice failure={failure} title="The prompt set failed." testId="try-set-error" />
        )}
        {message && <p className="subtle small">{message}</p>}
        <SetSummaryView />
        {count > 0 && (
          <>
            <TableTools />
            <SetTable />
          </>
        )}
      </div>
    </div>
  );
}
