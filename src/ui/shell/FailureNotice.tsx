// How every engine failure shows: what happened (the message) and what to do (the hint), with a
// step further for the kinds where the studio can help: out-of-memory points at the fields that
// decide memory, a lost device says a new one is taken and the run can resume from its checkpoint.
import type { ReactNode } from 'react';
import type { EngineFailure } from '../../worker/engineProtocol.ts';
import { useStudio } from '../store/index.ts';

/** Opens the Train step and puts the cursor in one of its fields. */
function useFocusTrainField(): (id: string) => void {
  const setStep = useStudio((s) => s.setStep);
  return (id) => {
    setStep('train');
    requestAnimationFrame(() => {
      const el = document.getElementById(id);
      el?.scrollIntoView({ block: 'center' });
      el?.focus();
    });
  };
}

function KindHelp({ failure }: { failure: EngineFailure }) {
  const focus = useFocusTrainField();
  if (failure.kind === 'out-of-memory') {
    return (
      <div className="failure-actions">
        <span>The sizes that decide GPU memory:</span>
        <button type="button" className="btn btn-sm" onClick={() => focus('train-maxLength')}>
          Max length
        </button>
        <button type="button" className="btn btn-sm" onClick={() => focus('train-microBatch')}>
          Micro-batch
        </button>
        <button
          type="button"
          className="btn btn-sm"
          onClick={() => focus('train-gradientCheckpointing')}
        >
          Gradient checkpointing
        </button>
      </div>
    );
  }
  if (failure.kind === 'device-lost') {
    return (
      <p className="failure-note">
        The studio opens a new GPU device and loads the model again, without a page reload. A run
        that had saved a checkpoint resumes from it by itself; otherwise the Train step offers to
        resume it.
      </p>
    );
  }
  return null;
}

export function FailureNotice({
  failure,
  title,
  testId,
  children,
}: {
  failure: EngineFailure;
  title: string;
  testId?: string;
  children?: ReactNode;
}) {
  const tone = failure.kind === 'cancelled' ? 'callout-warn' : 'callout-danger';
  return (
    <div className={`callout ${tone} failure`} data-testid={testId} data-kind={failure.kind}>
      <div className="failure-body">
        <div>
          <strong>{title}</strong> {failure.message}
        </div>
        {failure.hint && (
          <div className="failure-hint">
            <span className="failure-hint-label">What to do:</span> {failure.hint}
          </div>
        )}
        <KindHelp failure={failure} />
        {children}
      </div>
    </div>
  );
}
