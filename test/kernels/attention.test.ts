// Causal GQA attention (online softmax forward, FA2 backward) against the float64 reference:
// odd token counts, packed sequences (block-diagonal masks), GQA groups of 1..7, head sizes 4..128,
// and the head layouts of SmolLM2-135M (9/3×64), Qwen2.5-0.5B (14/2×64), Llama-3.2-1B (32/8×64)
// and Qwen3 (16/8×128) with few tokens. Reference backward by float64 finite differences; GPU
// backward through a scalar loss.
//
// Tolerance: outputs are convex combinations of v rows (|v| ≤ ~3), accumulated over ≤ T keys in
// f32 with exp() of f32 scores: relative error ~1e-6 per term; atol 1e-5 / rtol 1e-4 for out and
// lse would be tight, so atol 2e-5 / rtol 1e-3 (reduction default). Gradients sum up to T·group
// products of O(1) terms with cancellation in dP − D: atol 1e-4 / rtol 1e-3.
import { describe, test } from 'vitest';
import { attentionBackward, attentionForward } from '../../src/kernels/attention.ts';
import { allclose } from '../helpers/allclose.ts';
import { randn } from '../helpers/random.ts';
import {
  attentionBackwardRef,
  attentionForwardRef,
  packedStarts,
  type AttnShape,
} from '../reference/attention.ts';
import { dot, expectGradClose, f64, numericalGrad } from '../reference/gradcheck.ts';
import {
  expectDirectional,
  gpuContext,
  output,
  read,
  releaseAll,
  run,
  upload,
} from './ops_harness.ts';

// The kernels are specialised per head size, and SwiftShader takes tens of seconds (minutes for
// HS 128 on a busy machine) to build each head size's three pipelines: the first case of a head
// size pays for it.
const kCompileTimeout = 600_000;
const kFwd = { atol: 2e-5, rtol: 1e-3 };
const kBwd = { atol: 1e-4, rtol: 1e-3 };

describe('attention reference', () => {
  test('backward matches float64 central differences (packed, GQA)', () => {
    const s: AttnShape = { T: 5, NH: 4, NKV: 2, HS: 3 };
    const starts = packedStarts([3, 2]);
    const q = f64(randn(s.T * s.NH * s.HS, 1));
    const k = f64(randn(s.T * s.NKV * s.HS, 2));
    const v = f64(randn(s.T * s.NKV * s.HS, 3));
    const R = f64(randn(s.T * s.NH * s.HS, 4));
    const g = attentionBackwardRef(q, k, v, starts, R, s);
    const loss = () => dot(attentionForwardRef(q, k, v, starts, s).out, R);
    expectGradClose(g.dq, numericalGrad(loss, q), 'dq');
    expectGradClose(g.dk, numericalGrad(loss, k), 'dk');
    expectGradClose(g.dv, numericalGrad(loss, v), 'dv');
  });
});

describe('attention gpu', () => {
  // [name, shape, packed sequence lengths]
  const cases: [string, AttnShape, number[]][] = [
    ['T 1', { T: 1, NH: 1, NKV: 1, HS: 8 }, [1]],
    ['T 7 MHA', { T: 7, NH: 2, NKV: 2, HS: 16 }, [7]],
    ['T 33 packed GQA 4/2', { T: 33, NH: 4, NKV: 2, HS: 32 }, [10, 1, 22]],
    ['T 70 packed GQA 7/1 HS 24', { T: 70, NH: 7, NKV: 1, HS: 24 }, [33, 37]],
    ['T 127 packed', { T: 127, NH: 2, NKV: 1, HS: 16 }, [40, 50, 37]],
    ['SmolLM2-135M heads, T 9', { T: 9, NH: 9, NKV: 3, HS: 64 }, [4, 5]],
    ['Qwen2.5-0.5B heads, T 6', { T: 6, NH: 14, NKV: 2, HS: 64 }, [6]],
    ['Llama-3.2-1B heads, T 5', { T: 5, NH: 32, NKV: 8, HS: 64 }, [2, 3]],
    ['Qwen3 heads (HS 128), T 40', { T: 40, NH: 16, NKV: 8, HS: 128 }, [35, 5]],
    // The kernels take 4 rows (query or key) per invocation and unroll the head in vec4s up to 128:
    // T not a multiple of 4 with packed boundaries inside a block of 4 (and 1-token sequences),
    // HS 4, HS 68 (just past 64) and HS 128 with the same, rows spread over several workgroups.
    ['T 13 packed inside blocks HS 4', { T: 13, NH: 3, NKV: 1, HS: 4 }, [2, 1, 3, 1, 6]],
    ['T 150 packed HS 68 GQA 6/2', { T: 150, NH: 6, NKV: 2, HS: 68 }, [1, 66, 5, 78]],
    ['T 131 packed HS 128 GQA 4/1', { T: 131, NH: 4, NKV: 1, HS: 128 }, [61, 2, 68]],
  ];
  for (const [name, s, lengths] of cases) {
    test(
      name,
      async () => {
        const ctx = await gpuContext();
        if (!ctx) return;
        const { T, NH, NKV, HS } = s;
        const seed = T * 31 + NH;
        const q = randn(T * NH * HS, seed, 1);
        const k = randn(T * NKV * HS, seed + 1, 1);
        const v = randn(T * NKV * HS, seed + 2);
        const dout = randn(T * NH * HS, seed + 3);
        const starts = packedStarts(lengths);
        const t = {
          q: upload(ctx, q, 'q'),
          k: upload(ctx, k, 'k'),
          v: upload(ctx, v, 'v'),
          starts: upload(ctx, starts, 'starts', 'u32'),
          out: output(ctx, T * NH * HS, 'out'),
          lse: output(ctx, T * NH, 'lse'),
        };
        const b = {
          dout: upload(ctx, dout, 'dout'),
          dq: output(ctx, T * NH * HS, 'dq'),
          dk: output(ctx, T * NKV * HS, 'dk'),
          dv: output(ctx, T * NKV * HS, 'dv'),
          delta: output(ctx, T * NH, 'delta'),
        };
        await run(ctx, [
          attentionForward(ctx, { ...s, ...t }),
          attentionBackward(ctx, { ...s, ...t, ...b }),
        ]);
        const ref = attentionForwardRef(q, k, v, starts, s);
        allclose(await read(ctx, t.out, T * NH * HS), ref.out, kFwd, 'out');
        allclose(await read(ctx, t.lse, T * NH), ref.lse, kFwd, 'lse');
        const g = attentionBackwardRef(q, k, v, starts, dout, s);
        allclose(await read(ctx, b.dq, T * NH * HS), g.dq, kBwd, 'dq');
        allclose(await read(ctx, b.dk, T * NKV * HS), g.dk, kBwd, 'dk');
        allclose(await read(ctx, b.dv, T * NKV * HS), g.dv, kBwd, 'dv');
        releaseAll(ctx, [...Object.values(t), ...Object.values(b)]);
      },
      kCompileTimeout,
    );
  }

  test('backward through a scalar loss (f32 finite differences, q k v at once)', async () => {
    const ctx = await gpuContext();
    if (!ctx) return;
    const s: AttnShape = { T: 12, NH: 4, NKV: 2, HS: 8 };
    const { T, NH, NKV, HS } = s;
    const nq = T * NH * HS;
    const nk = T * NKV * HS;
    const x = randn(nq + 2 * nk, 9); // q | k | v
    const R = randn(nq, 10);
    const starts = upload(ctx, packedStarts([5, 7]), 'starts', 'u32');
    const tR = upload(ctx, R, 'R');
    const grads = {
      dq: output(ctx, nq, 'dq'),
      dk: output(ctx, nk, 'dk'),
      dv: output(ctx, nk, 'dv'),
    };
    const delta = output(ctx, T * NH, 'delta');
    const lossAt = async (xv: Float32Array, backward = false): Promise<number> => {
      const t = {
        q: upload(ctx, xv.subarray(0, nq), 'q'),
        k: upload(ctx, xv.subarray(nq, nq + nk), 'k'),
        v: upload(ctx, xv.subarray(nq + nk), 'v'),
        starts,
        out: output(ctx, nq, 'out'),
        lse: output(ctx, T * NH, 'lse'),
      };
      await run(ctx, [
        attentionForward(ctx, { ...s, ...t }),
        ...(backward ? [attentionBackward(ctx, { ...s, ...t, ...grads, dout: tR, delta })] : []),
      ]);
      const L = dot(await read(ctx, t.out, nq), R);
      releaseAll(ctx, [t.q, t.k, t.v, t.out, t.lse]);
      return L;
    };
    await lossAt(x, true);
    const grad = new Float32Array(nq + 2 * nk);
    grad.set(await read(ctx, grads.dq, nq));
    grad.set(await read(ctx, grads.dk, nk), nq);
    grad.set(await read(ctx, grads.dv, nk), nq + nk);
    await expectDirectional(
      (xv) => lossAt(xv),
      x,
      grad,
      randn(x.length, 11),
      1e-2,
      'attention dq|dk|dv',
    );
    releaseAll(ctx, [starts, tR, grads.dq, grads.dk, grads.dv, delta]);
  });
});
