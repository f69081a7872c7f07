// GpuContext's pipeline cache and compile errors: keyed by the full source and the overrides (two
// shaders of the same length and label are two pipelines), one compile shared by concurrent
// requests, and a WGSL error reported with its message, line:col and the offending source line.
import { describe, expect, it } from 'vitest';
import { GpuContext } from '../../src/gpu/context.ts';
import { ShaderCompileError } from '../../src/gpu/errors.ts';
import { testDevice } from '../helpers/device.ts';

const acquired = await testDevice();

const shader = (value: string) => `@group(0) @binding(0) var<storage, read_write> out: array<f32>;
override WG: u32 = 64u;
@compute @workgroup_size(WG) fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  out[id.x] = ${value};
}
`;

describe.skipIf(!acquired)('GpuContext pipelines', () => {
  const ctx = new GpuContext(acquired!.device, acquired!.info);

  it('keys pipelines by full source and overrides, and shares compiles in flight', async () => {
    const a = shader('1.0');
    const b = shader('2.0'); // same length, same label, other code
    expect(a.length).toBe(b.length);
    const before = ctx.pipelineCount;
    const [pa1, pa2, pb] = await Promise.all([
      ctx.pipeline('same', a),
      ctx.pipeline('same', a),
      ctx.pipeline('same', b),
    ]);
    expect(pa1).toBe(pa2);
    expect(pb).not.toBe(pa1);
    const pc = await ctx.pipeline('same', a, { WG: 32 });
    expect(pc).not.toBe(pa1);
    expect(await ctx.pipeline('other label', a, { WG: 32 })).toBe(pc);
    expect(ctx.pipelineCount - before).toBe(3);
  });

  it('reports a WGSL error with its message, line:col and the offending line', async () => {
    const bad = shader('undefined_name + 1.0');
    const err = await ctx.pipeline('broken_forward', bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ShaderCompileError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/broken_forward:4:\d+/);
    expect(msg).toMatch(/undefined_name/);
    expect(msg).toContain('out[id.x] = undefined_name + 1.0;');
    expect(msg).toContain('^');
    // A failed compile is not cached: fixing nothing fails again (no stale promise).
    await expect(ctx.pipeline('broken_forward', bad)).rejects.toBeInstanceOf(ShaderCompileError);
  });
});
