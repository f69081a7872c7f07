// The selected example: its counts, the legend, and the token chips (after training, colored by
// loss on request: LossHeatBar). For a bad line, its errors.
import type { ExampleDetail } from '../../worker/protocol.ts';
import { fmtInt, kFormatLabel } from '../format.ts';
import { useStudio, useStudioShallow } from '../store/index.ts';
import { kFlagLabel } from './ExampleList.tsx';
import { HeatChips, LossHeatBar } from './LossHeatBar.tsx';

function Legend() {
  return (
    <div className="legend" aria-label="Legend">
      {(['system', 'user', 'assistant', 'template'] as const).map((r) => (
        <span key={r} className="legend-item">
          <span className="tok legend-swatch" data-role={r} data-trained="true">
            {'\u00a0'}
          </span>
          {r}
        </span>
      ))}
      <span className="legend-sep" />
      <span className="legend-item">
        <span className="tok legend-swatch" data-role="assistant" data-trained="true">
          ab
        </span>
        trained
      </span>
      <span className="legend-item">
        <span className="tok legend-swatch" data-role="assistant" data-trained="false">
          ab
        </span>
        masked (label −100)
      </span>
    </div>
  );
}

function Counts({ detail }: { detail: ExampleDetail }) {
  const maxLength = useStudio((s) => s.train.settings.maxLength);
  let trained = 0;
  for (const l of detail.labels) if (l !== -100) trained++;
  const masked = detail.labels.length - trained;
  return (
    <div
      className="detail-counts"
      data-testid="example-counts"
      data-trained={trained}
      data-masked={masked}
    >
      <span>
        <span className="count-trained num">{fmtInt(trained)}</span> trained
      </span>
      <span>
        <span className="num">{fmtInt(masked)}</span> masked
      </span>
      <span className="subtle num">
        {fmtInt(detail.inputIds.length)} / {fmtInt(maxLength)} tokens
      </span>
    </div>
  );
}

function ErrorDetail({ line }: { line: number }) {
  const errors = useStudio((s) => s.dataset.errors);
  const mine = errors.filter((e) => e.line === line);
  return (
    <div className="detail-body">
      <div className="callout callout-danger">
        <div>
          <strong>Line {line} is not used for training.</strong>
          <ul className="detail-errors">
            {mine.map((e, i) => (
              <li key={i}>
                {e.field && <code>{e.field}</code>} {e.message}
              </li>
            ))}
          </ul>
        </div>
      </div>
    </div>
  );
}

export function ExampleDetailPane() {
  const { selected, detail, detailError, tokenizer } = useStudioShallow((s) => ({
    selected: s.dataset.selectedLine,
    detail: s.dataset.detail,
    detailError: s.dataset.detailError,
    tokenizer: s.model.tokenizer.status,
  }));
  const isError = useStudio(
    (s) => selected !== null && s.dataset.errors.some((e) => e.line === selected),
  );
  if (selected === null) {
    return <div className="detail detail-empty subtle">Select an example to see its tokens.</div>;
  }
  if (isError) {
    return (
      <div className="detail">
        <ErrorDetail line={selected} />
      </div>
    );
  }
  const current = detail && detail.line === selected ? detail : null;
  return (
    <div className="detail">
      <div className="detail-head">
        <div className="detail-title">
          <h3>Line {selected}</h3>
          {current && <span className="muted">{kFormatLabel[current.format]}</span>}
          {current?.flags.map((f) => (
            <span key={f} className={`badge ${f === 'excluded' ? 'badge-danger' : 'badge-warn'}`}>
              {kFlagLabel[f]}
            </span>
          ))}
        </div>
        {current && <Counts detail={current} />}
      </div>
      <Legend />
      {detailError ? (
        <div className="callout callout-danger">{detailError}</div>
      ) : current ? (
        <>
          {current.fullLength > current.inputIds.length && (
            <div className="callout callout-warn">
              <span>
                Cut at the max length: {fmtInt(current.fullLength - current.inputIds.length)} more
                tokens ({fmtInt(current.truncatedTrainedTokens)} of them trained) are not shown and
                will not be trained on.
              </span>
            </div>
          )}
          <LossHeatBar detail={current} />
          <HeatChips detail={current} />
        </>
      ) : (
        <div className="detail-empty subtle">
          {tokenizer === 'ready'
            ? 'Tokenizing…'
            : 'Load a tokenizer in the Model step to see this example as tokens.'}
        </div>
      )}
    </div>
  );
}
