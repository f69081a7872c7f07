// The run's length before Start (`train-run-plan`, with data-steps and data-too-short): the planned
// optimizer steps and the rows behind them. A run too short to learn anything (a newcomer's first
// run on a small sample is a single step) gets a clear warning and one button per suggestion
// (`train-suggestion-<i>`) that applies it to the form in one click.
import { useStudioShallow } from '../store/index.ts';
import { planMatches, planSummary, tooShortWarning } from './runPlanText.ts';

export function RunPlanView({ disabled }: { disabled: boolean }) {
  const { plan, planned, settings, tokenized, set } = useStudioShallow((s) => ({
    plan: s.train.plan.value,
    planned: s.train.plan.settings,
    settings: s.train.settings,
    tokenized: s.dataset.status === 'ready' && !!s.dataset.summary?.tokens,
    set: s.setTrainSettings,
  }));
  if (!plan || !tokenized) return null;
  const current = planMatches(planned, settings);
  return (
    <div
      className={`run-plan${current ? '' : ' run-plan-stale'}`}
      data-testid="train-run-plan"
      data-steps={plan.totalSteps}
      data-too-short={String(plan.tooShort)}
      data-current={String(current)}
    >
      <div className="run-plan-line num">
        {planSummary(plan, planned ?? settings)}
        {plan.evalExamples > 0 && (
          <span className="subtle"> · {plan.evalExamples} examples held out for eval</span>
        )}
      </div>
      {plan.tooShort && (
        <div className="callout callout-warn run-plan-warning">
          <div className="run-plan-body">
            <div>
              <strong>This run is too short.</strong> {tooShortWarning(plan, planned ?? settings)}
            </div>
            {plan.suggestions.length > 0 && (
              <div className="run-suggestions">
                {plan.suggestions.map((sg, i) => (
                  <div key={sg.label} className="run-suggestion">
                    <button
                      type="button"
                      className="btn btn-sm"
                      data-testid={`train-suggestion-${i}`}
                      disabled={disabled}
                      onClick={() => set(sg.patch)}
                    >
                      {sg.label}
                    </button>
                    <span className="subtle small">
                      {sg.why} ({sg.steps} steps)
                    </span>
                  </div>
                ))}
              </div>
            )}
          </div>
        </div>
      )}
    </div>
  );
}
