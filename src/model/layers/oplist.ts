// An ordered list of prepared ops (GpuOp: pipeline + bind group + workgroups, built once) that a
// step records into a compute pass without creating any GPU object.
import type { GpuOp } from '../../gpu/op.ts';

/** An op list recorded in order. */
export class OpList {
  readonly ops: GpuOp[] = [];
  push(op: GpuOp): void {
    this.ops.push(op);
  }
  record(pass: GPUComputePassEncoder): void {
    for (const op of this.ops) op.record(pass);
  }
  /** Frees the ops' own objects (params buffers, launcher scratch), skipping `except`. */
  destroy(except: ReadonlySet<GpuOp> = new Set()): void {
    for (const op of new Set(this.ops)) if (!except.has(op)) op.destroy();
    this.ops.length = 0;
  }
  get flops(): number {
    return this.ops.reduce((s, o) => s + o.flops, 0);
  }
}
