// The tokenizer's load state, in one line: loading, loaded (with its facts, and whether it is the
// loaded model's own) or what went wrong.
import { useStudioShallow } from '../store/index.ts';

export function TokenizerStatusLine() {
  const { status, message, info } = useStudioShallow((s) => s.model.tokenizer);
  if (status === 'idle') {
    return <p className="status-line subtle">No tokenizer loaded yet.</p>;
  }
  if (status === 'loading') {
    return (
      <p className="status-line muted" data-testid="tokenizer-status" data-status="loading">
        <span className="spinner" aria-hidden /> {message}
      </p>
    );
  }
  if (status === 'failed' || !info) {
    return (
      <div className="callout callout-danger" data-testid="tokenizer-status" data-status="failed">
        <span>
          <strong>Could not load the tokenizer.</strong> {message}
        </span>
      </div>
    );
  }
  return (
    <div
      className="status-line"
      data-testid="tokenizer-status"
      data-status="ready"
      data-from-model={String(info.fromModel)}
    >
      <span className="badge badge-ok">
        <span className="dot" /> {info.fromModel ? "Model's own" : 'Loaded'}
      </span>
      <code className="status-name">{info.name}</code>
      <span className="muted num">{info.vocabSize.toLocaleString('en-US')} tokens</span>
      <span className="muted">
        {info.hasChatTemplate ? 'has its own chat template' : 'no chat template of its own'}
      </span>
      {info.specialTokens.length > 0 && (
        <span className="special-tokens">
          {info.specialTokens.slice(0, 4).map((t) => (
            <code key={t}>{t}</code>
          ))}
        </span>
      )}
    </div>
  );
}
