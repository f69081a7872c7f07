// What the matmul test files share: a context on the test device and small tensor helpers.
import { GpuContext, type Tensor } from '../../src/gpu/context.ts';
import { runOps, type GpuOp } from '../../src/gpu/op.ts';
import type { AcquiredDevice } from '../../src/gpu/device.ts';
import type { Tolerance } from '../helpers/allclose.ts';

/** |gpu − ref| ≤ atol + rtol·|ref| for a reduction of length `red` (see matmul.test.ts). */
export const tol = (red: number): Tolerance => ({ atol: 2e-6 * Math.sqrt(red), rtol: 1e-3 });

export function matmulHarness(acquired: AcquiredDevice) {
  const ctx = new GpuContext(acquired.device, acquired.info);
  const f32 = (data: Float32Array, shape: number[], label: string): Tensor =>
    ctx.typedTensorFrom(data, shape, 'f32', 'scratch', label);
  async function runRead(op: GpuOp, out: Tensor, count: number): Promise<Float32Array> {
    runOps(ctx, op.label, [op]);
    op.destroy();
    return ctx.readF32(out, count);
  }
  function releaseAll(...ts: (Tensor | undefined)[]): void {
    for (const t of ts) if (t) ctx.release(t);
  }
  return { ctx, f32, runRead, releaseAll };
}
