// The one shape of training settings, and the one table of their defaults: the Train form edits
// it, the CLI's flags fill it, the model card prints it, checkpoints keep it. `sft-studio train`
// with no optional flag therefore trains exactly what the studio's Start trains. The trainer's own
// hyperparameters (src/train/config.ts) are derived from it in one place, `hyperOf`.
import { resolveHyper, type TrainHyper, type TrainHyperInput } from '../train/config.ts';
import type { SchedulerName } from '../train/schedule.ts';
import type { TrainSettings } from '../train/settings.ts';

export type { SchedulerName };
export { kSchedulers } from '../train/schedule.ts';
export { kAllLinear } from '../train/config.ts';

export type { TrainSettings };

/** The SFT defaults (PEFT + TRL conventions): r 16, alpha 32, dropout 0.05, all linear layers,
 * lr 2e-4 cosine with 3% warmup, effective batch 16, one epoch, max length 2048, packing. */
export const kDefaultSettings: Readonly<TrainSettings> = Object.freeze({
  r: 16,
  alpha: 32,
  dropout: 0.05,
  targets: 'all-linear',
  useRslora: false,
  lr: 2e-4,
  scheduler: 'cosine',
  warmupRatio: 0.03,
  weightDecay: 0,
  effectiveBatch: 16,
  microBatch: 1,
  epochs: 1,
  maxSteps: 0,
  maxLength: 2048,
  packing: true,
  evalSplit: 0,
  evalEvery: 0,
  checkpointEvery: 20,
  seed: 42,
  earlyStoppingPatience: 0,
  gradientCheckpointing: 'auto',
});

/** Settings with every missing field from the defaults (undefined fields count as missing). */
export function withDefaults(partial: Partial<TrainSettings> = {}): TrainSettings {
  const out: TrainSettings = { ...kDefaultSettings };
  for (const [k, v] of Object.entries(partial)) {
    if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  }
  return out;
}

/** Gradient-accumulation passes per optimizer step. */
export function gradAccumOf(s: Pick<TrainSettings, 'effectiveBatch' | 'microBatch'>): number {
  return Math.max(1, Math.round(s.effectiveBatch / Math.max(1, s.microBatch)));
}

/** Eval interval for a run of `totalSteps` steps: the setting, or about ten evaluations. */
export function evalEveryOf(s: Pick<TrainSettings, 'evalEvery'>, totalSteps: number): number {
  return s.evalEvery > 0 ? s.evalEvery : Math.max(1, Math.round(totalSteps / 10));
}

/** The trainer's hyperparameters for these settings (validated: TrainConfigError names the field). */
export function hyperOf(s: TrainSettings, totalSteps?: number): TrainHyper {
  const input: TrainHyperInput = {
    lora: {
      r: s.r,
      alpha: s.alpha,
      dropout: s.dropout,
      targets: s.targets,
      useRslora: s.useRslora,
    },
    lr: s.lr,
    scheduler: s.scheduler,
    warmupRatio: s.warmupRatio,
    weightDecay: s.weightDecay,
    batchSize: s.microBatch,
    gradAccum: gradAccumOf(s),
    epochs: s.epochs,
    maxSteps: s.maxSteps > 0 ? s.maxSteps : undefined,
    maxLength: s.maxLength,
    packing: s.packing,
    evalSplit: s.evalSplit,
    evalEvery: s.evalSplit > 0 && totalSteps !== undefined ? evalEveryOf(s, totalSteps) : 0,
    checkpointEvery: s.checkpointEvery,
    logEvery: 1,
    seed: s.seed,
    gradientCheckpointing: s.gradientCheckpointing,
  };
  return resolveHyper(input);
}

/** The settings a trainer's hyperparameters came from (a checkpoint keeps the hyperparameters). */
export function settingsOf(h: TrainHyper): TrainSettings {
  return {
    r: h.lora.r,
    alpha: h.lora.alpha,
    dropout: h.lora.dropout,
    targets: h.lora.targets,
    useRslora: h.lora.useRslora,
    lr: h.lr,
    scheduler: h.scheduler,
    warmupRatio: h.warmupRatio,
    weightDecay: h.weightDecay,
    effectiveBatch: h.batchSize * h.gradAccum,
    microBatch: h.batchSize,
    epochs: h.epochs,
    maxSteps: h.maxSteps ?? 0,
    maxLength: h.maxLength,
    packing: h.packing,
    evalSplit: h.evalSplit,
    evalEvery: h.evalEvery,
    checkpointEvery: h.checkpointEvery,
    seed: h.seed,
    earlyStoppingPatience: 0,
    gradientCheckpointing: h.gradientCheckpointing ?? 'auto',
  };
}
