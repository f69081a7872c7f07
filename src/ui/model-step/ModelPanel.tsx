// Step 1, Model: pick the tokenizer and how conversations are rendered and cut.
import { useStudio } from '../store/index.ts';
import { TemplateCard } from './TemplateCard.tsx';
import { TokenizerCard } from './TokenizerCard.tsx';
import { LoadModelCard } from '../train-step/LoadModelCard.tsx';
import './model.css';

export function ModelPanel() {
  const ready = useStudio((s) => s.model.tokenizer.status === 'ready');
  const setStep = useStudio((s) => s.setStep);
  return (
    <>
      <div className="panel-head">
        <div>
          <h1>Model</h1>
          <p className="muted">
            The tokenizer and its chat template decide which tokens the model sees and which it
            learns from.
          </p>
        </div>
        <button
          type="button"
          className="btn btn-primary"
          disabled={!ready}
          onClick={() => setStep('dataset')}
        >
          Continue to Dataset →
        </button>
      </div>
      <TokenizerCard />
      <TemplateCard />
      <LoadModelCard />
    </>
  );
}
