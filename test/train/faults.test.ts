// The fault hook's plan syntax (SFT_STUDIO_FAULTS) and the GpuContext counts a soak run watches:
// buffers alive (pooled ones included) and bytes, counted out by destroy() once, and a readback's
// staging buffer made inside an out-of-memory error scope and freed.
import { describe, expect, it } from 'vitest';
import { GpuContext } from '../../src/gpu/context.ts';
import { describeFaultPlan, FaultPlanError, parseFaultPlan } from '../../src/train/faults.ts';
import { testDevice } from '../helpers/device.ts';

describe('parseFaultPlan', () => {
  it('reads each fault, step ranges, and an empty plan', () => {
    expect(parseFaultPlan('lose-device@5, oom@3,nan@4,nan@6-8')).toEqual({
      loseDeviceAtStep: 5,
      oomAtStep: 3,
      nanAtSteps: [4, 6, 7, 8],
    });
    expect(parseFaultPlan('')).toEqual({});
    expect(describeFaultPlan(parseFaultPlan('nan@2-3,oom@1'))).toBe('oom@1,nan@2,nan@3');
  });

  it('refuses what it cannot read, saying how to write it', () => {
    for (const bad of ['explode@3', 'nan@0', 'oom', 'nan@5-2', 'lose-device@x']) {
      expect(() => parseFaultPlan(bad)).toThrow(FaultPlanError);
    }
    expect(() => parseFaultPlan('nan@5-2')).toThrow(
      /"nan@5-2" ends before it starts.*lose-device@STEP/,
    );
  });
});

const acquired = await testDevice();

describe.skipIf(!acquired)('GpuContext buffer counts', () => {
  it('counts buffers alive until destroyed, pooled ones included', async () => {
    const ctx = new GpuContext(acquired!.device, acquired!.info);
    expect(ctx.buffers).toEqual({ live: 0, liveBytes: 0, created: 0 });
    const a = ctx.tensor(100, 'scratch', 'a'); // rounded up to 112
    const p = ctx.params([['u32', 1]]);
    expect(ctx.buffers).toEqual({ live: 2, liveBytes: 112 + 16, created: 2 });
    ctx.release(a); // back to the pool: still holds memory
    expect(ctx.buffers.live).toBe(2);
    const again = ctx.tensor(112, 'scratch', 'again'); // reused from the pool
    expect(again.buffer).toBe(a.buffer);
    expect(ctx.buffers.created).toBe(2);
    ctx.write(again, new Float32Array([1, 2, 3]));
    expect([...(await ctx.readF32(again, 3))]).toEqual([1, 2, 3]);
    // The readback's staging buffer came and went.
    expect(ctx.buffers).toEqual({ live: 2, liveBytes: 128, created: 3 });
    p.destroy();
    p.destroy(); // a second destroy() counts nothing
    ctx.release(again);
    ctx.trim();
    expect(ctx.buffers).toEqual({ live: 0, liveBytes: 0, created: 3 });
  });
});
