// The engine a host opens on its GPUDevice: kernel tuning for that adapter, models, training runs,
// evaluation and generation, all on one GpuContext (one pipeline cache, one memory account). The
// host hands in the device it acquired (src/gpu/device.ts) and where tuning results persist (a
// file in the CLI, IndexedDB in the studio); nothing here touches the DOM or node:*.
import { Autotuner, type TuneStore } from '../gpu/autotune.ts';
import { GpuContext } from '../gpu/context.ts';
import type { AcquiredDevice, DeviceInfo } from '../gpu/device.ts';
import type { MemorySnapshot } from '../gpu/memory.ts';
import { kernelTuneKey, kernelsTuned, tuneKernels } from '../kernels/tune.ts';
import type { ModelSource } from '../model/source.ts';
import { evaluate, type EvalResult, type EvaluateOptions, type LoraWeights } from './evaluation.ts';
import {
  generate,
  generateSideBySide,
  openGenerator,
  type ReplyGenerator,
  type AdapterInput,
  type GenerationResult,
  type Sampling,
} from './generation.ts';
import { loadModel, type LoadedModel, type LoadProgress } from './models.ts';
import { startTraining, type TrainingRun, type TrainOptions } from './run.ts';
import type { DecodeLora } from '../model/decode.ts';
import { runBench, type BenchOptions } from './bench.ts';

export type { TuneStore, DeviceInfo, MemorySnapshot };

export interface TuneProgress {
  done: number;
  total: number;
}

export class Engine {
  /** @internal the context every launcher receives. */
  readonly ctx: GpuContext;

  private constructor(acquired: AcquiredDevice) {
    this.ctx = new GpuContext(acquired.device, acquired.info);
  }

  /** Opens the engine on a device, with tuning results kept in `tuneStore` (default: memory only). */
  static async open(
    acquired: AcquiredDevice,
    opts: { tuneStore?: TuneStore } = {},
  ): Promise<Engine> {
    const e = new Engine(acquired);
    if (opts.tuneStore) {
      e.ctx.tuning = new Autotuner(kernelTuneKey(e.ctx), opts.tuneStore);
      await e.ctx.tuning.load();
    }
    return e;
  }

  get info(): DeviceInfo {
    return this.ctx.info;
  }

  get device(): GPUDevice {
    return this.ctx.device;
  }

  memory(): MemorySnapshot {
    return this.ctx.memory.snapshot();
  }

  /** True when every kernel already has a tuned configuration for this adapter. */
  tuned(): boolean {
    return kernelsTuned(this.ctx);
  }

  /** Times the kernels' configurations once per adapter (seconds); run before loading a model. */
  tune(onProgress?: (p: TuneProgress) => void): Promise<void> {
    return tuneKernels(this.ctx, { onProgress });
  }

  loadModel(
    source: ModelSource,
    opts: { onProgress?: (p: LoadProgress) => void; tokenizerName?: string; demo?: boolean } = {},
  ): Promise<LoadedModel> {
    return loadModel(this.ctx, source, opts);
  }

  train(model: LoadedModel, opts: TrainOptions): Promise<TrainingRun> {
    return startTraining(this.ctx, model, opts);
  }

  evaluate(model: LoadedModel, opts: EvaluateOptions): Promise<EvalResult> {
    return evaluate(this.ctx, model, opts);
  }

  generate(
    model: LoadedModel,
    adapter: AdapterInput,
    a: {
      prompt: number[];
      sampling: Sampling;
      onText?: (text: string) => void;
      shouldStop?: () => boolean;
    },
  ): Promise<GenerationResult> {
    return generate(this.ctx, model, adapter, a);
  }

  /** A generator reused over many prompts (one KV cache of `maxContext` tokens). */
  generator(
    model: LoadedModel,
    adapter: AdapterInput,
    maxContext: number,
  ): Promise<ReplyGenerator> {
    return openGenerator(this.ctx, model, adapter, maxContext);
  }

  generateSideBySide(
    model: LoadedModel,
    adapter: LoraWeights | DecodeLora,
    a: {
      prompt: number[];
      sampling: Sampling;
      onText?: (which: 'base' | 'tuned', text: string) => void;
      shouldStop?: () => boolean;
    },
  ): Promise<{ base: GenerationResult; tuned: GenerationResult }> {
    return generateSideBySide(this.ctx, model, adapter, a);
  }

  /** The training benchmark (`sft-studio bench`), printing through `say`. */
  bench(opts: BenchOptions, say: (s: string) => void): Promise<void> {
    return runBench(this.ctx, opts, say);
  }
}
