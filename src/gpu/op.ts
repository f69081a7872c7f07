// A prepared dispatch site: pipeline, bind group, params (uniform) buffer and workgroup counts,
// built once (at trainer creation) so that recording it in the step loop creates no GPU objects.
// Launchers in src/kernels return these; `record(pass)` encodes the dispatch, `runOps` submits
// a few of them at once (tests, one-off work).
import type { GpuContext, Overrides, ParamField, Tensor } from './context.ts';
import { ShapeError } from './errors.ts';

export interface GpuOp {
  readonly label: string;
  /** Floating-point operations of one dispatch (napkin math for benchmarks), 0 if unknown. */
  readonly flops: number;
  /** Encodes the dispatch(es) into `pass`. */
  record(pass: GPUComputePassEncoder): void;
  /** Frees the op's own objects (its params buffer); tensors stay with their owners. */
  destroy(): void;
}

export interface OpSpec {
  /** The dispatch site, e.g. `l3.attn_q.matmul_forward` (labels the bind group and params). */
  label: string;
  /**
   * The shader's name, e.g. `matmul_forward`: the pipeline cache key (with the overrides), so all
   * sites of one kernel share one compiled pipeline. Defaults to `label`.
   */
  shader?: string;
  code: string;
  overrides?: Overrides;
  /** Storage bindings 0..n-1, in WGSL binding order. */
  bindings: (Tensor | GPUBuffer)[];
  /** Packed into a uniform buffer bound right after `bindings`, when given. */
  params?: ParamField[];
  workgroups: [number, number, number];
  flops?: number;
}

/** Compiles (through the context's pipeline cache) and binds one dispatch. */
export async function makeOp(ctx: GpuContext, spec: OpSpec): Promise<GpuOp> {
  const limit = ctx.device.limits.maxComputeWorkgroupsPerDimension;
  if (spec.workgroups.some((w) => w > limit || w < 1 || !Number.isInteger(w))) {
    throw new ShapeError(
      spec.label,
      `dispatch ${JSON.stringify(spec.workgroups)} exceeds ${limit} workgroups per dimension`,
    );
  }
  const maxBinding = ctx.device.limits.maxStorageBufferBindingSize;
  for (const b of spec.bindings) {
    const size = 'buffer' in b ? b.buffer.size : b.size;
    if (size > maxBinding) {
      const name = 'buffer' in b ? b.label : (b.label ?? 'buffer');
      throw new ShapeError(
        spec.label,
        `${name} is ${size} bytes, over this adapter's maxStorageBufferBindingSize ` +
          `(${maxBinding}); split the tensor (e.g. the lm_head over vocabulary chunks)`,
      );
    }
  }
  const pipeline = await ctx.pipeline(spec.shader ?? spec.label, spec.code, spec.overrides ?? {});
  const buffers = spec.bindings.map((b) => ('buffer' in b ? b.buffer : b));
  const params = spec.params ? ctx.params(spec.params, `${spec.label}.params`) : null;
  if (params) buffers.push(params);
  // Bind-group mistakes (a params struct that grew, a missing binding) become an exception here
  // instead of an uncaptured error and a silently skipped dispatch later.
  ctx.device.pushErrorScope('validation');
  const bindGroup = ctx.bindGroup(pipeline, buffers, spec.label);
  const err = await ctx.device.popErrorScope();
  if (err) {
    params?.destroy();
    throw new Error(`${spec.label}: binding failed: ${err.message}`);
  }
  const [x, y, z] = spec.workgroups;
  return {
    label: spec.label,
    flops: spec.flops ?? 0,
    record(pass) {
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(x, y, z);
    },
    destroy() {
      params?.destroy();
    },
  };
}

/** An op that records several ops in order (e.g. a two-pass reduction). */
export function sequenceOps(label: string, ops: GpuOp[]): GpuOp {
  return {
    label,
    flops: ops.reduce((s, o) => s + o.flops, 0),
    record(pass) {
      for (const op of ops) op.record(pass);
    },
    destroy() {
      for (const op of ops) op.destroy();
    },
  };
}

/** Records `ops` into one compute pass of one encoder and submits (does not wait). */
export function runOps(ctx: GpuContext, label: string, ops: GpuOp[]): void {
  ctx.run(label, (pass) => {
    for (const op of ops) op.record(pass);
  });
}
