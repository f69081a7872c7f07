// Helpers for the kernel tests: a GpuContext on the test device, upload/alloc/read of tensors,
// and the f32 directional-derivative check of a GPU backward through a scalar loss.
import { expect } from 'vitest';
import { GpuContext, type Tensor } from '../../src/gpu/context.ts';
import { runOps, type GpuOp } from '../../src/gpu/op.ts';
import { testDevice } from '../helpers/device.ts';

let ctxPromise: Promise<GpuContext | null> | null = null;

/** The shared GpuContext, or null (outside CI only) when there is no adapter. */
export function gpuContext(): Promise<GpuContext | null> {
  ctxPromise ??= testDevice().then((d) => (d ? new GpuContext(d.device, d.info) : null));
  return ctxPromise;
}

export function upload(
  ctx: GpuContext,
  data: ArrayLike<number>,
  label: string,
  kind: 'f32' | 'u32' | 'i32' = 'f32',
): Tensor {
  const arr =
    kind === 'f32'
      ? Float32Array.from(data)
      : kind === 'u32'
        ? Uint32Array.from(data)
        : Int32Array.from(data);
  return ctx.tensorFrom(arr, 'activations', label);
}

/** An output tensor pre-filled with `fill` (NaN by default, so unwritten entries fail checks). */
export function output(ctx: GpuContext, n: number, label: string, fill = NaN): Tensor {
  return ctx.tensorFrom(new Float32Array(n).fill(fill), 'activations', label);
}

export async function read(ctx: GpuContext, t: Tensor, n: number): Promise<Float32Array> {
  return ctx.readF32(t, n);
}

/** Records prepared ops into one pass, submits, waits, and frees the ops' params buffers. */
export async function run(ctx: GpuContext, ops: (GpuOp | Promise<GpuOp>)[]): Promise<void> {
  const ready = await Promise.all(ops.map((o) => Promise.resolve(o)));
  runOps(ctx, 'test', ready);
  await ctx.device.queue.onSubmittedWorkDone();
  for (const op of ready) op.destroy();
}

export function releaseAll(ctx: GpuContext, ts: Tensor[]): void {
  for (const t of ts) ctx.release(t);
}

/**
 * GPU gradient through a scalar loss, in f32: for L(x) = sum(f(x) * R), checks
 * (L(x + h·d) − L(x − h·d)) / 2h ≈ <grad, d> for a random direction d, with f evaluated by the
 * GPU forward. f32 forwards make the difference noisy (error ~ eps32·|L|/h), so the tolerance is
 * relative to |grad|·|d| and loose (rtol 2e-2 by default); the tight checks are against the
 * reference backward.
 */
export async function expectDirectional(
  lossAt: (x: Float32Array) => Promise<number>,
  x: Float32Array,
  grad: ArrayLike<number>,
  dir: Float32Array,
  h: number,
  what: string,
  rtol = 2e-2,
): Promise<void> {
  const xp = x.map((v, i) => v + h * dir[i]);
  const xm = x.map((v, i) => v - h * dir[i]);
  const fd = ((await lossAt(xp)) - (await lossAt(xm))) / (2 * h);
  let an = 0;
  let gn = 0;
  let dn = 0;
  for (let i = 0; i < x.length; i++) {
    an += grad[i] * dir[i];
    gn += grad[i] * grad[i];
    dn += dir[i] * dir[i];
  }
  const scale = Math.sqrt(gn * dn);
  expect(
    Math.abs(fd - an),
    `${what}: directional derivative fd ${fd} vs analytic ${an}`,
  ).toBeLessThanOrEqual(rtol * scale + 1e-6);
}
