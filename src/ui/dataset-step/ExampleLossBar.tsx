// The example browser's loss controls: measure every example's mean loss with the model (tuned
// after a run, else base) in the engine worker, with progress and cancel, then sort the list by
// it (hardest first: high-loss examples are often the mislabeled ones).
import { useStudioShallow, useStudio } from '../store/index.ts';
import { cancelExampleLosses, runExampleLosses } from '../evalBridge.ts';
import { fmtInt } from '../format.ts';
import { availableSorts, kSortLabel, type ExampleLosses, type ExampleSort } from './exampleSort.ts';

export function ExampleLossBar({ losses }: { losses: ExampleLosses | null }) {
  const { modelReady, tokenized, training, hasRun, el } = useStudioShallow((s) => ({
    modelReady: s.engine.model.status === 'ready',
    tokenized: s.dataset.table !== null,
    training: s.train.state === 'running' || s.train.state === 'loading',
    hasRun: s.train.info !== null,
    el: s.exampleLoss,
  }));
  const setSort = useStudio((s) => s.setExampleSort);
  if (!modelReady || !tokenized) return null;
  const running = el.status === 'running';
  const sorts = availableSorts(losses);
  return (
    <div className="loss-sort" data-testid="example-loss">
      {running ? (
        <>
          <span className="subtle num" data-testid="example-loss-progress">
            Measuring losses… {fmtInt(el.done)} / {fmtInt(el.total)}
          </span>
          <button type="button" className="btn btn-sm" onClick={cancelExampleLosses}>
            Cancel
          </button>
        </>
      ) : (
        <button
          type="button"
          className="btn btn-sm"
          data-testid="example-loss-run"
          disabled={training}
          title={
            training
              ? 'Pause or stop the run first: the GPU is busy training'
              : 'Each example’s mean loss over its trained tokens'
          }
          onClick={() => void runExampleLosses()}
        >
          {losses ? 'Measure losses again' : 'Measure losses'}
          {hasRun ? ' (tuned + base)' : ' (base model)'}
        </button>
      )}
      <label className="loss-sort-select">
        Sort{' '}
        <select
          className="select"
          data-testid="example-sort"
          value={sorts.includes(el.sort) ? el.sort : 'row'}
          disabled={sorts.length === 1}
          onChange={(e) => setSort(e.target.value as ExampleSort)}
        >
          {(['row', 'loss-tuned', 'loss-base', 'improved'] as const).map((k) => (
            <option key={k} value={k} disabled={!sorts.includes(k)}>
              {kSortLabel[k]}
            </option>
          ))}
        </select>
      </label>
      {el.status === 'cancelled' && <span className="subtle">Cancelled.</span>}
      {el.status === 'failed' && el.failure && (
        <span className="error-text" role="alert">
          {el.failure.message}
          {el.failure.hint && ` ${el.failure.hint}`}
        </span>
      )}
    </div>
  );
}
