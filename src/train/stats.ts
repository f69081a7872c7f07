// The step statistics the host reads without waiting inside a step: each optimizer step copies
// its [loss sum, count] and [norm, skipped, clip] into its own staging buffer; the trainer maps the
// buffer of step s-2 while the GPU works on s-1 and s (`inFlight` staging buffers in a ring), and
// turns each reading into a StepEvent with the run's clock (tokens/s and ETA over run() calls).
import type { GpuContext, Tensor } from '../gpu/context.ts';
import type { MemorySnapshot } from '../gpu/memory.ts';
import type { StepEvent } from './events.ts';

/** What the host knows about a step when it encodes it. */
export interface StepInfo {
  /** 1-based optimizer step. */
  step: number;
  lr: number;
  /** Trained (label) tokens of the step: the loss and gradient normaliser. */
  tokens: number;
  /** Tokens processed, padding excluded. */
  realTokens: number;
  epoch: number;
}

/** A step's statistics, read back. */
export interface StepReading extends StepInfo {
  lossSum: number;
  count: number;
  /** Global L2 norm of the LoRA gradients before clipping, per trained token. */
  norm: number;
  skipped: boolean;
}

export class StepReadback {
  private readonly staging: GPUBuffer[] = [];
  private readonly pending: { staging: GPUBuffer; done: Promise<void>; info: StepInfo }[] = [];

  /**
   * `loss` holds [loss sum, count] at 0; `norm` holds [norm², skipped, clip] at float 512 (the
   * fused optimizer's layout, src/train/optimizer.ts).
   */
  constructor(
    ctx: GpuContext,
    private readonly loss: Tensor,
    private readonly norm: Tensor,
    inFlight: number,
  ) {
    for (let i = 0; i <= inFlight; i++) {
      this.staging.push(
        ctx.createBuffer({
          label: `stats.staging.${i}`,
          size: 32,
          usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
        }),
      );
    }
  }

  /** Encodes the copy of the step's statistics (after its optimizer update) and queues the read. */
  encode(enc: GPUCommandEncoder, info: StepInfo): void {
    const st = this.staging[info.step % this.staging.length];
    enc.copyBufferToBuffer(this.loss.buffer, 0, st, 0, 8);
    enc.copyBufferToBuffer(this.norm.buffer, 512 * 4, st, 16, 12);
    this.pending.push({ staging: st, done: Promise.resolve(), info });
  }

  /** Call after submitting the encoder given to encode(): starts mapping its staging buffer. */
  submitted(): void {
    const p = this.pending.at(-1)!;
    p.done = p.staging.mapAsync(GPUMapMode.READ);
    // drain() awaits it; a run that fails first (device lost) must not leave it unhandled.
    p.done.catch(() => undefined);
  }

  /** Readings of the oldest steps until at most `keep` are still in flight, oldest first. */
  async drain(keep: number, onReading: (r: StepReading) => void): Promise<void> {
    while (this.pending.length > keep) {
      const p = this.pending.shift()!;
      await p.done;
      const v = new Float32Array(p.staging.getMappedRange().slice(0));
      p.staging.unmap();
      onReading({
        ...p.info,
        lossSum: v[0],
        count: v[1],
        norm: v[4] / Math.max(1, p.info.tokens),
        skipped: v[5] !== 0,
      });
    }
  }

  destroy(): void {
    for (const s of this.staging) s.destroy();
  }
}

/** Wall-clock time of a run across run() calls (pauses excluded), tokens/s and ETA. */
export class RunClock {
  private runStart = 0;
  private startStep = 0;
  private tokensSinceStart = 0;

  constructor(private before: number) {}

  /** Seconds trained so far, this run() included. */
  elapsed(): number {
    return this.before + (this.runStart ? (performance.now() - this.runStart) / 1000 : 0);
  }
  start(step: number): void {
    this.runStart = performance.now();
    this.startStep = step;
    this.tokensSinceStart = 0;
  }
  stop(): void {
    this.before = this.elapsed();
    this.runStart = 0;
  }
  addTokens(n: number): void {
    this.tokensSinceStart += n;
  }

  /** The StepEvent of a reading, timed now. */
  stepEvent(r: StepReading, totalSteps: number, memory: MemorySnapshot): StepEvent {
    const t = this.elapsed();
    const thisRun = Math.max(1e-9, t - this.before);
    return {
      kind: 'step',
      step: r.step,
      totalSteps,
      epoch: r.epoch,
      loss: r.count > 0 ? r.lossSum / r.count : null,
      lr: r.lr,
      gradNorm: r.norm,
      tokens: r.tokens,
      realTokens: r.realTokens,
      tokensPerSecond: this.tokensSinceStart / thisRun,
      elapsedSeconds: t,
      etaSeconds: ((totalSteps - r.step) * thisRun) / Math.max(1, r.step - this.startStep),
      memory,
    };
  }
}
