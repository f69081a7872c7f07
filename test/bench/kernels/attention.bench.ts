// Causal attention forward + backward (src/kernels/attention.ts) with SmolLM2-135M heads (9 query
// heads, 3 kv heads, head_dim 64) at T = 512 and 2048 tokens, one unpacked sequence. Reported: wall
// time of the forward and of the backward (dQ pass + dK/dV pass), with napkin GFLOP/s (causal:
// T²/2 query-key pairs per head; forward 4·HS FLOPs per pair, backward 14·HS as implemented), and
// the time to build the pipelines (specialised per head size; seconds on SwiftShader).
// Override the sizes with ATTN_BENCH_T="512,2048".
// Run: CI=true npx vitest bench --run test/bench/kernels/attention.bench.ts
import { setPriority } from 'node:os';
import { bench, describe } from 'vitest';
import { GpuContext } from '../../../src/gpu/context.ts';
import { GpuTimer } from '../../../src/gpu/timing.ts';
import {
  attentionBackward,
  attentionFlops,
  attentionForward,
} from '../../../src/kernels/attention.ts';
import { testDevice } from '../../helpers/device.ts';
import { randn } from '../../helpers/random.ts';

const sizes = (process.env.ATTN_BENCH_T ?? '512,2048').split(',').map(Number);
const [NH, NKV, HS] = [9, 3, 64];
const acquired = await testDevice();
const once = { iterations: 1, warmupIterations: 0, time: 0, warmupTime: 0 };

describe.skipIf(!acquired)('attention forward+backward, 9/3 heads × 64', () => {
  for (const T of sizes) {
    bench(
      `T ${T}`,
      async () => {
        setPriority(0, 19); // the webgpu main thread spins; let SwiftShader have the cores
        const ctx = new GpuContext(acquired!.device, acquired!.info);
        const act = (n: number, label: string, seed?: number) =>
          seed === undefined
            ? ctx.tensor(n * 4, 'activations', label)
            : ctx.tensorFrom(randn(n, seed), 'activations', label);
        const t = {
          q: act(T * NH * HS, 'q', 1),
          k: act(T * NKV * HS, 'k', 2),
          v: act(T * NKV * HS, 'v', 3),
          starts: ctx.tensorFrom(new Uint32Array(T), 'activations', 'starts'),
          out: act(T * NH * HS, 'out'),
          lse: act(T * NH, 'lse'),
        };
        const g = {
          dout: act(T * NH * HS, 'dout', 4),
          dq: act(T * NH * HS, 'dq'),
          dk: act(T * NKV * HS, 'dk'),
          dv: act(T * NKV * HS, 'dv'),
          delta: act(T * NH, 'delta'),
        };
        const dims = { T, NH, NKV, HS };
        const c0 = performance.now();
        const fwd = await attentionForward(ctx, { ...dims, ...t });
        const bwd = await attentionBackward(ctx, { ...dims, ...t, ...g });
        const compileS = (performance.now() - c0) / 1000; // one pipeline per kernel and head size
        const timer = new GpuTimer(ctx.device, true);
        const opts = { warmup: 0, samples: 1 };
        const f = await timer.time((pass) => fwd.record(pass), opts);
        const b = await timer.time((pass) => bwd.record(pass), opts);
        const ff = attentionFlops(T, NH, HS, 'forward');
        const bf = attentionFlops(T, NH, HS, 'dq') + attentionFlops(T, NH, HS, 'dkv');
        console.log(
          `attention T ${T} (NH ${NH}, NKV ${NKV}, HS ${HS}): forward ${f.ms.toFixed(0)} ms ` +
            `(${(ff / f.ms / 1e6).toFixed(2)} GFLOP/s), backward ${b.ms.toFixed(0)} ms ` +
            `(${(bf / b.ms / 1e6).toFixed(2)} GFLOP/s), total ${(f.ms + b.ms).toFixed(0)} ms ` +
            `(pipelines built in ${compileS.toFixed(1)} s); ` +
            `saved for backward: lse ${T * NH * 4} bytes (a [T,T] score matrix per head would be ` +
            `${((T * T * NH * 4) / 2 ** 20).toFixed(0)} MiB)`,
        );
        fwd.destroy();
        bwd.destroy();
        for (const x of [...Object.values(t), ...Object.values(g)]) ctx.release(x);
        ctx.trim();
      },
      once,
    );
  }
});
