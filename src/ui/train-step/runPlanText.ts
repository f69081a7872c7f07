// What the Train step says about the run's length before Start: the planned optimizer steps and
// the rows behind them, and, for a run too short to learn anything, the suggestions the planner
// made, each applied with one click. Pure text and patches: unit-tested in test/ui.
import type { RunPlan, RunSuggestion, TrainSettings } from '../../worker/engineProtocol.ts';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "This run: 30 optimizer steps (2 rows of 2048 tokens per epoch, effective batch 16)". */
export function planSummary(plan: RunPlan, settings: TrainSettings): string {
  const accum = Math.max(1, Math.round(settings.effectiveBatch / Math.max(1, settings.microBatch)));
  const batch = accum * settings.microBatch;
  return (
    `This run: ${plural(plan.totalSteps, 'optimizer step')} ` +
    `(${plural(plan.rowsPerEpoch, 'row')} of ${plan.seqLen} tokens per epoch, ` +
    `effective batch ${batch})`
  );
}

/** Why a short run is a problem, in one or two sentences. */
export function tooShortWarning(plan: RunPlan, settings: TrainSettings): string {
  const steps = plural(plan.totalSteps, 'optimizer step');
  const lrZero =
    plan.totalSteps <= 1 || Math.ceil(settings.warmupRatio * plan.totalSteps) >= plan.totalSteps;
  return (
    `Only ${steps}: too few to learn anything (about 30 is a useful minimum).` +
    (lrZero ? ' With warmup, the learning rate would hardly leave 0.' : '') +
    ` ${plan.trainExamples} training examples fill ${plural(plan.rowsPerEpoch, 'row')} per epoch.`
  );
}

/** The settings after a suggestion (the patch is the engine's; nothing else changes). */
export function applySuggestion(settings: TrainSettings, s: RunSuggestion): TrainSettings {
  return { ...settings, ...s.patch };
}

/** True when the plan was made for settings equal to these (a stale plan is not shown as current). */
export function planMatches(planned: TrainSettings | null, current: TrainSettings): boolean {
  if (!planned) return false;
  return (Object.keys(current) as (keyof TrainSettings)[]).every(
    (k) => JSON.stringify(planned[k]) === JSON.stringify(current[k]),
  );
}
