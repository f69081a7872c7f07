// How many optimizer steps a run will take, known before Start from the tokenized lengths alone,
// and what to change when that is too few to learn anything. A newcomer's first run (24 examples
// packed into 2 rows, an effective batch of 16) is one optimizer step: the loss chart gets one
// point and nothing is learned. Below about 30 steps the studio says so and proposes settings.
import { planRunShape, type RunShape } from '../train/plan-run.ts';
import { gradAccumOf, withDefaults, type TrainSettings } from './settings.ts';

export const kMinUsefulSteps = 30;

export interface RunSuggestion {
  /** One line for a button: what changes. */
  label: string;
  /** Why, in a sentence. */
  why: string;
  patch: Partial<TrainSettings>;
  /** Optimizer steps with the patch applied. */
  steps: number;
}

export interface RunPlan extends RunShape {
  /** True when the run has fewer than kMinUsefulSteps optimizer steps. */
  tooShort: boolean;
  suggestions: RunSuggestion[];
}

function shapeOf(lengths: readonly number[], s: TrainSettings): RunShape {
  return planRunShape(lengths, {
    maxLength: s.maxLength,
    packing: s.packing,
    batchSize: s.microBatch,
    gradAccum: gradAccumOf(s),
    epochs: s.epochs,
    maxSteps: s.maxSteps > 0 ? s.maxSteps : undefined,
    evalSplit: s.evalSplit,
    seed: s.seed,
  });
}

/** `lengths`: token counts (after truncation) of the trainable examples, in dataset order. */
export function planRun(lengths: readonly number[], partial: Partial<TrainSettings>): RunPlan {
  const s = withDefaults(partial);
  const shape = shapeOf(lengths, s);
  const tooShort = lengths.length > 0 && shape.totalSteps < kMinUsefulSteps;
  const suggestions: RunSuggestion[] = [];
  if (tooShort) {
    // Candidates: smaller effective batches and up to 3 epochs (the usual SFT range), with and
    // without packing (a few short examples packed into long rows make few, costly steps); then a
    // fixed number of steps. Each is measured by the tokens a run processes, cheapest first.
    const batches = [16, 8, 4, 2, 1].filter((b) => b >= s.microBatch && b <= s.effectiveBatch);
    const candidates: RunSuggestion[] = [];
    for (const packing of s.packing ? [true, false] : [false]) {
      let found: RunSuggestion | null = null;
      for (const epochs of [Math.max(1, s.epochs), 2, 3].filter((e) => e >= s.epochs)) {
        for (const effectiveBatch of batches) {
          const patch = { effectiveBatch, epochs, maxSteps: 0, packing };
          const steps = shapeOf(lengths, { ...s, ...patch }).totalSteps;
          if (steps >= kMinUsefulSteps) {
            found = {
              label:
                `Effective batch ${effectiveBatch}, ${epochs} epoch${epochs > 1 ? 's' : ''}` +
                (packing === s.packing ? '' : ', packing off'),
              why:
                `${steps} optimizer steps over the same data` +
                (packing ? '.' : ': each example in its own row, so a step is short.'),
              patch,
              steps,
            };
            break;
          }
        }
        if (found) break;
      }
      if (found) candidates.push(found);
    }
    const steps = Math.max(kMinUsefulSteps, 2 * shape.stepsPerEpoch);
    const smallBatch = Math.max(s.microBatch, Math.min(s.effectiveBatch, 4));
    candidates.push({
      label: `Train ${steps} steps (effective batch ${smallBatch})`,
      why:
        'A fixed number of steps: a small dataset is repeated over several epochs. Many passes ' +
        'over few examples overfit: hold out some examples (eval split) to watch for it.',
      patch: { maxSteps: steps, effectiveBatch: smallBatch },
      steps,
    });
    const cost = (c: RunSuggestion) => {
      const x = shapeOf(lengths, { ...s, ...c.patch });
      return (
        x.totalSteps *
        Math.min(x.rowsPerEpoch, gradAccumOf({ ...s, ...c.patch }) * s.microBatch) *
        x.seqLen
      );
    };
    suggestions.push(...candidates.sort((a, b) => cost(a) - cost(b)));
  }
  return { ...shape, tooShort, suggestions };
}
