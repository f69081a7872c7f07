// createTrainer(device, cfg): the training engine. It takes a GPUDevice (or a GpuContext) and
// plain data from its host (a ModelSource or an already loaded model, tokenized examples, the
// hyperparameters, optional checkpoint bytes) and gives back events, checkpoints and adapter files
// as bytes: no fs, no DOM, so the browser worker and the Node CLI run the same code.
//
// One optimizer step: for each of its micro-batches one submit (write the token inputs, record
// forward + backward; the first also clears the gradients), then one submit for the optimizer
// (gather, norm, fused AdamW with clipping and the NaN/Inf guard, scatter) that also copies the
// step's loss and norm into a staging buffer. The host never waits inside a step: it reads the
// staging buffer of step s-2 while the GPU works on s-1 and s, and emits events in order. Each
// step runs under a StepGuard (step-guard.ts): out-of-memory scope, device loss, NaN streaks, and
// the fault hook (faults.ts) that tests use to make those happen.
import type { GpuContext, Tensor } from '../gpu/context.ts';
import type { TokenizedExample } from '../data/types.ts';
import { createBackward } from '../model/backward.ts';
import { createEngine, type Engine } from '../model/forward.ts';
import type { DecodeLora } from '../model/decode.ts';
import type { OpList } from '../model/layers/oplist.ts';
import { loadDeviceModel, type DeviceModel } from '../model/layers/load.ts';
import { initLora, resolveTargets, type LoraSpec, type LoraWeights } from '../model/lora.ts';
import { chooseKeepActivations, type MemoryPlan } from '../model/plan.ts';
import type { ModelSource } from '../model/source.ts';
import type { WeightsProgress } from '../model/weights.ts';
import { exportAdapter, type AdapterFiles } from './adapter.ts';
import type { FaultPlan } from './faults.ts';
import { StepGuard } from './step-guard.ts';
import { decodeCheckpoint, encodeCheckpoint, CheckpointError } from './checkpoint.ts';
import { resolveHyper, type TrainHyper, type TrainHyperInput } from './config.ts';
import { contextFor } from './context.ts';
import type { TrainEvent } from './events.ts';
import {
  deviceLoraOf,
  readFlat,
  readLoraWeights,
  scatterFlat,
  writeLoraWeights,
} from './lora-device.ts';
import { createOptimizer, type DeviceOptimizer } from './optimizer.ts';
import { makeBatch, planBatches } from './packing.ts';
import { prepareRunData } from './rundata.ts';
import { subSeed } from './rng.ts';
import { makeSchedule } from './schedule.ts';
import { RunClock, StepReadback, type StepInfo } from './stats.ts';

export interface TrainerConfig {
  /** Where the base model comes from, or a model already on this device. */
  model: ModelSource | DeviceModel;
  /** Tokenized training examples (HF labels, -100 masked). */
  train: TokenizedExample[];
  /** Explicit eval examples; otherwise `hyper.evalSplit` of `train` is held out. */
  eval?: TokenizedExample[];
  hyper?: TrainHyperInput;
  /** Checkpoint bytes from `checkpoint()` / `onCheckpoint`: resume that run. */
  resumeFrom?: Uint8Array;
  /** Start from these LoRA weights (a loaded PEFT adapter) instead of PEFT's init; its r, alpha
   * and targets replace hyper.lora's. AdamW starts fresh. */
  initAdapter?: LoraWeights;
  /** Name written as base_model_name_or_path (default: the model source's name). */
  baseModelName?: string;
  onEvent?: (e: TrainEvent) => void;
  /** Called with checkpoint bytes every `checkpointEvery` steps and when the run stops. */
  onCheckpoint?: (bytes: Uint8Array, step: number) => void | Promise<void>;
  /** Awaited after each in-run evaluation (the engine keeps the best adapter, watches overfitting). */
  afterEval?: (evalLoss: number, step: number) => void | Promise<void>;
  onLoadProgress?: (p: WeightsProgress) => void;
  /** Faults to inject (tests; see faults.ts). */
  faults?: FaultPlan;
}

export interface RunResult {
  /** Optimizer steps completed in total. */
  step: number;
  done: boolean;
  /** Why run() returned before the end: 'paused' or 'stopped'. */
  interrupted?: 'paused' | 'stopped';
}

export interface Trainer {
  readonly hyper: TrainHyper;
  readonly spec: LoraSpec;
  readonly totalSteps: number;
  /** Optimizer steps completed. */
  readonly step: number;
  readonly seqLen: number;
  /** Real tokens / row slots of the first epoch (how little is padding). */
  readonly realTokenRatio: number;
  readonly trainExamples: number;
  readonly evalExamples: number;
  readonly plan: MemoryPlan;
  /** FLOPs of one micro-batch's forward + recompute + backward, from the kernels' own counts. */
  readonly flopsPerMicroBatch: number;
  readonly model: DeviceModel;
  readonly ctx: GpuContext;
  /** Trains until the end, or until pause()/stop(); call again after pause() to continue. */
  run(): Promise<RunResult>;
  /** Finish the current step, then return from run() (the run can continue). */
  pause(): void;
  /** Finish the current step, emit a checkpoint, then return from run(). */
  stop(): void;
  /** Mean next-token loss over the eval examples (or any examples given). */
  evaluate(examples?: TokenizedExample[]): Promise<{ loss: number; tokens: number }>;
  checkpoint(): Promise<Uint8Array>;
  loraWeights(): Promise<LoraWeights>;
  /** The live LoRA tensors on the device (for a generator that chats with the model mid-run). */
  deviceLora(): DecodeLora;
  exportAdapter(): Promise<AdapterFiles>;
  /** Frees the trainer's buffers (and the model, if the trainer loaded it). */
  destroy(): void;
}

function isDeviceModel(m: ModelSource | DeviceModel): m is DeviceModel {
  return 'weights' in m && 'config' in m;
}

const kInFlight = 2;

export async function createTrainer(
  device: GPUDevice | GpuContext,
  cfg: TrainerConfig,
): Promise<Trainer> {
  const ctx = contextFor(device);
  const resume = cfg.resumeFrom ? decodeCheckpoint(cfg.resumeFrom) : null;
  const hyper = resume ? resume.hyper : resolveHyper(cfg.hyper);
  const ownsModel = !isDeviceModel(cfg.model);
  const model = isDeviceModel(cfg.model)
    ? cfg.model
    : await loadDeviceModel(ctx, cfg.model, { onProgress: cfg.onLoadProgress });
  const mc = model.config;
  const baseModel = cfg.baseModelName ?? resume?.baseModel ?? model.name;
  const spec: LoraSpec =
    cfg.initAdapter && !resume
      ? { ...cfg.initAdapter.spec }
      : {
          r: hyper.lora.r,
          alpha: hyper.lora.alpha,
          useRslora: hyper.lora.useRslora,
          targets: resolveTargets(hyper.lora.targets),
        };
  if (cfg.initAdapter && !resume) {
    hyper.lora = {
      ...hyper.lora,
      r: spec.r,
      alpha: spec.alpha,
      useRslora: spec.useRslora,
      targets: [...spec.targets],
    };
  }

  const { trainSet, evalSet, seqLen, order, totalSteps } = prepareRunData(
    cfg.train,
    cfg.eval,
    hyper,
    mc.vocab,
    resume,
  );
  const schedule = makeSchedule(hyper.scheduler, hyper.lr, totalSteps, hyper.warmupRatio);

  // Device: engine (forward), backward, optimizer.
  // Checkpoints from before the option existed have none: 'auto'.
  const gc = hyper.gradientCheckpointing ?? 'auto';
  const keepActivations =
    gc === 'auto'
      ? chooseKeepActivations({
          config: mc,
          seqLen,
          rows: hyper.batchSize,
          r: spec.r,
          targets: spec.targets,
          weightDtype: model.weightDtype,
          dropout: hyper.lora.dropout > 0,
          training: true,
        })
      : !gc;
  const engine: Engine = await createEngine(ctx, model, {
    rows: hyper.batchSize,
    seqLen,
    lora: spec,
    dropout: hyper.lora.dropout,
    training: true,
    keepActivations,
  });
  const backward: OpList = await createBackward(engine);
  const opt: DeviceOptimizer = await createOptimizer(ctx, engine, {
    beta1: hyper.adamBeta1,
    beta2: hyper.adamBeta2,
    eps: hyper.adamEps,
    weightDecay: hyper.weightDecay,
    maxGradNorm: hyper.maxGradNorm,
  });

  // Initial weights: PEFT init (seeded), or the checkpoint's.
  {
    const enc = ctx.device.createCommandEncoder({ label: 'init' });
    for (const t of [opt.m, opt.v]) enc.clearBuffer(t.buffer);
    ctx.device.queue.submit([enc.finish()]);
    if (resume) {
      if (resume.params.length !== opt.count) {
        throw new CheckpointError(
          `it holds ${resume.params.length} LoRA values, this model needs ${opt.count}`,
        );
      }
      ctx.write(opt.flat, resume.params);
      ctx.write(opt.m, resume.m);
      ctx.write(opt.v, resume.v);
      scatterFlat(ctx, opt);
    } else {
      const w = cfg.initAdapter ?? initLora(mc, spec, subSeed(hyper.seed, 0x10a));
      writeLoraWeights(ctx, engine, opt, w);
    }
  }

  const lossBuf: Tensor = engine.buffers.scratch.loss;
  const readback = new StepReadback(ctx, lossBuf, opt.stats, kInFlight);
  const stateHost = new Uint32Array(4);
  const writeSeed = (seed: number, dropout = true) => {
    stateHost[0] = seed >>> 0;
    stateHost[1] = dropout ? 1 : 0;
    ctx.device.queue.writeBuffer(engine.buffers.state.buffer, 0, stateHost);
  };
  const emit = (e: TrainEvent) => cfg.onEvent?.(e);
  const guard = new StepGuard(ctx, cfg.faults ?? {}, engine.plan.total, hyper.lr);

  let step = resume?.step ?? 0;
  const clock = new RunClock(resume?.elapsedSeconds ?? 0);
  let pauseRequested = false;
  let stopRequested = false;

  /** Emits the events of the oldest steps in flight until at most `keep` remain. */
  async function drain(keep: number) {
    await guard.settle(keep);
    await readback.drain(keep, (r) => {
      if (r.skipped) {
        const n = guard.skipped + 1;
        const reason = `non-finite gradient norm (${r.norm}); the update was skipped (${n} so far)`;
        emit({ kind: 'skipped', step: r.step, reason, skippedSteps: n });
      }
      emit(clock.stepEvent(r, totalSteps, ctx.memory.snapshot()));
      guard.onReading(r.step, r.skipped);
    });
  }

  function encodeStep(s: number): StepInfo {
    const plan = order.step(s);
    const batches = plan.microBatches.map((rows) => makeBatch(plan.examples, rows, seqLen));
    const tokens = batches.reduce((a, b) => a + b.trainedTokens, 0);
    const realTokens = batches.reduce((a, b) => a + b.realTokens, 0);
    const lr = schedule.lr(s);
    const info = { step: s + 1, lr, tokens, realTokens, epoch: plan.epochProgress };
    // The step's out-of-memory scope is closed even when encoding throws (stack stays balanced).
    guard.begin(s + 1);
    try {
      batches.forEach((b, i) => {
        engine.writeInputs(b);
        writeSeed(subSeed(hyper.seed, s * 4096 + i + 1));
        let enc = ctx.device.createCommandEncoder({ label: `step ${s + 1} micro-batch ${i}` });
        if (i === 0) {
          for (const x of opt.layout) enc.clearBuffer(x.grad.buffer);
          enc.clearBuffer(lossBuf.buffer);
        }
        engine.recordForward(enc);
        if (guard.losesDeviceAt(s + 1, i)) {
          // The fault hook: the forward on the GPU, the device destroyed, then the backward.
          ctx.device.queue.submit([enc.finish()]);
          guard.loseDevice(s + 1);
          enc = ctx.device.createCommandEncoder({ label: `step ${s + 1} backward ${i}` });
        }
        const pass = enc.beginComputePass({ label: 'backward' });
        backward.record(pass);
        pass.end();
        ctx.device.queue.submit([enc.finish()]);
      });
      guard.afterBackward(s + 1, opt.layout[0].grad);
      opt.setStep(lr, s + 1, 1 / Math.max(1, tokens));
      const enc = ctx.device.createCommandEncoder({ label: `step ${s + 1} optimizer` });
      opt.encode(enc);
      readback.encode(enc, info);
      ctx.device.queue.submit([enc.finish()]);
      readback.submitted();
    } finally {
      guard.end(s + 1);
    }
    clock.addTokens(realTokens);
    return info;
  }

  async function evaluate(examples?: TokenizedExample[]) {
    const ex = examples ?? evalSet;
    if (ex.length === 0) return { loss: NaN, tokens: 0 };
    await drain(0);
    const plan = planBatches(ex, { seqLen, batchSize: hyper.batchSize, packing: hyper.packing });
    let lossSum = 0;
    let count = 0;
    for (const rows of plan.microBatches) {
      // Rows longer than the run's row length were truncated by planBatches.
      const b = makeBatch(ex, rows, seqLen);
      engine.writeInputs(b);
      writeSeed(0, false);
      const enc = ctx.device.createCommandEncoder({ label: 'eval' });
      enc.clearBuffer(lossBuf.buffer);
      engine.recordForward(enc);
      ctx.device.queue.submit([enc.finish()]);
      const v = await ctx.readF32(lossBuf, 2);
      lossSum += v[0];
      count += v[1];
    }
    return { loss: count > 0 ? lossSum / count : NaN, tokens: count };
  }

  async function checkpoint(): Promise<Uint8Array> {
    await drain(0);
    const elapsedSeconds = clock.elapsed();
    const params = await readFlat(ctx, opt, opt.flat);
    const m = await readFlat(ctx, opt, opt.m);
    const v = await readFlat(ctx, opt, opt.v);
    guard.assertDevice('no checkpoint was taken');
    return encodeCheckpoint({
      step,
      totalSteps,
      seqLen,
      hyper,
      spec,
      baseModel,
      elapsedSeconds,
      params,
      m,
      v,
    });
  }

  async function loraWeights(): Promise<LoraWeights> {
    await drain(0);
    return readLoraWeights(ctx, engine, opt, spec);
  }

  const evalEvery = hyper.evalEvery;

  return {
    hyper,
    spec,
    totalSteps,
    get step() {
      return step;
    },
    seqLen,
    realTokenRatio: order.realTokenRatio,
    trainExamples: trainSet.length,
    evalExamples: evalSet.length,
    plan: engine.plan,
    flopsPerMicroBatch: engine.forward.flops + backward.flops,
    model,
    ctx,
    async run() {
      pauseRequested = false;
      stopRequested = false;
      clock.start(step);
      guard.lastRead = step;
      try {
        if (ctx.lost) throw new Error('the device was lost before the run started');
        while (step < totalSteps) {
          if (pauseRequested || stopRequested) break;
          encodeStep(step);
          step++;
          await drain(kInFlight - 1);
          const atEnd = step === totalSteps;
          if (evalSet.length > 0 && ((evalEvery > 0 && step % evalEvery === 0) || atEnd)) {
            const r = await evaluate();
            emit({ kind: 'eval', step, evalLoss: r.loss, evalTokens: r.tokens });
            await cfg.afterEval?.(r.loss, step);
          }
          if (
            cfg.onCheckpoint &&
            hyper.checkpointEvery > 0 &&
            step % hyper.checkpointEvery === 0 &&
            !atEnd
          ) {
            const bytes = await checkpoint();
            await cfg.onCheckpoint(bytes, step);
            emit({ kind: 'checkpoint', step, bytes: bytes.length });
          }
        }
        await drain(0);
      } catch (e) {
        throw await guard.failure(e, step);
      } finally {
        clock.stop();
      }
      const done = step >= totalSteps;
      if ((stopRequested || done) && cfg.onCheckpoint) {
        const bytes = await checkpoint();
        await cfg.onCheckpoint(bytes, step);
        emit({ kind: 'checkpoint', step, bytes: bytes.length });
      }
      const interrupted = done
        ? undefined
        : stopRequested
          ? ('stopped' as const)
          : ('paused' as const);
      emit({ kind: 'done', step, stopped: !done });
      return { step, done, interrupted };
    },
    pause() {
      pauseRequested = true;
    },
    stop() {
      stopRequested = true;
    },
    evaluate,
    checkpoint,
    loraWeights,
    deviceLora: () => deviceLoraOf(engine, spec),
    async exportAdapter() {
      return exportAdapter(await loraWeights(), { baseModel, dropout: hyper.lora.dropout });
    },
    destroy() {
      opt.destroy();
      backward.destroy(new Set(engine.forward.ops));
      engine.destroy();
      readback.destroy();
      if (ownsModel) model.destroy();
    },
  };
}
