// The planner's GPU memory estimate for training the chosen model at the train form's sizes:
// one stacked bar by category, the total against the budget, and a warning before an OOM. For a Hub
// model not yet asked about, a button asks (it reads config.json from the Hub).
import { requestEstimate } from '../engineBridge.ts';
import { useStudio } from '../store/index.ts';
import { fmtBytes } from './format.ts';

const kCategories: { id: string; label: string; color: string }[] = [
  { id: 'weights', label: 'Frozen weights', color: 'var(--role-template)' },
  { id: 'activations', label: 'Activations', color: 'var(--role-user)' },
  { id: 'scratch', label: 'Scratch', color: 'var(--role-system)' },
  { id: 'lora', label: 'LoRA', color: 'var(--role-assistant)' },
  { id: 'grads', label: 'Gradients', color: 'var(--accent)' },
  { id: 'optimizer', label: 'AdamW state', color: 'var(--warn)' },
];

export function MemoryEstimateView() {
  const est = useStudio((s) => s.engine.estimate);
  const hub = useStudio((s) => s.engine.source === 'hub');
  if (est.status === 'idle') {
    // A Hub model's estimate reads its config.json from the Hub: asked for, never fetched unasked.
    if (!hub) return null;
    return (
      <div className="mem-ask">
        <button
          type="button"
          className="btn btn-sm"
          data-testid="memory-estimate-request"
          onClick={requestEstimate}
        >
          Estimate GPU memory
        </button>
        <span className="subtle">Reads this model&apos;s config.json from the Hub.</span>
      </div>
    );
  }
  if (est.status === 'loading' && !est.value) {
    return <div className="mem-estimate subtle">Estimating GPU memory from config.json…</div>;
  }
  if (est.status === 'failed') {
    return (
      <div className="mem-estimate subtle" data-testid="memory-estimate" data-level="unknown">
        No memory estimate yet: {est.failure?.message} {est.failure?.hint}
      </div>
    );
  }
  const v = est.value!;
  const scale = Math.max(v.total, v.budget);
  const k = v.knobs;
  return (
    <div className="mem-estimate" data-testid="memory-estimate" data-level={v.level}>
      <div className="mem-head">
        <span className="field-label">GPU memory needed for training</span>
        <span className="num mem-total">{fmtBytes(v.total)}</span>
        <span className="subtle small">
          at max length {k.maxLength}, micro-batch {k.microBatch}, LoRA r {k.r} (Train step)
        </span>
      </div>
      <div
        className="mem-bar"
        role="img"
        aria-label={`${fmtBytes(v.total)} of ${fmtBytes(v.budget)}`}
      >
        {kCategories.map((c) => {
          const b = v.byCategory[c.id] ?? 0;
          if (b <= 0) return null;
          return (
            <div
              key={c.id}
              title={`${c.label}: ${fmtBytes(b)}`}
              style={{ width: `${(100 * b) / scale}%`, background: c.color }}
            />
          );
        })}
        <span className="mem-budget" style={{ left: `${(100 * v.budget) / scale}%` }} />
      </div>
      <ul className="mem-legend">
        {kCategories.map((c) => (
          <li key={c.id}>
            <span className="swatch" style={{ background: c.color }} />
            {c.label} <span className="num subtle">{fmtBytes(v.byCategory[c.id] ?? 0)}</span>
          </li>
        ))}
      </ul>
      <div
        className={`callout ${v.level === 'ok' ? '' : v.level === 'warn' ? 'callout-warn' : 'callout-danger'}`}
      >
        <div>
          {v.message}{' '}
          <span className="subtle">
            Budget: {v.budgetSource}. Largest buffer {v.largestBuffer.name} (
            {fmtBytes(v.largestBuffer.bytes)}).
          </span>
        </div>
      </div>
    </div>
  );
}
