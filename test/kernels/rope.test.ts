// RoPE forward/backward against the float64 reference (angle rounded to f32 as HF does, then exact
// cos/sin), inv_freq for default and llama3 scaling, reference backward by finite differences,
// GPU backward through a scalar loss.
// Tolerance: the GPU differs from the reference only by its own cos/sin (Cody-Waite reduction,
// error ≲ q·3e-11 for q quarter turns, plus polynomial truncation < 3e-8 and f32 rounding ~1e-7)
// times |x| ≲ 8: STYLE's elementwise atol 1e-5 / rtol 1e-4. (With WGSL's builtin cos/sin,
// SwiftShader was off by 2e-4: that is why the shader has its own.)
import { describe, expect, test } from 'vitest';
import { ropeBackward, ropeForward, ropeInvFreq } from '../../src/kernels/rope.ts';
import { allclose } from '../helpers/allclose.ts';
import { randn, rng } from '../helpers/random.ts';
import { dot, expectGradClose, f64, numericalGrad } from '../reference/gradcheck.ts';
import { ropeBackwardRef, ropeForwardRef } from '../reference/rope.ts';
import {
  expectDirectional,
  gpuContext,
  output,
  read,
  releaseAll,
  run,
  upload,
} from './ops_harness.ts';

const kTol = { atol: 1e-5, rtol: 1e-4 };
const llama32 = {
  rope_type: 'llama3' as const,
  factor: 32,
  low_freq_factor: 1,
  high_freq_factor: 4,
  original_max_position_embeddings: 8192,
};

/** transformers' default + llama3 inv_freq, transcribed step by step with f32 rounding (fround). */
function hfInvFreqF32(dim: number, base: number, s?: typeof llama32): Float32Array {
  const f = Math.fround;
  const out = new Float32Array(dim / 2);
  for (let j = 0; j < dim / 2; j++) {
    let inv = f(1 / f(base ** f(f(2 * j) / dim)));
    if (s) {
      const wavelen = f((2 * Math.PI) / inv);
      const lowW = s.original_max_position_embeddings / s.low_freq_factor;
      const highW = s.original_max_position_embeddings / s.high_freq_factor;
      let llama = wavelen > lowW ? f(inv / s.factor) : inv;
      const smooth = f(
        (f(s.original_max_position_embeddings / wavelen) - s.low_freq_factor) /
          (s.high_freq_factor - s.low_freq_factor),
      );
      const smoothed = f(f(f((1 - smooth) * llama) / s.factor) + f(smooth * llama));
      if (!(wavelen < highW) && !(wavelen > lowW)) llama = smoothed;
      inv = llama;
    }
    out[j] = inv;
  }
  return out;
}

describe('rope inv_freq', () => {
  test('default (SmolLM2 theta 1e5, Qwen2.5 1e6) and llama3 (Llama-3.2-1B) match transformers', () => {
    for (const [dim, base, s] of [
      [64, 100000, undefined],
      [64, 1000000, undefined],
      [128, 1000000, undefined],
      [64, 500000, llama32],
    ] as const) {
      const ours = ropeInvFreq(dim, base, s);
      const hf = hfInvFreqF32(dim, base, s);
      // Same math, float64 vs step-wise f32: within a few f32 ulps.
      allclose(ours, hf, { atol: 0, rtol: 1e-6 }, `inv_freq ${dim} ${base} ${s ? 'llama3' : ''}`);
    }
    const scaled = ropeInvFreq(64, 500000, llama32);
    const plain = ropeInvFreq(64, 500000);
    expect(scaled[0]).toBe(plain[0]); // high frequency: unchanged
    expect(scaled[31]).toBeCloseTo(plain[31] / 32, 12); // low frequency: divided by factor
  });
});

describe('rope reference', () => {
  test('backward matches float64 central differences', () => {
    const T = 3;
    const NH = 2;
    const HS = 4;
    const x = f64(randn(T * NH * HS, 1));
    const R = f64(randn(T * NH * HS, 2));
    const pos = [0, 5, 1];
    const inv = ropeInvFreq(HS, 10000);
    const dx = ropeBackwardRef(R, pos, inv, T, NH, HS);
    expectGradClose(
      dx,
      numericalGrad(() => dot(ropeForwardRef(x, pos, inv, T, NH, HS), R), x),
      'dx',
    );
  });
});

describe('rope gpu', () => {
  // [T, NH, HS, theta, llama3?]: odd token counts, the SmolLM2 (9 q / 3 kv heads, 64), Qwen2.5-0.5B
  // (14 / 2, 64), Llama-3.2-1B (32 / 8, 64, llama3) and Qwen3 (16, 128) head layouts.
  const shapes: [number, number, number, number, boolean][] = [
    [1, 1, 2, 10000, false],
    [7, 3, 16, 10000, false],
    [33, 1, 128, 1000000, false],
    [5, 9, 64, 100000, false],
    [4, 14, 64, 1000000, false],
    [3, 32, 64, 500000, true],
    [3, 16, 128, 1000000, false],
  ];
  for (const [T, NH, HS, theta, l3] of shapes) {
    test(`T ${T} NH ${NH} HS ${HS}${l3 ? ' llama3' : ''}`, async () => {
      const ctx = await gpuContext();
      if (!ctx) return;
      const x = randn(T * NH * HS, T * NH + HS, 2);
      const d = randn(T * NH * HS, T + NH + HS);
      const r = rng(T + HS);
      // Packed sequences restart positions; include large positions (up to 4095).
      const pos = Array.from({ length: T }, (_, t) =>
        t % 3 === 2 ? Math.floor(r() * 4096) : t % 3,
      );
      const inv = ropeInvFreq(HS, theta, l3 ? llama32 : undefined);
      const tx = upload(ctx, x, 'x');
      const td = upload(ctx, d, 'dout');
      const tpos = upload(ctx, pos, 'pos', 'u32');
      const tinv = upload(ctx, inv, 'inv_freq');
      const tout = output(ctx, x.length, 'out');
      const tdx = output(ctx, x.length, 'dx');
      const args = { T, NH, HS, pos: tpos, invFreq: tinv };
      await run(ctx, [
        ropeForward(ctx, { ...args, x: tx, out: tout }),
        ropeBackward(ctx, { ...args, dout: td, dx: tdx }),
      ]);
      allclose(
        await read(ctx, tout, x.length),
        ropeForwardRef(x, pos, inv, T, NH, HS),
        kTol,
        'out',
      );
      allclose(await read(ctx, tdx, x.length), ropeBackwardRef(d, pos, inv, T, NH, HS), kTol, 'dx');
      releaseAll(ctx, [tx, td, tpos, tinv, tout, tdx]);
    });
  }

  test('backward through a scalar loss (f32 finite differences)', async () => {
    const ctx = await gpuContext();
    if (!ctx) return;
    const [T, NH, HS] = [5, 2, 8];
    const n = T * NH * HS;
    const x = randn(n, 1);
    const R = randn(n, 2);
    const tpos = upload(ctx, [0, 1, 2, 0, 1], 'pos', 'u32');
    const tinv = upload(ctx, ropeInvFreq(HS, 10000), 'inv');
    const tR = upload(ctx, R, 'R');
    const tdx = output(ctx, n, 'dx');
    const args = { T, NH, HS, pos: tpos, invFreq: tinv };
    const lossAt = async (xv: Float32Array): Promise<number> => {
      const tx = upload(ctx, xv, 'x');
      const to = output(ctx, n, 'out');
      await run(ctx, [ropeForward(ctx, { ...args, x: tx, out: to })]);
      const L = dot(await read(ctx, to, n), R);
      releaseAll(ctx, [tx, to]);
      return L;
    };
    await run(ctx, [ropeBackward(ctx, { ...args, dout: tR, dx: tdx })]);
    await expectDirectional(lossAt, x, await read(ctx, tdx, n), randn(n, 3), 1e-2, 'rope dx');
    releaseAll(ctx, [tpos, tinv, tR, tdx]);
  });
});
