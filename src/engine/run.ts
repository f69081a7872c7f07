// A training run as both hosts drive it: tokenized examples and settings in, events out (step,
// eval, checkpoint, done), pause / stop / resume from checkpoint bytes, and the PEFT adapter and
// model card at the end. Allocation happens inside an out-of-memory error scope, so running out of
// GPU memory while building the run is an EngineError('out-of-memory'), not a silent failure.
import type { TokenizedExample } from '../data/types.ts';
import type { GpuContext } from '../gpu/context.ts';
import type { DecodeLora } from '../model/decode.ts';
import type { LoraWeights } from '../model/lora.ts';
import { formatPlan } from '../model/plan.ts';
import { exportAdapter, type AdapterFiles } from '../train/adapter.ts';
import { decodeCheckpoint } from '../train/checkpoint.ts';
import { targetModules } from '../train/config.ts';
import type { TrainEvent } from '../train/events.ts';
import type { FaultPlan } from '../train/faults.ts';
import { evalSplit } from '../train/split.ts';
import { createTrainer, type RunResult, type Trainer } from '../train/trainer.ts';
import { modelCard, type CardFacts } from './card.ts';
import { EngineError } from './errors.ts';
import type { LoadedModel } from './models.ts';
import { planRun } from './runplan.ts';
import { gradAccumOf, hyperOf, settingsOf, type TrainSettings } from './settings.ts';
import { OverfitWatch } from './watch.ts';

export type { RunResult, AdapterFiles, TrainEvent };

export interface RunInfo {
  totalSteps: number;
  /** Tokens per row. */
  seqLen: number;
  trainExamples: number;
  evalExamples: number;
  realTokenRatio: number;
  loraParams: number;
  plannedBytes: number;
  /** The device memory plan as a readable table. */
  planText: string;
  gradAccum: number;
  /** The step a resumed run continues from (0 for a new run). */
  resumedFrom: number;
  /** Row numbers of the held-out examples (the eval split), in row order. */
  evalLines: number[];
}

export interface TrainingRun {
  readonly info: RunInfo;
  /** The run's settings (a resumed run's come from its checkpoint). */
  readonly settings: TrainSettings;
  /** Optimizer steps completed. */
  readonly step: number;
  /** Trains until the end, or until pause()/stop(); call again after pause() to continue. */
  run(): Promise<RunResult>;
  pause(): void;
  stop(): void;
  checkpoint(): Promise<Uint8Array>;
  /** The LoRA weights on the host (survive destroy()). */
  adapterWeights(): Promise<LoraWeights>;
  /** The live LoRA tensors on the device (for generation mid-run). */
  deviceAdapter(): DecodeLora;
  exportAdapter(): Promise<AdapterFiles>;
  /** The adapter at the best eval loss so far (runs with an eval split), or null. */
  bestAdapter(): BestAdapter | null;
  /** PEFT files of the best eval loss's adapter, or null. */
  exportBestAdapter(): AdapterFiles | null;
  /** README.md for the exported adapter. */
  modelCard(
    facts: Omit<
      CardFacts,
      | 'baseModel'
      | 'hyper'
      | 'targets'
      | 'steps'
      | 'totalSteps'
      | 'seqLen'
      | 'trainExamples'
      | 'evalExamples'
    >,
  ): string;
  destroy(): void;
}

export interface BestAdapter {
  step: number;
  evalLoss: number;
  weights: LoraWeights;
}

export interface TrainOptions {
  /** Trainable tokenized examples (as the preview showed them). */
  examples: TokenizedExample[];
  settings: TrainSettings;
  /** Checkpoint bytes of an earlier run of the same model and data: continue it. */
  resumeFrom?: Uint8Array;
  /** Written as base_model_name_or_path (default: the model's name). */
  baseModelName?: string;
  onEvent?: (e: TrainEvent) => void;
  onCheckpoint?: (bytes: Uint8Array, step: number) => void | Promise<void>;
  /** The fault-injection hook (src/train/faults.ts): GPU failures at chosen steps, for tests. */
  faults?: FaultPlan;
}

export async function startTraining(
  ctx: GpuContext,
  model: LoadedModel,
  opts: TrainOptions,
): Promise<TrainingRun> {
  if (opts.examples.length === 0) {
    throw new EngineError('bad-input', 'no trainable example: every row was invalid or excluded');
  }
  const resume = opts.resumeFrom ? decodeCheckpoint(opts.resumeFrom) : null;
  const settings = resume
    ? { ...settingsOf(resume.hyper), earlyStoppingPatience: opts.settings.earlyStoppingPatience }
    : opts.settings;
  // The overfitting watch and the best eval loss's adapter (see watch.ts).
  const watch = new OverfitWatch(settings.earlyStoppingPatience);
  let best: BestAdapter | null = null;
  let trainer: Trainer | null = null;
  const emit = (e: TrainEvent) => opts.onEvent?.(e);
  const shape = planRun(
    opts.examples.map((e) => e.inputIds.length),
    settings,
  );
  ctx.device.pushErrorScope('out-of-memory');
  const created = await createTrainer(ctx, {
    model: model.device,
    train: opts.examples,
    hyper: hyperOf(settings, shape.totalSteps),
    resumeFrom: opts.resumeFrom,
    baseModelName: opts.baseModelName ?? model.info.name,
    onEvent: (e) => {
      if (e.kind === 'step') watch.onStep(e.loss);
      emit(e);
    },
    onCheckpoint: opts.onCheckpoint,
    faults: opts.faults,
    afterEval: async (evalLoss, step) => {
      const v = watch.onEval(evalLoss, step);
      if (v.best && trainer) {
        best = { step, evalLoss, weights: await trainer.loraWeights() };
        emit({
          kind: 'info',
          topic: 'best',
          step,
          message: `Step ${step}: best eval loss so far (${evalLoss.toFixed(4)}), adapter kept.`,
        });
      }
      if (v.warning) emit({ kind: 'info', topic: 'overfitting', step, message: v.warning });
      if (v.stop && trainer) {
        emit({ kind: 'info', topic: 'early-stop', step, message: v.stop });
        trainer.stop();
      }
    },
  }).catch((e: unknown) => e as Error);
  const oom = await ctx.device.popErrorScope();
  if (oom) {
    if (!(created instanceof Error)) created.destroy();
    throw new EngineError(
      'out-of-memory',
      `the GPU ran out of memory while allocating the run (${oom.message})`,
    );
  }
  if (created instanceof Error) throw created;
  const t: Trainer = created;
  trainer = t;
  const info: RunInfo = {
    totalSteps: t.totalSteps,
    seqLen: t.seqLen,
    trainExamples: t.trainExamples,
    evalExamples: t.evalExamples,
    realTokenRatio: t.realTokenRatio,
    loraParams: t.plan.loraParams,
    plannedBytes: t.plan.total,
    planText: formatPlan(t.plan, 'planned device memory'),
    gradAccum: gradAccumOf(settings),
    resumedFrom: resume?.step ?? 0,
    // The trainer's own split (same function, same seed, same trainable examples).
    evalLines: evalSplit(opts.examples.length, settings.evalSplit, settings.seed).eval.map(
      (i) => opts.examples[i].line,
    ),
  };
  const baseModel = opts.baseModelName ?? model.info.name;
  return {
    info,
    settings,
    get step() {
      return t.step;
    },
    run: () => t.run(),
    pause: () => t.pause(),
    stop: () => t.stop(),
    checkpoint: () => t.checkpoint(),
    adapterWeights: () => t.loraWeights(),
    deviceAdapter: () => t.deviceLora(),
    exportAdapter: () => t.exportAdapter(),
    bestAdapter: () => best,
    exportBestAdapter: () =>
      best ? exportAdapter(best.weights, { baseModel, dropout: t.hyper.lora.dropout }) : null,
    modelCard: (f) =>
      modelCard({
        ...f,
        baseModel,
        hyper: t.hyper,
        targets: targetModules(t.hyper.lora),
        steps: t.step,
        totalSteps: t.totalSteps,
        seqLen: t.seqLen,
        trainExamples: t.trainExamples,
        evalExamples: t.evalExamples,
      }),
    destroy: () => t.destroy(),
  };
}

/** What a checkpoint holds (step, steps, base model), after checking it reads back whole. Throws
 * CheckpointError (kind 'bad-input') saying what is wrong with a damaged or truncated file. */
export function checkpointInfo(bytes: Uint8Array): {
  step: number;
  totalSteps: number;
  baseModel: string;
} {
  const s = decodeCheckpoint(bytes);
  return { step: s.step, totalSteps: s.totalSteps, baseModel: s.baseModel };
}
