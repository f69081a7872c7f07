// Which adapter the tuned model uses, in Try and in Export: the last step's, or the one kept at the
// best eval loss (runs with an eval split; the engine keeps its weights, src/engine/watch.ts). The
// best one is offered only once the run has one.
import type { AdapterChoice } from '../../worker/engineProtocol.ts';
import { useStudio } from '../store/index.ts';

export function AdapterSelect({
  id,
  testId,
  value,
  onChange,
  disabled,
}: {
  id: string;
  testId: string;
  value: AdapterChoice;
  onChange: (which: AdapterChoice) => void;
  disabled?: boolean;
}) {
  const bestStep = useStudio((s) => s.train.bestStep);
  const step = useStudio((s) => s.train.step);
  // A choice made for an earlier run that has no best adapter falls back to the last one.
  const shown = bestStep === null ? 'last' : value;
  return (
    <div className="field adapter-select">
      <label htmlFor={id}>Adapter</label>
      <select
        id={id}
        className="select"
        data-testid={testId}
        data-best-step={bestStep ?? ''}
        value={shown}
        disabled={disabled}
        onChange={(e) => onChange(e.target.value as AdapterChoice)}
      >
        <option value="last">Last step{step ? ` (step ${step})` : ''}</option>
        <option value="best" disabled={bestStep === null}>
          {bestStep === null
            ? 'Best eval loss (needs an eval split)'
            : `Best eval loss (step ${bestStep})`}
        </option>
      </select>
    </div>
  );
}
