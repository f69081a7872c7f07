// Learning-rate schedules, exactly as transformers' `get_{cosine,linear,constant}_schedule_with_warmup`
// (optimization.py): a multiplier `lambda(step)` on the base LR, where `step` is the 0-based index
// of the optimizer step about to run (the scheduler's `last_epoch`: the first step of a warmed-up
// run uses LR 0, as in transformers). Warmup steps from a ratio are `ceil(total * ratio)`, as in
// `TrainingArguments.get_warmup_steps`, except that warmup never takes every step of a run: with
// one step and 3% warmup, transformers trains at LR 0 and learns nothing; here warmup is capped at
// total - 1 steps, so at least the last step runs at a learning rate above 0.

export type SchedulerName = 'cosine' | 'linear' | 'constant';
export const kSchedulers: SchedulerName[] = ['cosine', 'linear', 'constant'];

export function warmupSteps(totalSteps: number, warmupRatio: number): number {
  return Math.max(0, Math.min(Math.ceil(totalSteps * warmupRatio), totalSteps - 1));
}

/** The LR multiplier at optimizer step `step` (0-based). */
export function lrLambda(
  name: SchedulerName,
  step: number,
  totalSteps: number,
  warmup: number,
): number {
  if (step < warmup) return step / Math.max(1, warmup);
  switch (name) {
    case 'constant':
      return 1;
    case 'linear':
      return Math.max(0, (totalSteps - step) / Math.max(1, totalSteps - warmup));
    case 'cosine': {
      // num_cycles = 0.5: one half-cosine from 1 to 0.
      const progress = (step - warmup) / Math.max(1, totalSteps - warmup);
      return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * 0.5 * 2 * progress)));
    }
  }
}

/** A schedule bound to a run: `lr(step)` is the learning rate of 0-based optimizer step `step`. */
export function makeSchedule(
  name: SchedulerName,
  baseLr: number,
  totalSteps: number,
  warmupRatio: number,
): { warmup: number; lr: (step: number) => number } {
  const warmup = warmupSteps(totalSteps, warmupRatio);
  return { warmup, lr: (step) => baseLr * lrLambda(name, step, totalSteps, warmup) };
}
