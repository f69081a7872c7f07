// Global gradient norm over several buffers (odd sizes, one past the 1024-workgroup chunking) and
// the clip coefficient, against float64. Tolerance: f32 sums of ≤ 3e5 squares in a two-level tree
// (relative error ~1e-6): rtol 1e-5 on the norm and the coefficient.
import { describe, expect, test } from 'vitest';
import { gradnorm, gradnormPartials } from '../../src/kernels/gradnorm.ts';
import { allclose } from '../helpers/allclose.ts';
import { randn } from '../helpers/random.ts';
import { gradnormRef } from '../reference/gradnorm.ts';
import { gpuContext, output, read, releaseAll, run, upload } from './ops_harness.ts';

describe('gradnorm gpu', () => {
  for (const maxNorm of [1, 1e6, 0]) {
    test(`buffers of 1, 7, 33, 1000, 300007 elements, max_norm ${maxNorm}`, async () => {
      const ctx = await gpuContext();
      if (!ctx) return;
      const sizes = [1, 7, 33, 1000, 300007];
      const hosts = sizes.map((n, i) => randn(n, 50 + i, 0.01));
      const grads = hosts.map((g, i) => ({ grad: upload(ctx, g, `g${i}`), n: sizes[i] }));
      const partials = output(ctx, gradnormPartials(grads), 'partials');
      const out = output(ctx, 2, 'out');
      await run(ctx, [gradnorm(ctx, { grads, partials, out, maxNorm })]);
      const ref = gradnormRef(hosts, maxNorm);
      const [norm, coef] = await read(ctx, out, 2);
      allclose([norm, coef], [ref.norm, ref.coef], { atol: 0, rtol: 1e-5 }, '[norm, coef]');
      if (maxNorm >= 1e6 || maxNorm === 0) expect(coef).toBe(1);
      releaseAll(ctx, [...grads.map((g) => g.grad), partials, out]);
    });
  }
});
