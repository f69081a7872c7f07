// createTrainer(device, cfg): the training engine. It takes a GPUDevice (or a GpuContext) and
// plain data from its host (a ModelSource or an already loaded model, tokenized examples, the
// hyperparameters, optional checkpoint bytes) and gives back events, checkpoints and adapter files
// as bytes: no fs, no DOM, so the browser worker and the Node CLI run the same code.
//
// One optimizer step: for each of its micro-batches one submit (write the token inputs, record
// forward + backward; the first also clears the gradients), then one submit for the optimizer
// (gather, norm, fused AdamW with clipping and the NaN/Inf guard, scatter) that also copies the
// step's loss and norm into a staging buffer. The host never waits inside a step: it reads the
// staging buffer of step s-2 while the GPU works on s-1 and s, and emits events in order.
import { GpuContext, type Tensor } from '../gpu/context.ts';
import type { DeviceInfo } from '../gpu/device.ts';
import type { TokenizedExample } from '../data/types.ts';
import { createBackward } from '../model/backward.ts';
import { createEngine, type Engine } from '../model/forward.ts';
import type { DecodeLora } from '../model/decode.ts';
import type { OpList } from '../model/layers/oplist.ts';
import { loadDeviceModel, type DeviceModel } from '../model/layers/load.ts';
import { initLora, resolveTargets, type LoraSpec, type LoraWeights } from '../model/lora.ts';
import type { MemoryPlan } from '../model/plan.ts';
import type { ModelSource } from '../model/source.ts';
import type { WeightsProgress } from '../model/weights.ts';
import { exportAdapter, type AdapterFiles } from './adapter.ts';
import { decodeCheckpoint, encodeCheckpoint, CheckpointError } from './checkpoint.ts';
import { resolveHyper, type TrainHyper, type TrainHyperInput } from './config.ts';
import type { TrainEvent } from './events.ts';
import { createOptimizer, type DeviceOptimizer } from './optimizer.ts';
import { makeDataOrder, type DataOrder } from './order.ts';
import { makeBatch, planBatches, runSeqLen, type PackedBatch } from './packing.ts';
import { subSeed } from './rng.ts';
import { makeSchedule } from './schedule.ts';
import { evalSplit } from './split.ts';

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
  onLoadProgress?: (p: WeightsProgress) => void;
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

/** A GpuContext for a bare GPUDevice (the browser worker passes one). */
export function contextFor(device: GPUDevice | GpuContext): GpuContext {
  if (device instanceof GpuContext) return device;
  const ai = device.adapterInfo;
  const info: DeviceInfo = {
    vendor: ai?.vendor ?? '',
    architecture: ai?.architecture ?? '',
    description: ai?.description ?? '',
    device: ai?.device ?? '',
    features: [...device.features].sort(),
    maxBufferSize: device.limits.maxBufferSize,
    maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
    maxComputeWorkgroupStorageSize: device.limits.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: device.limits.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupsPerDimension: device.limits.maxComputeWorkgroupsPerDimension,
  };
  return new GpuContext(device, info);
}

function isDeviceModel(m: ModelSource | DeviceModel): m is DeviceModel {
  return 'weights' in m && 'config' in m;
}

const kInFlight = 2;

/** Token ids and labels must index the model's vocabulary (else the GPU would read garbage). */
export function checkTokenIds(examples: TokenizedExample[], vocab: number, what: string): void {
  for (const e of examples) {
    for (let j = 0; j < e.inputIds.length; j++) {
      const id = e.inputIds[j];
      const label = e.labels[j];
      if (
        !(Number.isInteger(id) && id >= 0 && id < vocab) ||
        !(label === -100 || (label >= 0 && label < vocab))
      ) {
        throw new Error(
          `${what} example at line ${e.line}: token ${j} (id ${id}, label ${label}) is outside the ` +
            `model's vocabulary of ${vocab}: was the data tokenized with this model's tokenizer?`,
        );
      }
    }
  }
}

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

  // Data: validate ids, split, row length, order.
  checkTokenIds(cfg.train, mc.vocab, 'training');
  if (cfg.eval) checkTokenIds(cfg.eval, mc.vocab, 'eval');
  const usable = cfg.train.filter((e) => e.labels.some((l, j) => j > 0 && l !== -100));
  let trainSet = usable;
  let evalSet = cfg.eval ?? [];
  if (!cfg.eval && hyper.evalSplit > 0) {
    const s = evalSplit(usable.length, hyper.evalSplit, hyper.seed);
    trainSet = s.train.map((i) => usable[i]);
    evalSet = s.eval.map((i) => usable[i]);
  }
  const seqLen = resume?.seqLen ?? runSeqLen(trainSet, hyper.maxLength, hyper.packing);
  const order: DataOrder = makeDataOrder(trainSet, {
    seed: hyper.seed,
    seqLen,
    batchSize: hyper.batchSize,
    gradAccum: hyper.gradAccum,
    packing: hyper.packing,
    epochs: hyper.epochs,
    maxSteps: hyper.maxSteps,
  });
  const totalSteps = resume?.totalSteps ?? order.totalSteps;
  const schedule = makeSchedule(hyper.scheduler, hyper.lr, totalSteps, hyper.warmupRatio);

  // Device: engine (forward), backward, optimizer.
  const engine: Engine = await createEngine(ctx, model, {
    rows: hyper.batchSize,
    seqLen,
    lora: spec,
    dropout: hyper.lora.dropout,
    training: true,
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
      scatter();
    } else {
      writeLora(cfg.initAdapter ?? initLora(mc, spec, subSeed(hyper.seed, 0x10a)));
    }
  }

  function writeLora(w: LoraWeights) {
    w.layers.forEach((layer, l) => {
      for (const m of spec.targets) {
        ctx.write(engine.sites[l][m]!.A, layer[m]!.a);
        ctx.write(engine.sites[l][m]!.B, layer[m]!.b);
      }
    });
    const enc = ctx.device.createCommandEncoder({ label: 'gather' });
    opt.encodeGather(enc);
    ctx.device.queue.submit([enc.finish()]);
  }
  function scatter() {
    const enc = ctx.device.createCommandEncoder({ label: 'scatter' });
    for (const x of opt.layout)
      enc.copyBufferToBuffer(opt.flat.buffer, x.offset * 4, x.param.buffer, 0, x.count * 4);
    ctx.device.queue.submit([enc.finish()]);
  }

  // Staging buffers for the step statistics: [loss sum, count] from scratch.loss[0..2), then
  // [norm, skipped, coef] from adam.norm[512..515).
  const lossBuf: Tensor = engine.buf('scratch.loss');
  const staging: GPUBuffer[] = [];
  for (let i = 0; i <= kInFlight; i++) {
    staging.push(
      ctx.device.createBuffer({
        label: `stats.staging.${i}`,
        size: 32,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      }),
    );
  }

  const writeInputs = (b: PackedBatch) => {
    ctx.write(engine.buf('in.ids'), b.inputIds);
    ctx.write(engine.buf('in.pos'), b.positions);
    ctx.write(engine.buf('in.starts'), b.starts);
    ctx.write(engine.buf('in.targets'), b.targets);
  };
  const stateHost = new Uint32Array(4);
  const writeSeed = (seed: number, dropout = true) => {
    stateHost[0] = seed >>> 0;
    stateHost[1] = dropout ? 1 : 0;
    ctx.device.queue.writeBuffer(engine.state.buffer, 0, stateHost);
  };
  const emit = (e: TrainEvent) => cfg.onEvent?.(e);

  let step = resume?.step ?? 0;
  let elapsedBefore = resume?.elapsedSeconds ?? 0;
  let runStart = 0;
  let pauseRequested = false;
  let stopRequested = false;
  const pending: { step: number; staging: GPUBuffer; done: Promise<void>; info: StepInfo }[] = [];
  interface StepInfo {
    lr: number;
    tokens: number;
    realTokens: number;
    epoch: number;
  }

  const elapsed = () => elapsedBefore + (runStart ? (performance.now() - runStart) / 1000 : 0);

  async function drain(keep: number) {
    while (pending.length > keep) {
      const p = pending.shift()!;
      await p.done;
      const v = new Float32Array(p.staging.getMappedRange().slice(0));
      p.staging.unmap();
      const lossSum = v[0];
      const count = v[1];
      const norm = v[4] / Math.max(1, p.info.tokens);
      const skipped = v[5] !== 0;
      const t = elapsed();
      const done = p.step;
      const tokensPerSecond = tokensSinceStart / Math.max(1e-9, t - elapsedBefore);
      if (skipped) {
        emit({
          kind: 'skipped',
          step: done,
          reason: `non-finite gradient norm (${norm}); the update was skipped`,
        });
      }
      emit({
        kind: 'step',
        step: done,
        totalSteps,
        epoch: p.info.epoch,
        loss: count > 0 ? lossSum / count : null,
        lr: p.info.lr,
        gradNorm: norm,
        tokens: p.info.tokens,
        realTokens: p.info.realTokens,
        tokensPerSecond,
        elapsedSeconds: t,
        etaSeconds: ((totalSteps - done) * (t - elapsedBefore)) / Math.max(1, done - startStep),
        memory: ctx.memory.snapshot(),
      });
    }
  }
  let tokensSinceStart = 0;
  let startStep = step;

  function encodeStep(s: number): StepInfo {
    const plan = order.step(s);
    const batches = plan.microBatches.map((rows) => makeBatch(plan.examples, rows, seqLen));
    const tokens = batches.reduce((a, b) => a + b.trainedTokens, 0);
    const realTokens = batches.reduce((a, b) => a + b.realTokens, 0);
    const lr = schedule.lr(s);
    batches.forEach((b, i) => {
      writeInputs(b);
      writeSeed(subSeed(hyper.seed, s * 4096 + i + 1));
      const enc = ctx.device.createCommandEncoder({ label: `step ${s + 1} micro-batch ${i}` });
      if (i === 0) {
        for (const x of opt.layout) enc.clearBuffer(x.grad.buffer);
        enc.clearBuffer(lossBuf.buffer);
      }
      engine.recordForward(enc);
      const pass = enc.beginComputePass({ label: 'backward' });
      backward.record(pass);
      pass.end();
      ctx.device.queue.submit([enc.finish()]);
    });
    opt.setStep(lr, s + 1, 1 / Math.max(1, tokens));
    const enc = ctx.device.createCommandEncoder({ label: `step ${s + 1} optimizer` });
    opt.encode(enc);
    const st = staging[s % staging.length];
    enc.copyBufferToBuffer(lossBuf.buffer, 0, st, 0, 8);
    enc.copyBufferToBuffer(opt.stats.buffer, 512 * 4, st, 16, 12);
    ctx.device.queue.submit([enc.finish()]);
    const info = { lr, tokens, realTokens, epoch: plan.epochProgress };
    pending.push({ step: s + 1, staging: st, done: st.mapAsync(GPUMapMode.READ), info });
    tokensSinceStart += realTokens;
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
      writeInputs(b);
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

  async function readFlat(t: Tensor): Promise<Float32Array> {
    return (await ctx.readF32(t, opt.count)).slice(0, opt.count);
  }

  async function checkpoint(): Promise<Uint8Array> {
    await drain(0);
    return encodeCheckpoint({
      step,
      totalSteps,
      seqLen,
      hyper,
      spec,
      baseModel,
      elapsedSeconds: elapsed(),
      params: await readFlat(opt.flat),
      m: await readFlat(opt.m),
      v: await readFlat(opt.v),
    });
  }

  async function loraWeights(): Promise<LoraWeights> {
    await drain(0);
    const flat = await readFlat(opt.flat);
    const w = initLora(mc, spec, 0);
    let i = 0;
    for (const layer of w.layers) {
      for (const m of spec.targets) {
        const p = layer[m]!;
        p.a = flat.slice(opt.layout[i].offset, opt.layout[i].offset + opt.layout[i].count);
        i++;
        p.b = flat.slice(opt.layout[i].offset, opt.layout[i].offset + opt.layout[i].count);
        i++;
      }
    }
    return w;
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
      runStart = performance.now();
      startStep = step;
      tokensSinceStart = 0;
      try {
        while (step < totalSteps) {
          if (pauseRequested || stopRequested) break;
          encodeStep(step);
          step++;
          await drain(kInFlight - 1);
          const atEnd = step === totalSteps;
          if (evalSet.length > 0 && ((evalEvery > 0 && step % evalEvery === 0) || atEnd)) {
            const r = await evaluate();
            emit({ kind: 'eval', step, evalLoss: r.loss, evalTokens: r.tokens });
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
      } finally {
        elapsedBefore = elapsed();
        runStart = 0;
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
    deviceLora: () => ({
      spec,
      layers: engine.sites.map((layer) => {
        const out: DecodeLora['layers'][number] = {};
        for (const m of spec.targets) out[m] = { A: layer[m]!.A, B: layer[m]!.B };
        return out;
      }),
    }),
    async exportAdapter() {
      return exportAdapter(await loraWeights(), { baseModel, dropout: hyper.lora.dropout });
    },
    destroy() {
      opt.destroy();
      backward.destroy(new Set(engine.forward.ops));
      engine.destroy();
      for (const s of staging) s.destroy();
      if (ownsModel) model.destroy();
    },
  };
}
