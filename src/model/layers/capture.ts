// Turning kernel launches into prepared ops. Launchers in src/kernels come in two conventions:
// `await op(ctx, args) → GpuOp` (prepared once, recorded many times) and
// `await op(ctx, pass, args)` (records into the caller's pass, creating its params buffer and bind
// group on each call). `capture` runs a pass-style launcher once against a recording pass and
// returns a GpuOp that replays the same pipelines, bind groups and workgroup counts, so every op of
// a step is built at creation and the step loop creates no GPU objects.
import type { GpuOp } from '../../gpu/op.ts';

type Cmd =
  | { kind: 'pipeline'; pipeline: GPUComputePipeline }
  | { kind: 'bind'; index: number; group: GPUBindGroup | null }
  | { kind: 'dispatch'; x: number; y: number; z: number };

/** A GPUComputePassEncoder stand-in that only remembers what was encoded into it. */
function recordingPass(cmds: Cmd[]): GPUComputePassEncoder {
  const pass = {
    label: 'capture',
    setPipeline(pipeline: GPUComputePipeline) {
      cmds.push({ kind: 'pipeline', pipeline });
    },
    setBindGroup(index: number, group: GPUBindGroup | null) {
      cmds.push({ kind: 'bind', index, group });
    },
    dispatchWorkgroups(x: number, y = 1, z = 1) {
      cmds.push({ kind: 'dispatch', x, y, z });
    },
    dispatchWorkgroupsIndirect() {
      throw new Error('capture: indirect dispatch is not supported');
    },
    end() {},
    pushDebugGroup() {},
    popDebugGroup() {},
    insertDebugMarker() {},
  };
  return pass as unknown as GPUComputePassEncoder;
}

/** Captures whatever `launch` encodes into one replayable op. */
export async function capture(
  label: string,
  launch: (pass: GPUComputePassEncoder) => Promise<void> | void,
  flops = 0,
): Promise<GpuOp> {
  const cmds: Cmd[] = [];
  await launch(recordingPass(cmds));
  return {
    label,
    flops,
    record(pass) {
      for (const c of cmds) {
        if (c.kind === 'pipeline') pass.setPipeline(c.pipeline);
        else if (c.kind === 'bind') pass.setBindGroup(c.index, c.group);
        else pass.dispatchWorkgroups(c.x, c.y, c.z);
      }
    },
    destroy() {},
  };
}

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
