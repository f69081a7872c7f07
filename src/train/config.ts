// Training hyperparameters with the usual SFT LoRA defaults (PEFT + TRL conventions), and their
// validation. Plain serializable data: it crosses the worker boundary and is stored in checkpoints.
import { kLoraModules } from '../model/lora.ts';
import type { SchedulerName } from './schedule.ts';
import { kSchedulers } from './schedule.ts';

/** `all-linear`: every projection of a decoder layer (never lm_head). */
export const kAllLinear: readonly string[] = kLoraModules;

export interface LoraHyper {
  r: number;
  alpha: number;
  dropout: number;
  /** 'all-linear' (q,k,v,o,gate,up,down; never lm_head) or module names like ['q_proj','v_proj']. */
  targets: 'all-linear' | string[];
  useRslora: boolean;
}

export interface TrainHyper {
  lora: LoraHyper;
  lr: number;
  scheduler: SchedulerName;
  warmupRatio: number;
  weightDecay: number;
  adamBeta1: number;
  adamBeta2: number;
  adamEps: number;
  /** Rows (packed sequences) per micro-batch. */
  batchSize: number;
  gradAccum: number;
  /** Optimizer steps; when set it wins over `epochs`. */
  maxSteps?: number;
  epochs: number;
  maxLength: number;
  packing: boolean;
  maxGradNorm: number;
  /** Fraction of examples held out for eval (0: none). */
  evalSplit: number;
  /** Evaluate every N optimizer steps (and at the end) when there is an eval split; 0: only at the end. */
  evalEvery: number;
  /** Checkpoint every N optimizer steps (0: only at stop/end). */
  checkpointEvery: number;
  /** Read the loss back every N steps (1 = every step; the step loop never waits for it). */
  logEvery: number;
  seed: number;
  /**
   * Per-layer activation checkpointing (recompute each layer's forward in the backward): true,
   * false (keep every layer's activations: about a third fewer FLOPs), or 'auto' (keep them when
   * that costs at most 1 GiB more device memory; src/model/plan.ts `chooseKeepActivations`).
   */
  gradientCheckpointing: boolean | 'auto';
}

export const kDefaultLora: LoraHyper = {
  r: 16,
  alpha: 32,
  dropout: 0.05,
  targets: 'all-linear',
  useRslora: false,
};

export const kDefaultTrain: TrainHyper = {
  lora: kDefaultLora,
  lr: 2e-4,
  scheduler: 'cosine',
  warmupRatio: 0.03,
  weightDecay: 0,
  adamBeta1: 0.9,
  adamBeta2: 0.999,
  adamEps: 1e-8,
  batchSize: 1,
  gradAccum: 1,
  epochs: 1,
  maxLength: 2048,
  packing: true,
  maxGradNorm: 1.0,
  evalSplit: 0,
  evalEvery: 0,
  checkpointEvery: 0,
  logEvery: 1,
  seed: 42,
  gradientCheckpointing: 'auto',
};

export type TrainHyperInput = Partial<Omit<TrainHyper, 'lora'>> & { lora?: Partial<LoraHyper> };

export class TrainConfigError extends Error {
  constructor(detail: string) {
    super(`Invalid training config: ${detail}`);
    this.name = 'TrainConfigError';
  }
}

/** Fills defaults and checks ranges; throws TrainConfigError naming the field. */
export function resolveHyper(input: TrainHyperInput = {}): TrainHyper {
  const h: TrainHyper = {
    ...kDefaultTrain,
    ...stripUndefined(input),
    lora: { ...kDefaultLora, ...stripUndefined(input.lora ?? {}) },
  };
  const check = (ok: boolean, msg: string) => {
    if (!ok) throw new TrainConfigError(msg);
  };
  const isInt = (x: number) => Number.isInteger(x);
  check(isInt(h.lora.r) && h.lora.r >= 1, `lora.r must be a positive integer (got ${h.lora.r})`);
  check(h.lora.alpha > 0, `lora.alpha must be > 0 (got ${h.lora.alpha})`);
  check(h.lora.dropout >= 0 && h.lora.dropout < 1, `lora.dropout must be in [0, 1)`);
  if (h.lora.targets !== 'all-linear') {
    check(h.lora.targets.length > 0, 'lora.targets is empty');
    for (const t of h.lora.targets) {
      check(
        kAllLinear.includes(t),
        `unknown LoRA target "${t}" (supported: all-linear or ${kAllLinear.join(', ')})`,
      );
    }
  }
  check(h.lr > 0 && Number.isFinite(h.lr), `lr must be > 0 (got ${h.lr})`);
  check(kSchedulers.includes(h.scheduler), `scheduler must be one of ${kSchedulers.join(', ')}`);
  check(h.warmupRatio >= 0 && h.warmupRatio <= 1, 'warmupRatio must be in [0, 1]');
  check(h.weightDecay >= 0, 'weightDecay must be >= 0');
  check(isInt(h.batchSize) && h.batchSize >= 1, 'batchSize must be a positive integer');
  check(isInt(h.gradAccum) && h.gradAccum >= 1, 'gradAccum must be a positive integer');
  check(
    h.maxSteps === undefined || (isInt(h.maxSteps) && h.maxSteps >= 1),
    'maxSteps must be >= 1',
  );
  check(h.epochs > 0, 'epochs must be > 0');
  check(isInt(h.maxLength) && h.maxLength >= 2, 'maxLength must be an integer >= 2');
  check(h.maxGradNorm > 0, 'maxGradNorm must be > 0');
  check(h.evalSplit >= 0 && h.evalSplit < 1, 'evalSplit must be in [0, 1)');
  check(isInt(h.logEvery) && h.logEvery >= 1, 'logEvery must be a positive integer');
  check(
    typeof h.gradientCheckpointing === 'boolean' || h.gradientCheckpointing === 'auto',
    "gradientCheckpointing must be true, false or 'auto'",
  );
  return h;
}

/** The module names LoRA wraps, in canonical order. */
export function targetModules(lora: Pick<LoraHyper, 'targets'>): string[] {
  if (lora.targets === 'all-linear') return [...kAllLinear];
  return kAllLinear.filter((m) => (lora.targets as string[]).includes(m));
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
