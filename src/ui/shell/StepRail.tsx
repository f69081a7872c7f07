// The left rail: one entry per step, with its number, title and a live status line.
import { kSteps, type StepDef } from '../steps.tsx';
import { useStudio } from '../store/index.ts';

function RailItem({ step, index }: { step: StepDef; index: number }) {
  const active = useStudio((s) => s.ui.step === step.id);
  const setStep = useStudio((s) => s.setStep);
  const status = step.useStatus();
  return (
    <li>
      <button
        type="button"
        className="rail-item"
        aria-current={active ? 'step' : undefined}
        data-testid={`step-${step.id}`}
        onClick={() => setStep(step.id)}
      >
        <span className={`rail-num tone-${status.tone}`}>
          {status.tone === 'ok' ? '✓' : index + 1}
        </span>
        <span className="rail-text">
          <span className="rail-title">{step.title}</span>
          <span className={`rail-status tone-${status.tone}`}>{status.text || step.blurb}</span>
        </span>
      </button>
    </li>
  );
}

export function StepRail() {
  return (
    <nav className="rail" aria-label="Steps">
      <ol>
        {kSteps.map((step, i) => (
          <RailItem key={step.id} step={step} index={i} />
        ))}
      </ol>
      <div className="rail-foot">
        <p>
          Your data never leaves this machine: files are read in the browser, nothing is uploaded.
        </p>
      </div>
    </nav>
  );
}
