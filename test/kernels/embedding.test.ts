// Embedding gather (f32, bf16 and f16 weights) against the CPU reference. A gather copies values,
// so the tolerance is exact (atol 0, rtol 0) against the very values the GPU unpacks (bf16 and
// f16 weights are compared with their rounded f32 values). No backward: frozen embeddings.
import { describe, test } from 'vitest';
import { embeddingForward } from '../../src/kernels/embedding.ts';
import { allclose } from '../helpers/allclose.ts';
import { randn, rng } from '../helpers/random.ts';
import { embeddingForwardRef, packBf16, packF16 } from '../reference/embedding.ts';
import { gpuContext, output, read, releaseAll, run, upload } from './ops_harness.ts';

const kExact = { atol: 0, rtol: 0 };

describe('embedding gpu', () => {
  // [T, V, C]: odd shapes (odd C puts rows off u32 boundaries for 16-bit weights), then the
  // SmolLM2 (49152 × 576) and Qwen2.5 (151936 × 896, truncated vocab) hidden sizes.
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [7, 33, 127],
    [33, 127, 7],
    [5, 1000, 33],
    [4, 300, 576],
    [3, 200, 896],
  ];
  for (const [T, V, C] of shapes) {
    for (const dtype of ['f32', 'bf16', 'f16'] as const) {
      test(`T ${T} V ${V} C ${C} ${dtype}`, async () => {
        const ctx = await gpuContext();
        if (!ctx) return;
        const w = randn(V * C, V + C);
        const r = rng(T);
        const ids = Array.from({ length: T }, () => Math.floor(r() * V));
        if (T > 2) ids[T - 1] = V + 5; // out of range: zero row
        const { packed, rounded } =
          dtype === 'f32'
            ? { packed: new Uint32Array(w.buffer), rounded: w }
            : dtype === 'bf16'
              ? packBf16(w)
              : packF16(w);
        const tw = ctx.tensorFrom(packed, 'weights', 'w');
        const tids = upload(ctx, ids, 'ids', 'u32');
        const tout = output(ctx, T * C, 'out');
        await run(ctx, [
          embeddingForward(ctx, { ids: tids, weight: tw, out: tout, T, C, V, wDtype: dtype }),
        ]);
        allclose(
          await read(ctx, tout, T * C),
          embeddingForwardRef(ids, rounded, V, C),
          kExact,
          'out',
        );
        releaseAll(ctx, [tw, tids, tout]);
      });
    }
  }
});
