// The one shape of a run's settings, as the studio's Train form, the CLI's flags, checkpoints and
// exported projects hold it (the engine keeps the table of defaults, src/engine/settings.ts, and
// derives the trainer's hyperparameters from it). It lives here, under the engine, so that the
// export layer (the TRL project) can take it as it is.
import type { SchedulerName } from './schedule.ts';

export interface TrainSettings {
  /** LoRA rank, alpha, dropout, targets ('all-linear' = q,k,v,o,gate,up,down) and rsLoRA. */
  r: number;
  alpha: number;
  dropout: number;
  targets: 'all-linear' | string[];
  useRslora: boolean;
  lr: number;
  scheduler: SchedulerName;
  warmupRatio: number;
  weightDecay: number;
  /** Examples' rows per optimizer step: microBatch rows per pass × gradient-accumulation passes. */
  effectiveBatch: number;
  microBatch: number;
  epochs: number;
  /** Optimizer steps; 0 = run `epochs` epochs. */
  maxSteps: number;
  maxLength: number;
  packing: boolean;
  /** Fraction of the examples held out for the eval loss (0 = none). */
  evalSplit: number;
  /** Evaluate every N optimizer steps; 0 = about ten times over the run (and always at the end). */
  evalEvery: number;
  /** Save a checkpoint every N optimizer steps (0 = only when the run stops or ends). */
  checkpointEvery: number;
  seed: number;
  /** With an eval split: stop when the eval loss has not improved for this many evaluations
   * (0 = never stop early). The best eval loss's adapter is kept either way. */
  earlyStoppingPatience: number;
  /** Recompute each layer in the backward: true, false, or 'auto' (keep activations when that
   * costs at most 1 GiB more device memory). */
  gradientCheckpointing: boolean | 'auto';
}
