// GPU timing: how long a recorded piece of GPU work takes on the device. Uses timestamp queries
// (`timestamp-query`) around one compute pass when the device has them, else wall-clock around
// `queue.onSubmittedWorkDone()` (which includes submit overhead, so repeat the work a few times).
// No DOM or node:* here: `performance.now()` exists in browsers, workers and Node.

export type TimingMethod = 'timestamp' | 'wall';

export interface GpuTiming {
  /** Milliseconds per repetition (best of `samples`). */
  ms: number;
  method: TimingMethod;
}

export interface TimeOptions {
  /** Repetitions of `record` inside one timed submission (default 1). */
  reps?: number;
  /** Timed submissions; the fastest one counts (default 3). */
  samples?: number;
  /** Untimed submissions first, to compile and warm caches (default 1). */
  warmup?: number;
  /** Force wall-clock timing even when timestamp queries exist. */
  wallClock?: boolean;
}

/** Times `record` (encodes dispatches into one compute pass) on `device`. */
export class GpuTimer {
  readonly method: TimingMethod;
  private querySet: GPUQuerySet | null = null;
  private resolveBuf: GPUBuffer | null = null;
  private readBuf: GPUBuffer | null = null;

  constructor(
    readonly device: GPUDevice,
    wallClock = false,
  ) {
    this.method = !wallClock && device.features.has('timestamp-query') ? 'timestamp' : 'wall';
  }

  async time(
    record: (pass: GPUComputePassEncoder) => void,
    opts: TimeOptions = {},
  ): Promise<GpuTiming> {
    const reps = opts.reps ?? 1;
    const samples = opts.samples ?? 3;
    const method: TimingMethod = opts.wallClock ? 'wall' : this.method;
    for (let i = 0; i < (opts.warmup ?? 1); i++) {
      this.submit(record, reps, false);
      await this.device.queue.onSubmittedWorkDone();
    }
    let best = Infinity;
    for (let i = 0; i < samples; i++) {
      let ms = method === 'timestamp' ? await this.timeStamped(record, reps) : NaN;
      if (!Number.isFinite(ms)) ms = await this.timeWall(record, reps);
      best = Math.min(best, ms);
    }
    return { ms: best / reps, method };
  }

  private submit(
    record: (pass: GPUComputePassEncoder) => void,
    reps: number,
    stamped: boolean,
  ): void {
    const encoder = this.device.createCommandEncoder({ label: 'timer' });
    const pass = encoder.beginComputePass(
      stamped && this.querySet
        ? {
            label: 'timer.pass',
            timestampWrites: {
              querySet: this.querySet,
              beginningOfPassWriteIndex: 0,
              endOfPassWriteIndex: 1,
            },
          }
        : { label: 'timer.pass' },
    );
    for (let r = 0; r < reps; r++) record(pass);
    pass.end();
    if (stamped && this.querySet && this.resolveBuf && this.readBuf) {
      encoder.resolveQuerySet(this.querySet, 0, 2, this.resolveBuf, 0);
      encoder.copyBufferToBuffer(this.resolveBuf, 0, this.readBuf, 0, 16);
    }
    this.device.queue.submit([encoder.finish()]);
  }

  private async timeWall(
    record: (pass: GPUComputePassEncoder) => void,
    reps: number,
  ): Promise<number> {
    await this.device.queue.onSubmittedWorkDone();
    const t0 = performance.now();
    this.submit(record, reps, false);
    await this.device.queue.onSubmittedWorkDone();
    return performance.now() - t0;
  }

  private async timeStamped(
    record: (pass: GPUComputePassEncoder) => void,
    reps: number,
  ): Promise<number> {
    if (!this.querySet) {
      this.querySet = this.device.createQuerySet({
        label: 'timer.queries',
        type: 'timestamp',
        count: 2,
      });
      this.resolveBuf = this.device.createBuffer({
        label: 'timer.resolve',
        size: 16,
        usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
      });
      this.readBuf = this.device.createBuffer({
        label: 'timer.read',
        size: 16,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      });
    }
    this.submit(record, reps, true);
    const readBuf = this.readBuf!;
    await readBuf.mapAsync(GPUMapMode.READ);
    const [t0, t1] = new BigUint64Array(readBuf.getMappedRange().slice(0));
    readBuf.unmap();
    // Some implementations report 0 or a non-monotonic pair when timing is unavailable.
    if (!(t1 > t0)) return NaN;
    return Number(t1 - t0) / 1e6;
  }

  destroy(): void {
    this.querySet?.destroy();
    this.resolveBuf?.destroy();
    this.readBuf?.destroy();
  }
}
