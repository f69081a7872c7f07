// The column-mapping dialog: the columns found in the rows with a few values each, and a form
// that says which column (or message key, or role value) is which target, prefilled with the
// mapping in force or the worker's proposal. It opens by itself when most rows match no known
// format, and from the report for any dataset (to override a recognised schema). It sits above the
// report, not over it: every change the user makes re-reads the dataset with that mapping
// (debounced), so the report and the example list below follow live.
import { useEffect, useState } from 'react';
import type { ColumnMapping, DatasetInput, DatasetReading } from '../../worker/protocol.ts';
import { fmtInt } from '../format.ts';
import { useStudio, useStudioShallow } from '../store/index.ts';
import { loadDataset } from '../datasetChannel.ts';
import {
  kMappingModes,
  kModeOrder,
  missingTargets,
  modeOf,
  restrictTo,
  specOf,
  type MappingMode,
  type TargetSpec,
} from './mappingTargets.ts';
import './mapping.css';

const kLiveDelayMs = 400;

function ColumnTable({ reading, draft }: { reading: DatasetReading; draft: ColumnMapping }) {
  const usedAs = (col: string) =>
    Object.entries(draft)
      .filter(([t, c]) => c === col && !t.startsWith('role') && t !== 'content')
      .map(([t]) => t);
  return (
    <table className="mapping-columns" data-testid="mapping-columns">
      <thead>
        <tr>
          <th>Column</th>
          <th>Values in the first rows</th>
          <th>Used as</th>
        </tr>
      </thead>
      <tbody>
        {reading.columns.map((c) => (
          <tr key={c.name}>
            <td>
              <code>{c.name}</code>
            </td>
            <td>
              <div className="mapping-values">
                {c.values.length === 0 ? (
                  <span className="subtle">empty</span>
                ) : (
                  c.values.map((v, i) => (
                    <span key={i} className="mapping-value" title={v}>
                      {v}
                    </span>
                  ))
                )}
              </div>
            </td>
            <td>
              {usedAs(c.name).map((t) => (
                <span key={t} className="badge badge-accent">
                  {t}
                </span>
              ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function TargetField(props: {
  spec: TargetSpec;
  value: string;
  columns: string[];
  reason?: string;
  onChange: (value: string) => void;
}) {
  const { spec, value, columns, reason, onChange } = props;
  const id = `mapping-target-${spec.target}`;
  return (
    <div className="field">
      {/* Optional fields say so in their empty choice ("(none)") or placeholder. */}
      <label htmlFor={id}>{spec.label}</label>
      {spec.kind === 'column' ? (
        <select
          id={id}
          className="select"
          data-testid={id}
          value={value}
          onChange={(e) => onChange(e.target.value)}
        >
          <option value="">{spec.required ? 'Choose a column…' : '(none)'}</option>
          {columns.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      ) : (
        <input
          id={id}
          className="input mono"
          data-testid={id}
          value={value}
          placeholder={spec.placeholder}
          spellCheck={false}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
      {reason && <span className="field-hint">Proposed: {reason}</span>}
    </div>
  );
}

function MappingForm(props: {
  reading: DatasetReading;
  source: DatasetInput;
  inForce: ColumnMapping | null;
  valid: number;
  total: number;
}) {
  const { reading, source, inForce, valid, total } = props;
  const setMappingOpen = useStudio((s) => s.setMappingOpen);
  const proposal = reading.proposal;
  const initial = inForce ?? proposal?.mapping ?? {};
  const [mode, setMode] = useState<MappingMode>(modeOf(initial) ?? 'alpaca');
  const [draft, setDraft] = useState<ColumnMapping>(initial);
  const [touched, setTouched] = useState(false);
  const current = restrictTo(mode, draft);
  const missing = missingTargets(mode, current);
  const spec = specOf(mode, current);
  const inForceSpec = inForce ? specOf(modeOf(inForce) ?? mode, inForce) : '';

  // Live: once the user changed something, a complete mapping re-reads the dataset.
  useEffect(() => {
    if (!touched || missing.length > 0 || spec === inForceSpec) return;
    const timer = setTimeout(() => loadDataset(source, current), kLiveDelayMs);
    return () => clearTimeout(timer);
    // `spec` stands for `current` (same targets, same columns).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [touched, spec, inForceSpec, source, missing.length]);

  const change = (target: TargetSpec['target'], value: string) => {
    setTouched(true);
    setDraft((d) => ({ ...d, [target]: value }));
  };
  const apply = () => {
    if (missing.length > 0) return;
    if (spec !== inForceSpec) loadDataset(source, current);
    setMappingOpen(false);
  };
  const columns = reading.columns.map((c) => c.name);
  return (
    <div className="mapping-body">
      <p className="muted mapping-lead">
        {reading.unrecognized && !inForce
          ? `${fmtInt(total - valid)} of ${fmtInt(total)} rows match no known format. Say which column is which; the report below follows as you change it.`
          : 'Say which column is which; the report below follows as you change it.'}
      </p>
      <ColumnTable reading={reading} draft={current} />
      <div className="mapping-form">
        <div className="field">
          <label htmlFor="mapping-format">Read rows as</label>
          <select
            id="mapping-format"
            className="select"
            data-testid="mapping-format"
            value={mode}
            onChange={(e) => {
              setTouched(true);
              setMode(e.target.value as MappingMode);
            }}
          >
            {kModeOrder.map((m) => (
              <option key={m} value={m}>
                {kMappingModes[m].label}
              </option>
            ))}
          </select>
        </div>
        <div className="mapping-targets">
          {kMappingModes[mode].targets.map((t) => (
            <TargetField
              key={t.target}
              spec={t}
              value={draft[t.target] ?? ''}
              columns={columns}
              reason={
                proposal && proposal.mapping[t.target] === current[t.target]
                  ? proposal.reasons[t.target]
                  : undefined
              }
              onChange={(v) => change(t.target, v)}
            />
          ))}
        </div>
      </div>
      <div className="mapping-foot">
        <span className="mapping-spec">
          {missing.length > 0 ? (
            <span className="subtle">
              Still to choose: {missing.map((t) => t.label).join(', ')}
            </span>
          ) : (
            <>
              <span className="subtle">CLI: </span>
              <code data-testid="mapping-spec">--columns {spec}</code>
            </>
          )}
        </span>
        {inForce && (
          <button
            type="button"
            className="btn"
            data-testid="mapping-automatic"
            onClick={() => {
              loadDataset(source, null);
              setMappingOpen(false);
            }}
          >
            Automatic detection
          </button>
        )}
        <button type="button" className="btn" onClick={() => setMappingOpen(false)}>
          Close
        </button>
        <button
          type="button"
          className="btn btn-primary"
          data-testid="mapping-apply"
          disabled={missing.length > 0}
          onClick={apply}
        >
          Use this mapping
        </button>
      </div>
    </div>
  );
}

export function MappingDialog() {
  const d = useStudioShallow((s) => ({
    open: s.dataset.mappingOpen,
    reading: s.dataset.reading,
    source: s.dataset.source,
    mapping: s.dataset.mapping,
    valid: s.dataset.summary?.validExamples ?? 0,
    total: s.dataset.summary?.totalLines ?? 0,
  }));
  if (!d.open || !d.reading || !d.source) return null;
  return (
    <section
      className="card mapping-dialog"
      role="dialog"
      aria-labelledby="mapping-title"
      data-testid="mapping-dialog"
    >
      <div className="card-head">
        <div>
          <h2 id="mapping-title">Column mapping</h2>
          <p>
            {d.reading.columns.length} columns found. Extra columns are ignored; a mapped column
            missing in a row is that row&apos;s error.
          </p>
        </div>
      </div>
      <MappingForm
        reading={d.reading}
        source={d.source}
        inForce={d.mapping}
        valid={d.valid}
        total={d.total}
      />
    </section>
  );
}
