// LoRA kernels (fused skinny forward, fused dx backward + dA/dB reductions) against float64 CPU
// references: odd shapes and ranks, real layer shapes with few rows, every rows-per-workgroup
// configuration (vec4 kernels when K, N, R are multiples of 4, scalar ones otherwise), `+=`
// semantics, finite differences (reference in float64, GPU through a scalar loss), and ShapeError
// from the launchers.
//
// Tolerance: |gpu − ref| ≤ atol + rtol·|ref|, rtol 1e-3, atol 2e-6·√L where L is the longest
// reduction feeding the output (K for h, N for g, M for dA/dB): the same f32-accumulation argument
// as test/kernels/matmul.test.ts, with inputs scaled so that every intermediate is O(1). The second
// stage (length R ≤ 64) adds at most a few ulps on top.
import { beforeAll, describe, expect, it } from 'vitest';
import { GpuContext, type Tensor } from '../../src/gpu/context.ts';
import { ShapeError } from '../../src/gpu/errors.ts';
import { runOps, type GpuOp } from '../../src/gpu/op.ts';
import { loraBackward, loraForward, kLoraRowOptions } from '../../src/kernels/lora.ts';
import { allclose, type Tolerance } from '../helpers/allclose.ts';
import { testDevice } from '../helpers/device.ts';
import { randomF32 } from '../helpers/random.ts';
import { dotLoss, finiteDiff } from '../reference/matmul.ts';
import { loraBackwardRef, loraForwardRef } from '../reference/lora.ts';

const acquired = await testDevice();
const tol = (red: number): Tolerance => ({ atol: 2e-6 * Math.sqrt(red), rtol: 1e-3 });

interface Inputs {
  xs: Float32Array;
  as: Float32Array;
  bs: Float32Array;
  dys: Float32Array;
}

function inputs(m: number, n: number, k: number, r: number, seed: number): Inputs {
  return {
    xs: randomF32(m * k, seed),
    as: randomF32(r * k, seed + 1, 1 / Math.sqrt(k)),
    bs: randomF32(n * r, seed + 2, 1 / Math.sqrt(r)),
    dys: randomF32(m * n, seed + 3, 1 / Math.sqrt(n)),
  };
}

describe.skipIf(!acquired)('lora', () => {
  let ctx: GpuContext;
  beforeAll(() => {
    ctx = new GpuContext(acquired!.device, acquired!.info);
  });

  const f32 = (data: Float32Array, shape: number[], label: string): Tensor =>
    ctx.typedTensorFrom(data, shape, 'f32', 'scratch', label);
  const empty = (shape: number[], label: string): Tensor =>
    ctx.typedTensor(shape, 'f32', 'scratch', label);
  const read = (t: Tensor, count: number) => ctx.readF32(t, count);
  function run(op: GpuOp): void {
    runOps(ctx, op.label, [op]);
  }

  // [M, N (out), K (in), R]
  const shapes: [number, number, number, number][] = [
    [1, 1, 1, 1],
    [7, 33, 127, 8],
    [33, 127, 7, 5], // odd rank: partial vec4 of ranks
    [127, 1000, 33, 16],
    [70, 576, 576, 16], // SmolLM2-135M q_proj, rows over 3 workgroups
    [4, 1536, 576, 16], // SmolLM2 up_proj
    [3, 576, 1536, 64], // SmolLM2 down_proj, rank 64
    [2, 4864, 896, 16], // Qwen2.5-0.5B up_proj
    [2, 2048, 8192, 16], // Llama-3.2-1B down_proj
    [37, 12, 20, 4], // vec4 kernels: rank 4 (RV 1), rows not a multiple of 4
    [66, 8, 4, 12], // vec4 kernels: K = 4, rank 12 (RV 3)
  ];

  it.each(shapes)('forward and backward M=%i N=%i K=%i R=%i', async (m, n, k, r) => {
    const { xs, as, bs, dys } = inputs(m, n, k, r, 7 + m + r);
    const scale = 2 / r;
    const y0 = randomF32(m * n, 3);
    const dx0 = randomF32(m * k, 4);
    const da0 = randomF32(r * k, 5);
    const db0 = randomF32(n * r, 6);
    const x = f32(xs, [m, k], 'x');
    const a = f32(as, [r, k], 'a');
    const b = f32(bs, [n, r], 'b');
    const y = f32(y0, [m, n], 'y');
    const h = empty([m, r], 'h');
    const dy = f32(dys, [m, n], 'dy');
    const g = empty([m, r], 'g');
    const dx = f32(dx0, [m, k], 'dx');
    const da = f32(da0, [r, k], 'da');
    const db = f32(db0, [n, r], 'db');
    const dims = { m, n, k, r, scale };
    const fwd = await loraForward(ctx, { x, a, b, h, y, ...dims });
    const bwd = await loraBackward(ctx, { x, a, b, h, dy, g, dx, da, db, ...dims });
    runOps(ctx, 'lora', [fwd, bwd]);
    const ref = loraForwardRef(xs, as, bs, y0, m, n, k, r, scale);
    allclose(await read(h, m * r), ref.h, tol(k), 'h');
    allclose(await read(y, m * n), ref.y, tol(k), 'y');
    const refB = loraBackwardRef(xs, as, bs, dys, m, n, k, r, scale, { dx0, da0, db0 });
    allclose(await read(g, m * r), refB.g, tol(n), 'g');
    allclose(await read(dx, m * k), refB.dx, tol(n), 'dx');
    allclose(await read(da, r * k), refB.da, tol(Math.max(m, n)), 'da');
    allclose(await read(db, n * r), refB.db, tol(Math.max(m, k)), 'db');
    fwd.destroy();
    bwd.destroy();
    for (const t of [x, a, b, y, h, dy, g, dx, da, db]) ctx.release(t);
  });

  // The scalar fused kernels (odd N and K) and the vec4 ones (K, N, R multiples of 4), with M not
  // a multiple of any rows-per-workgroup value.
  it.each([
    [45, 37, 29, 16],
    [45, 36, 28, 8],
  ])(
    'every configuration (fused rows, two-matmul) gives the same result; = epilogues, M=%i N=%i K=%i R=%i',
    async (m, n, k, r) => {
      const { xs, as, bs, dys } = inputs(m, n, k, r, 99 + n);
      const scale = 0.5;
      const x = f32(xs, [m, k], 'x');
      const a = f32(as, [r, k], 'a');
      const b = f32(bs, [n, r], 'b');
      const dy = f32(dys, [m, n], 'dy');
      const [h, y, g, dx] = [
        empty([m, r], 'h'),
        empty([m, n], 'y'),
        empty([m, r], 'g'),
        empty([m, k], 'dx'),
      ];
      const [da, db] = [empty([r, k], 'da'), empty([n, r], 'db')];
      const ref = loraForwardRef(xs, as, bs, undefined, m, n, k, r, scale);
      const refB = loraBackwardRef(xs, as, bs, dys, m, n, k, r, scale);
      // Each fused rows value is two pipeline compiles (seconds on SwiftShader); 32 is the default.
      // `matmul` runs the same math as two dispatches of the matmul kernel.
      const configs: { rows?: number; config?: string }[] = [
        { rows: kLoraRowOptions[0] },
        { rows: 4 },
        { config: 'matmul' },
      ];
      for (const cfg of configs) {
        const rows = cfg.rows ?? cfg.config;
        const dims = { m, n, k, r, scale, ...cfg };
        ctx.write(da, new Float32Array(r * k));
        ctx.write(db, new Float32Array(n * r));
        const fwd = await loraForward(ctx, { x, a, b, h, y, ...dims, accumulate: false });
        const bwd = await loraBackward(ctx, {
          x,
          a,
          b,
          h,
          dy,
          g,
          dx,
          da,
          db,
          ...dims,
          accumulateDx: false,
        });
        runOps(ctx, 'lora', [fwd, bwd]);
        allclose(await read(y, m * n), ref.y, tol(k), `y rows=${rows}`);
        allclose(await read(dx, m * k), refB.dx, tol(n), `dx rows=${rows}`);
        allclose(await read(da, r * k), refB.da, tol(m), `da rows=${rows}`);
        allclose(await read(db, n * r), refB.db, tol(m), `db rows=${rows}`);
        fwd.destroy();
        bwd.destroy();
      }
      for (const t of [x, a, b, dy, h, y, g, dx, da, db]) ctx.release(t);
    },
  );

  it('backward = finite differences of L = Σ gy⊙y(x, a, b), in float64 and on the GPU', async () => {
    const [m, n, k, r] = [6, 5, 7, 3];
    const scale = 1.5;
    const { xs, as, bs, dys } = inputs(m, n, k, r, 123);
    const x64 = Float64Array.from(xs);
    const a64 = Float64Array.from(as);
    const b64 = Float64Array.from(bs);
    const loss = () => dotLoss(dys, loraForwardRef(x64, a64, b64, undefined, m, n, k, r, scale).y);
    const ref = loraBackwardRef(x64, a64, b64, dys, m, n, k, r, scale);
    const pick = (len: number) => [0, Math.floor(len / 3), Math.floor((2 * len) / 3), len - 1];
    const cases = [
      { name: 'x', v64: x64, v32: xs, grad: ref.dx },
      { name: 'a', v64: a64, v32: as, grad: ref.da },
      { name: 'b', v64: b64, v32: bs, grad: ref.db },
    ];
    for (const c of cases) {
      const idx = pick(c.v64.length);
      const fd = finiteDiff(c.v64, idx, loss, 1e-5);
      allclose(
        fd,
        idx.map((i) => c.grad[i]),
        { atol: 1e-8, rtol: 1e-7 },
        `ref d${c.name} vs fd`,
      );
    }

    // GPU: the forward kernel inside the scalar loss, the backward kernels for the gradient.
    const x = f32(xs, [m, k], 'x');
    const a = f32(as, [r, k], 'a');
    const b = f32(bs, [n, r], 'b');
    const [h, y, g, dx] = [
      empty([m, r], 'h'),
      empty([m, n], 'y'),
      empty([m, r], 'g'),
      empty([m, k], 'dx'),
    ];
    const [da, db] = [empty([r, k], 'da'), empty([n, r], 'db')];
    const dy = f32(dys, [m, n], 'dy');
    const dims = { m, n, k, r, scale };
    const fwd = await loraForward(ctx, { x, a, b, h, y, ...dims, accumulate: false });
    const lossGpu = async () => {
      ctx.write(x, xs);
      ctx.write(a, as);
      ctx.write(b, bs);
      run(fwd);
      return dotLoss(dys, await read(y, m * n));
    };
    await lossGpu();
    const bwd = await loraBackward(ctx, {
      x,
      a,
      b,
      h,
      dy,
      g,
      dx,
      da,
      db,
      ...dims,
      accumulateDx: false,
    });
    run(bwd);
    const grads = { x: await read(dx, m * k), a: await read(da, r * k), b: await read(db, n * r) };
    for (const c of cases) {
      const idx = pick(c.v32.length);
      const fd: number[] = [];
      for (const i of idx) {
        const o = c.v32[i];
        c.v32[i] = o + 1e-2;
        const lp = await lossGpu();
        c.v32[i] = o - 1e-2;
        const lm = await lossGpu();
        c.v32[i] = o;
        fd.push((lp - lm) / 2e-2);
      }
      const grad = grads[c.name as 'x' | 'a' | 'b'];
      // y is bilinear in (a, b), so the central difference is exact up to f32 rounding of L
      // (~1e-6) divided by 2h: 1e-3 absolute is a 10× margin.
      allclose(
        fd,
        idx.map((i) => grad[i]),
        { atol: 1e-3, rtol: 1e-3 },
        `gpu d${c.name} vs gpu fd`,
      );
    }
    fwd.destroy();
    bwd.destroy();
    for (const t of [x, a, b, h, y, g, dx, da, db, dy]) ctx.release(t);
  });

  it('launchers throw ShapeError before dispatch', async () => {
    const [m, n, k, r] = [8, 6, 4, 2];
    const x = empty([m, k], 'x');
    const a = empty([r, k], 'a');
    const b = empty([n, r], 'b');
    const h = empty([m, r], 'h');
    const y = empty([m, n], 'y');
    const ok = { x, a, b, h, y, m, n, k, r, scale: 1 };
    await expect(loraForward(ctx, { ...ok, a: b })).rejects.toThrow(ShapeError);
    await expect(loraForward(ctx, { ...ok, r: 3 })).rejects.toThrow(ShapeError);
    await expect(loraForward(ctx, { ...ok, rows: 6 })).rejects.toThrow(ShapeError);
    await expect(loraForward(ctx, { ...ok, r: 1000 })).rejects.toThrow(ShapeError);
    await expect(loraForward(ctx, { ...ok, h: y })).rejects.toThrow(ShapeError);
    const g = empty([m, r], 'g');
    const dx = empty([m, k], 'dx');
    const da = empty([r, k], 'da');
    const db = empty([n, r], 'db');
    const bw = { x, a, b, h, dy: y, g, dx, da, db, m, n, k, r, scale: 1 };
    await expect(loraBackward(ctx, { ...bw, db: da })).rejects.toThrow(/db/);
    await expect(loraBackward(ctx, { ...bw, g: dx, k: 2 })).rejects.toThrow(ShapeError);
    const op = await loraBackward(ctx, bw);
    op.destroy();
    for (const t of [x, a, b, h, y, g, dx, da, db]) ctx.release(t);
  });
});
