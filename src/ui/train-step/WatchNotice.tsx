// The overfitting watch's notice in the Train step, shown prominently above the chart: the warning
// when the eval loss keeps rising while the training loss falls, or the message of a run that
// stopped early (early-stopping patience). Both come from the engine's info events
// (src/train/events.ts); the best eval loss's step is marked on the chart itself.
import { useStudio } from '../store/index.ts';
import './watch.css';

export function WatchNotice() {
  const watch = useStudio((s) => s.train.watch);
  const bestStep = useStudio((s) => s.train.bestStep);
  if (!watch) return null;
  const stopped = watch.topic === 'early-stop';
  return (
    <div
      className={`callout train-watch ${stopped ? 'train-watch-stop' : 'callout-warn'}`}
      role="status"
      data-testid="train-watch"
      data-topic={watch.topic}
      data-step={watch.step}
    >
      <div>
        <strong>{stopped ? 'Stopped early.' : 'Overfitting.'}</strong> {watch.message}
        {bestStep !== null && (
          <span className="subtle">
            {' '}
            The adapter at step {bestStep} (best eval loss) is kept: Try and Export can use it.
          </span>
        )}
      </div>
    </div>
  );
}
