// Each optimizer step under watch, for the three ways a GPU step fails on a real machine:
// - out of memory: every step runs inside an 'out-of-memory' error scope, pushed before its first
//   command and popped after its last submit; the answer is awaited with the step's statistics
//   (no extra wait), and an error stops the run with TrainOutOfMemoryError;
// - device lost: a failure while the device is gone (a rejected mapAsync, usually) becomes a
//   DeviceLostError saying which step it hit;
// - NaN/Inf: the optimizer's guard already skips a non-finite update on the device (adapter and
//   AdamW state unchanged); here such steps are counted, and kMaxNonFiniteSteps of them in a row
//   stop the run with TrainDivergedError (a run that only skips learns nothing).
// It is also where the fault hook (faults.ts) acts, at the moment each fault belongs to.
import type { GpuContext, Tensor } from '../gpu/context.ts';
import { DeviceLostError } from '../gpu/errors.ts';
import type { FaultPlan } from './faults.ts';

/** Non-finite steps in a row after which the run stops (one or two are noise; five is a trend). */
export const kMaxNonFiniteSteps = 5;

const MiB = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
/** A driver message's first line (Dawn appends "While calling..." and a source location). */
const firstLine = (s: string) => s.split('\n')[0].trim();

export class TrainOutOfMemoryError extends Error {
  constructor(
    readonly step: number,
    detail: string,
    heldBytes: number,
    plannedBytes: number,
  ) {
    super(
      `the GPU ran out of memory during step ${step} (${detail}). This run holds ` +
        `${MiB(heldBytes)} of device memory (planned ${MiB(plannedBytes)}); WebGPU does not ` +
        `report how much is free`,
    );
    this.name = 'TrainOutOfMemoryError';
  }
}

export class TrainDivergedError extends Error {
  constructor(
    readonly steps: readonly number[],
    lr: number,
  ) {
    super(
      `the gradients were NaN or infinite in ${steps.length} steps in a row ` +
        `(steps ${steps[0]}-${steps.at(-1)}); each update was skipped, and the run stopped ` +
        `because it was no longer learning. The learning rate (${lr}) is probably too high`,
    );
    this.name = 'TrainDivergedError';
  }
}

interface Scope {
  step: number;
  answer: Promise<GPUError | null>;
  /** The fault hook's allocation of this step (bytes), when it injected one. */
  injected: number;
}

export class StepGuard {
  private readonly scopes: Scope[] = [];
  private injectedOom = 0;
  private streak: number[] = [];
  /** Non-finite steps skipped so far in this trainer. */
  skipped = 0;
  /** The last step whose statistics were read back (0: none yet in this trainer). */
  lastRead = 0;

  constructor(
    private readonly ctx: GpuContext,
    private readonly faults: FaultPlan,
    private readonly plannedBytes: number,
    private readonly lr: number,
  ) {}

  /** Before a step's first command: opens its out-of-memory scope (and injects oom@step). */
  begin(step: number): void {
    this.ctx.device.pushErrorScope('out-of-memory');
    this.injectedOom = 0;
    if (this.faults.oomAtStep === step) {
      // An allocation as large as the adapter allows: SwiftShader cannot back it, and neither can
      // most GPUs while a model is loaded. settle() reports it even where it did fit.
      const size = this.ctx.device.limits.maxBufferSize;
      this.ctx.createBuffer({ label: `fault.oom@${step}`, size, usage: 0x80 }).destroy();
      this.injectedOom = size;
    }
  }

  /** Whether lose-device@step applies to this micro-batch (the step's first). */
  losesDeviceAt(step: number, microBatch: number): boolean {
    return this.faults.loseDeviceAtStep === step && microBatch === 0;
  }

  /** Destroys the device (lose-device@step): call after the forward is submitted. */
  loseDevice(step: number): void {
    this.ctx.loseDevice(
      `injected fault lose-device@${step}: the device was destroyed with the step in flight`,
    );
  }

  /** After the step's last backward, before its optimizer update (nan@step). */
  afterBackward(step: number, grad: Tensor): void {
    if (this.faults.nanAtSteps?.includes(step)) {
      this.ctx.device.queue.writeBuffer(grad.buffer, 0, new Float32Array([NaN]));
    }
  }

  /** After the step's last submit: closes its scope (its answer is checked by settle()). */
  end(step: number): void {
    this.scopes.push({ step, answer: this.ctx.device.popErrorScope(), injected: this.injectedOom });
    this.injectedOom = 0;
  }

  /** Checks the scopes of the oldest steps until `keep` remain (call before reading them). */
  async settle(keep: number): Promise<void> {
    while (this.scopes.length > keep) {
      const s = this.scopes.shift()!;
      const err = await s.answer;
      if (!err && !s.injected) continue;
      const what = err
        ? firstLine(err.message)
        : 'the device reported no error, but it was told to';
      const detail = s.injected
        ? `injected fault oom@${s.step}: an allocation of ${MiB(s.injected)} failed: ${what}`
        : what;
      throw new TrainOutOfMemoryError(
        s.step,
        detail,
        this.ctx.memory.snapshot().totalCurrent,
        this.plannedBytes,
      );
    }
  }

  /** After each step's reading: counts non-finite (skipped) steps; too many in a row throw. */
  onReading(step: number, skipped: boolean): void {
    this.lastRead = step;
    if (!skipped) {
      this.streak = [];
      return;
    }
    this.skipped++;
    this.streak.push(step);
    if (this.streak.length >= kMaxNonFiniteSteps)
      throw new TrainDivergedError(this.streak, this.lr);
  }

  /** Throws DeviceLostError when the device is gone: what was just read back from it may be
   * zeros, and must not be handed out (as a checkpoint, say). */
  assertDevice(what: string): void {
    const loss = this.ctx.lost;
    if (loss) {
      throw new DeviceLostError(
        loss.reason,
        `the GPU device was lost (${loss.reason}: ${firstLine(loss.message)}); ${what}`,
      );
    }
  }

  /**
   * What to throw for an error raised while training: a DeviceLostError when the device is gone
   * (the lost promise settles just after the failure that reveals it), else the error itself.
   * `encoded`: the steps submitted so far; those after the last one read back were in flight.
   */
  async failure(e: unknown, encoded: number): Promise<unknown> {
    if (e instanceof TrainOutOfMemoryError || e instanceof TrainDivergedError) return e;
    const loss = await this.ctx.lossWithin(500);
    if (!loss) return e;
    const first = Math.max(this.lastRead + 1, 1);
    const when =
      encoded > first
        ? `during steps ${first}-${encoded}`
        : `during step ${Math.max(first, encoded)}`;
    return new DeviceLostError(
      loss.reason,
      `the GPU device was lost ${when} (${loss.reason}: ${firstLine(loss.message)})`,
    );
  }
}
