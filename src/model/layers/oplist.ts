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
  get flops(): number {
    return this.ops.reduce((s, o) => s + o.flops, 0);
  }
}
