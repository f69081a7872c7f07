// The selected example: its counts, its quality flags (with the row a duplicate repeats), edit /
// drop / restore, the legend, and the token chips (after training, colored by loss on request:
// LossHeatBar). For a bad line, its errors. While the editor is open it takes the pane.
import type { ExampleDetail } from '../../worker/protocol.ts';
import { fmtInt, kFormatLabel } from '../format.ts';
import { useStudio, useStudioShallow } from '../store/index.ts';
import { curate, editSelected } from '../curationBridge.ts';
import { ExampleEditor } from './ExampleEditor.tsx';
import { kFlagLabel } from './ExampleList.tsx';
import { FlagList } from './FlagChips.tsx';
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

/** The selected row's flags and curation state, and the buttons that change it. */
function CurationRow({ line }: { line: number }) {
  const info = useStudio((s) => (s.curation.selected?.line === line ? s.curation.selected : null));
  if (!info) return null;
  return (
    <div className="detail-curation" data-dropped={info.dropped} data-edited={info.edited}>
      <div className="detail-curation-head">
        {info.dropped && <span className="badge">dropped: not trained</span>}
        {info.edited && <span className="badge badge-accent">edited</span>}
        {info.byHand && <span className="badge badge-ok">written by hand</span>}
        <span className="curation-sep" />
        <button
          type="button"
          className="btn btn-sm"
          data-testid="edit-example"
          onClick={editSelected}
        >
          Edit
        </button>
        {info.dropped ? (
          <button
            type="button"
            className="btn btn-sm"
            data-testid="restore-example"
            onClick={() => curate({ op: 'restore', lines: [line] })}
          >
            Restore
          </button>
        ) : (
          <button
            type="button"
            className="btn btn-sm"
            data-testid="drop-example"
            onClick={() => curate({ op: 'drop', lines: [line] })}
          >
            Drop
          </button>
        )}
      </div>
      <FlagList flags={info.flags} />
    </div>
  );
}

export function ExampleDetailPane() {
  const editing = useStudio((s) => s.curation.editor !== null);
  return editing ? <ExampleEditor /> : <SelectedDetail />;
}

function SelectedDetail() {
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
          {/* the quality flags are listed with their reasons below; here only "excluded" */}
          {current?.flags
            .filter((f) => f === 'excluded')
            .map((f) => (
              <span key={f} className="badge badge-danger">
                {kFlagLabel[f]}
              </span>
            ))}
        </div>
        {current && <Counts detail={current} />}
      </div>
      <CurationRow line={selected} />
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
