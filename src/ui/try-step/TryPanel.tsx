// Step 4, Try: one prompt, answered by the base model and by the tuned model side by side,
// streamed token by token, with the same sampling settings and seed for both; then a prompt set
// (PromptSetCard) in a table with metrics. The tuned model uses the last adapter or, when the run
// kept one, the best eval loss's.
import { generate } from '../engineBridge.ts';
import { FailureNotice } from '../shell/FailureNotice.tsx';
import { useStudio, useStudioShallow } from '../store/index.ts';
import { AdapterSelect } from './AdapterSelect.tsx';
import { PromptSetCard } from './PromptSetCard.tsx';
import './try.css';

function Output({ which, title, hint }: { which: 'base' | 'tuned'; title: string; hint: string }) {
  const text = useStudio((s) => s.tryout[which]);
  const status = useStudio((s) => s.tryout.status);
  return (
    <div className={`card try-out try-${which}`}>
      <div className="card-head">
        <div>
          <h2>{title}</h2>
          <p>{hint}</p>
        </div>
        {status === 'running' && <span className="spinner" aria-hidden />}
      </div>
      <div
        className="card-body try-text"
        data-testid={`generate-${which}-output`}
        data-status={status}
        aria-live="polite"
      >
        {text || (
          <span className="subtle">
            {status === 'running'
              ? '…'
              : status === 'done'
                ? '(empty: the model ended its turn at once)'
                : 'No answer yet.'}
          </span>
        )}
      </div>
    </div>
  );
}

export function TryPanel() {
  const { prompt, sampling, status, message, failure } = useStudioShallow((s) => ({
    prompt: s.tryout.prompt,
    sampling: s.tryout.sampling,
    status: s.tryout.status,
    message: s.tryout.message,
    failure: s.tryout.failure,
  }));
  const { setPrompt, setSampling, setStep, which, setWhich } = useStudioShallow((s) => ({
    setPrompt: s.setPrompt,
    setSampling: s.setSampling,
    setStep: s.setStep,
    which: s.tryout.which,
    setWhich: s.setTryWhich,
  }));
  const trainState = useStudio((s) => s.train.state);
  const setBusy = useStudio(
    (s) => s.promptSet.status === 'running' || s.promptSet.status === 'loading',
  );
  const template = useStudio((s) => s.engine.model.template);
  const trained = trainState === 'done' || trainState === 'stopped' || trainState === 'paused';
  return (
    <>
      <div className="panel-head">
        <div>
          <h1>Try</h1>
          <p className="muted">
            The base model and the tuned model answer the same prompt, with the same sampling
            settings and seed.
          </p>
        </div>
        <button type="button" className="btn" disabled={!trained} onClick={() => setStep('export')}>
          Continue to Export →
        </button>
      </div>
      {!trained && (
        <div className="callout">
          <div>
            Train an adapter first (or pause the run): generation uses the GPU the run is using.
          </div>
        </div>
      )}
      <div className="card">
        <form
          noValidate
          className="card-body try-form"
          onSubmit={(e) => {
            e.preventDefault();
            generate();
          }}
        >
          <div className="field try-prompt">
            <label htmlFor="try-prompt">
              Prompt (sent as a user turn{template ? `, ${template} template` : ''})
            </label>
            <textarea
              id="try-prompt"
              className="textarea try-textarea"
              rows={3}
              data-testid="generate-prompt"
              value={prompt}
              onChange={(e) => setPrompt(e.target.value)}
            />
          </div>
          <div className="try-settings">
            <div className="field">
              <label htmlFor="try-temp">Temperature</label>
              <input
                id="try-temp"
                className="input num"
                type="number"
                step={0.1}
                min={0}
                max={2}
                value={sampling.temperature}
                onChange={(e) => setSampling({ temperature: Number(e.target.value) })}
              />
            </div>
            <div className="field">
              <label htmlFor="try-topp">Top-p</label>
              <input
                id="try-topp"
                className="input num"
                type="number"
                step={0.05}
                min={0.05}
                max={1}
                value={sampling.topP}
                onChange={(e) => setSampling({ topP: Number(e.target.value) })}
              />
            </div>
            <div className="field">
              <label htmlFor="try-max">Max new tokens</label>
              <input
                id="try-max"
                className="input num"
                type="number"
                data-testid="generate-max-tokens"
                step={1}
                min={1}
                max={256}
                value={sampling.maxNewTokens}
                onChange={(e) => setSampling({ maxNewTokens: Number(e.target.value) })}
              />
            </div>
            <div className="field">
              <label htmlFor="try-seed">Seed</label>
              <input
                id="try-seed"
                className="input num"
                type="number"
                min={0}
                value={sampling.seed}
                onChange={(e) => setSampling({ seed: Number(e.target.value) })}
              />
            </div>
            <AdapterSelect id="try-which" testId="try-which" value={which} onChange={setWhich} />
            <button
              type="submit"
              className="btn btn-primary"
              data-testid="generate-run"
              disabled={!trained || setBusy || status === 'running' || !prompt.trim()}
            >
              {status === 'running' ? 'Generating…' : 'Generate both'}
            </button>
          </div>
          <p className="field-hint">
            Temperature 0 is greedy decoding. Generation stops at the end-of-turn token.
          </p>
        </form>
      </div>
      {status === 'failed' && failure && (
        <FailureNotice failure={failure} title="Generation failed." testId="generate-error" />
      )}
      <div className="try-grid">
        <Output which="base" title="Base model" hint="The frozen weights, without the adapter." />
        <Output
          which="tuned"
          title="Tuned model"
          hint="The same weights plus the trained LoRA adapter."
        />
      </div>
      {status === 'done' && <p className="subtle small">{message}</p>}
      <PromptSetCard canRun={trained && status !== 'running'} />
    </>
  );
}
