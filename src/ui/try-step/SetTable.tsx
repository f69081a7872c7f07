// The prompt-set table: one row per prompt with its reference (when known), the base and the tuned
// answer (streamed), whether each stopped on its own or hit the token limit (a tuned model that
// never stops is the commonest SFT bug, so it is marked), and ROUGE-L per answer. Sorting and
// filtering are the pure functions of setTable.ts; rows are memoized, so a streamed token
// re-renders one row.
import { memo, useMemo } from 'react';
import type { SetAnswer } from '../../worker/engineProtocol.ts';
import { useStudioShallow } from '../store/index.ts';
import { visibleRows, type SetRow } from './setTable.ts';

function StopBadge({ answer, max }: { answer: SetAnswer | null; max: number }) {
  if (!answer) return null;
  return answer.stopped ? (
    <span className="badge badge-ok" title="Ended its turn itself (end-of-turn or EOS)">
      stopped · {answer.tokens} tok
    </span>
  ) : (
    <span className="badge badge-warn" title={`Hit the ${max}-token limit without ending its turn`}>
      <span className="dot" />
      hit the limit · {answer.tokens} tok
    </span>
  );
}

const fmtRouge = (x: number | null | undefined) => (x == null ? '–' : x.toFixed(3));

function Answer({ text, answer, max }: { text: string; answer: SetAnswer | null; max: number }) {
  return (
    <td className={`set-answer${answer && !answer.stopped ? ' set-limit' : ''}`}>
      <div className="set-text">
        {text || <span className="subtle">{answer ? '(empty)' : '…'}</span>}
      </div>
      <StopBadge answer={answer} max={max} />
    </td>
  );
}

const Row = memo(function Row({ row, refs, max }: { row: SetRow; refs: boolean; max: number }) {
  const b = row.baseAnswer;
  const t = row.tunedAnswer;
  const gain = b?.rougeL != null && t?.rougeL != null ? t.rougeL - b.rougeL : null;
  return (
    <tr
      data-testid="try-set-row"
      data-line={row.line}
      data-base-stopped={b ? String(b.stopped) : ''}
      data-tuned-stopped={t ? String(t.stopped) : ''}
    >
      <td className="num subtle">{row.line}</td>
      <td className="set-prompt">
        <div className="set-text">{row.prompt}</div>
        {row.context > 0 && (
          <div className="subtle small" title="The model sees these turns before the prompt">
            after {row.context} earlier turn{row.context > 1 ? 's' : ''}
          </div>
        )}
      </td>
      {refs && (
        <td className="set-ref">
          <div className="set-text">{row.reference ?? <span className="subtle">–</span>}</div>
        </td>
      )}
      {row.skipped ? (
        <td colSpan={refs ? 3 : 2} className="subtle">
          Skipped: {row.skipped}
        </td>
      ) : (
        <>
          <Answer text={row.base} answer={b} max={max} />
          <Answer text={row.tuned} answer={t} max={max} />
          {refs && (
            <td className="num set-metric">
              <div>{fmtRouge(b?.rougeL)}</div>
              <div className="set-tuned-metric">{fmtRouge(t?.rougeL)}</div>
              {gain !== null && (
                <div className={gain > 0 ? 'set-gain-up' : gain < 0 ? 'set-gain-down' : 'subtle'}>
                  {gain > 0 ? '+' : ''}
                  {gain.toFixed(3)}
                </div>
              )}
            </td>
          )}
        </>
      )}
    </tr>
  );
});

export function SetTable() {
  const { rows, sort, filter, status, max } = useStudioShallow((s) => ({
    rows: s.promptSet.rows,
    sort: s.promptSet.sort,
    filter: s.promptSet.filter,
    status: s.promptSet.status,
    max: s.tryout.sampling.maxNewTokens,
  }));
  const shown = useMemo(() => visibleRows(rows, sort, filter), [rows, sort, filter]);
  const refs = rows.some((r) => r.reference !== null);
  const done = rows.filter((r) => r.baseAnswer && r.tunedAnswer).length;
  return (
    <div className="set-table-wrap">
      <table
        className="set-table"
        data-testid="try-set-table"
        data-rows={rows.length}
        data-done={done}
        data-shown={shown.length}
        data-status={status}
      >
        <thead>
          <tr>
            <th className="num">#</th>
            <th>Prompt</th>
            {refs && <th>Reference</th>}
            <th>Base</th>
            <th>Tuned</th>
            {refs && (
              <th className="num" title="ROUGE-L F1 against the reference: base, tuned, gain">
                ROUGE-L
                <div className="subtle small">base / tuned / Δ</div>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {shown.map((r) => (
            <Row key={r.line} row={r} refs={refs} max={max} />
          ))}
        </tbody>
      </table>
      {rows.length > 0 && shown.length === 0 && (
        <p className="subtle small set-empty">No row matches the filter.</p>
      )}
    </div>
  );
}
