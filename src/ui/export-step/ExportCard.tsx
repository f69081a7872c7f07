// One export of the Export step (merged model, GGUF, LoRA GGUF, TRL project): what it is, its
// options, its size before writing, Download (written by the engine worker into the browser's
// private storage, then saved) or "Save to…" (a file or folder the user picks, where the browser
// allows it), progress with cancel while it writes, and how to use it.
import type { ReactNode } from 'react';
import type { ExportKind, ExportOptions } from '../../worker/engineProtocol.ts';
import { FailureNotice } from '../shell/FailureNotice.tsx';
import { fmtBytes } from '../train-step/format.ts';
import { saveBlob } from '../downloadFile.ts';
import { HowToUse } from './HowToUse.tsx';
import { isMulti, useExport, type MeasureState, type WriteState } from './useExport.ts';

function sizeText(m: MeasureState): string {
  if (m.status === 'measuring' && !m.value) return 'Measuring…';
  if (!m.value) return '–';
  const v = m.value;
  return `${fmtBytes(v.bytes)}${v.multi ? ` · ${v.files.length} files` : ''}`;
}

function Progress({
  kind,
  w,
  onCancel,
}: {
  kind: ExportKind;
  w: WriteState;
  onCancel: () => void;
}) {
  const pct = w.total > 0 ? Math.min(100, (100 * w.done) / w.total) : 0;
  return (
    <div
      className="export-progress"
      data-testid="export-progress"
      data-kind={kind}
      data-done={w.done}
      data-total={w.total}
    >
      <div className="progress">
        <div style={{ width: `${pct.toFixed(1)}%` }} />
      </div>
      <div className="export-progress-row">
        <span className="num subtle">
          {fmtBytes(w.done)} of {fmtBytes(w.total)}
          {w.file ? ` · ${w.file}` : ''}
        </span>
        <button
          type="button"
          className="btn btn-sm"
          data-testid="export-cancel"
          data-kind={kind}
          onClick={onCancel}
        >
          Cancel
        </button>
      </div>
    </div>
  );
}

function doneText(w: WriteState): string {
  if (w.status === 'cancelled') return 'Cancelled; nothing was kept.';
  if (w.status !== 'done') return '';
  return w.to === 'download'
    ? `Written (${fmtBytes(w.done)}) and handed to the browser's downloads as ${w.file}.`
    : `Written (${fmtBytes(w.done)}) where you picked: ${w.file}.`;
}

export function ExportCard({
  kind,
  title,
  what,
  options,
  ready,
  notReady,
  measureKey,
  visible,
  controls,
}: {
  kind: ExportKind;
  title: string;
  what: ReactNode;
  options: ExportOptions;
  /** The export can be measured and written now. */
  ready: boolean;
  /** Why not, when it cannot. */
  notReady: string;
  measureKey: string;
  visible: boolean;
  controls?: ReactNode;
}) {
  const x = useExport(options, ready, measureKey, visible);
  const m = x.measure.value;
  const busy = x.write.status === 'writing';
  const can = ready && x.measure.status === 'ready' && !busy;
  const multi = isMulti(kind);
  return (
    <div className="card export-card" data-testid={`export-card-${kind}`}>
      <div className="card-head">
        <div>
          <h2>{title}</h2>
          <p>{what}</p>
        </div>
        {controls}
      </div>
      <div className="card-body export-card-body">
        <div className="export-actions">
          <div className="export-size">
            <span className="field-label">Size</span>
            <span
              className="num"
              data-testid={`export-size-${kind}`}
              data-bytes={m?.bytes ?? ''}
              data-status={x.measure.status}
            >
              {ready ? sizeText(x.measure) : '–'}
            </span>
          </div>
          <div className="export-buttons">
            {kind !== 'merged' && kind !== 'trl' && m?.modelfile && (
              <button
                type="button"
                className="btn"
                data-testid={`export-${kind}-modelfile`}
                onClick={() =>
                  saveBlob(new Blob([m.modelfile!], { type: 'text/plain' }), 'Modelfile')
                }
              >
                Modelfile
              </button>
            )}
            {x.canPick && (
              <button
                type="button"
                className="btn"
                data-testid={`export-${kind}-pick`}
                disabled={!can}
                onClick={x.pick}
              >
                {multi ? 'Save to folder…' : 'Save as…'}
              </button>
            )}
            <button
              type="button"
              className="btn btn-primary"
              data-testid={`export-${kind}`}
              disabled={!can}
              onClick={x.download}
            >
              Download{multi ? ' zip' : ''}
            </button>
          </div>
        </div>
        {!ready && <p className="subtle export-note">{notReady}</p>}
        {ready && m && (
          <p className="subtle export-note">
            <code>{m.name}</code>
            {m.multi ? `: ${m.files.join(', ')}` : ''}
          </p>
        )}
        {x.measure.status === 'failed' && x.measure.failure && (
          <FailureNotice failure={x.measure.failure} title="Cannot export this." />
        )}
        {busy && <Progress kind={kind} w={x.write} onCancel={x.cancel} />}
        <p
          className="export-status"
          data-testid={`export-status-${kind}`}
          data-status={x.write.status}
          data-to={x.write.to}
          hidden={x.write.status !== 'done' && x.write.status !== 'cancelled'}
        >
          {doneText(x.write)}
        </p>
        {x.write.status === 'failed' && x.write.failure && (
          <FailureNotice failure={x.write.failure} title="The export failed." />
        )}
        <HowToUse kind={kind} measure={m} />
      </div>
    </div>
  );
}
