// Fused lm_head + cross-entropy (src/kernels/crossentropy.ts) against the unfused path the engine
// would otherwise take: the logits matmul to a full (T, V) buffer (matmulForward), a softmax
// cross-entropy kernel that turns the logits into dlogits in place, and the dhidden matmul
// (matmulBackwardInput). Both produce the loss sum and dhidden. Where the adapter has usable
// subgroups the fused path runs crossentropy_sg_backward.wgsl, and a third row times the plain
// sweep (crossentropy_backward.wgsl) for comparison. All paths are built first (each with its own
// GpuContext, so each has its own memory peak), then timed in CE_BENCH_ROUNDS interleaved rounds
// (default 3; the first includes pipeline compiles, a few % of a run): one noisy run on a shared
// machine cannot decide the ratio, which is the median of the per-round ratios, with its range.
// Reported: wall time of one loss+gradient pass, GFLOP/s (4·T·V·C useful FLOPs), and peak device
// memory from the GpuContext memory tracker, in total and without the lm_head weight (the same in
// both paths).
// Default shape: 2048 tokens × 49152 vocab × 576 hidden (SmolLM2-135M), f32 lm_head; override with
// CE_BENCH_T / CE_BENCH_V / CE_BENCH_C and CE_BENCH_DTYPE=bf16 (the file dtype of SmolLM2). Run: CI=true npx vitest bench --run test/bench/kernels/crossentropy.bench.ts
import { setPriority } from 'node:os';
import { bench, describe } from 'vitest';
import { GpuContext, type Tensor } from '../../../src/gpu/context.ts';
import { makeOp, type GpuOp } from '../../../src/gpu/op.ts';
import { crossentropyBackward } from '../../../src/kernels/crossentropy.ts';
import { subgroupSharingOk } from '../../../src/kernels/launch.ts';
import { matmulBackwardInput, matmulForward } from '../../../src/kernels/matmul.ts';
import { testDevice } from '../../helpers/device.ts';
import { randn, rng } from '../../helpers/random.ts';

const T = Number(process.env.CE_BENCH_T ?? 2048);
const V = Number(process.env.CE_BENCH_V ?? 49152);
const C = Number(process.env.CE_BENCH_C ?? 576);
const wDtype = process.env.CE_BENCH_DTYPE === 'bf16' ? 'bf16' : 'f32';
const acquired = await testDevice();

// Baseline only (lives here until it wins a benchmark, STYLE.md): one workgroup per row of the
// full logits; loss and dlogits = scale · (softmax − onehot) written over the logits in place.
const kSoftmaxCe = /* wgsl */ `
override WG: u32 = 256;
struct Params { T: u32, V: u32, scale: f32 }
@group(0) @binding(0) var<storage, read_write> logits: array<f32>;
@group(0) @binding(1) var<storage, read> labels: array<i32>;
@group(0) @binding(2) var<storage, read_write> losses: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;
var<workgroup> red: array<f32, WG>;
fn reduce(tid: u32, op_max: bool) -> f32 {
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (tid < s) {
      if (op_max) { red[tid] = max(red[tid], red[tid + s]); } else { red[tid] += red[tid + s]; }
    }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let t = wid.x;
  let base = t * params.V;
  var m = -3.0e38;
  for (var v = tid; v < params.V; v += WG) { m = max(m, logits[base + v]); }
  red[tid] = m;
  workgroupBarrier();
  m = reduce(tid, true);
  var s = 0.0;
  for (var v = tid; v < params.V; v += WG) { s += exp(logits[base + v] - m); }
  red[tid] = s;
  workgroupBarrier();
  s = reduce(tid, false);
  let lab = labels[t];
  let lse = m + log(s);
  if (tid == 0u) { losses[t] = lse - logits[base + u32(lab)]; }
  workgroupBarrier();
  for (var v = tid; v < params.V; v += WG) {
    let p = exp(logits[base + v] - lse);
    logits[base + v] = params.scale * (p - select(0.0, 1.0, v == u32(lab)));
  }
}`;

const rounds = Math.max(1, Number(process.env.CE_BENCH_ROUNDS ?? 3));
const mib = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;

interface Tensors {
  hidden: Tensor;
  weight: Tensor;
  labels: Tensor;
  losses: Tensor;
  out: Tensor;
  dhidden: Tensor;
}

/** One path, built and ready to run: its own context, tensors, ops, memory peak and run times. */
interface Path {
  name: string;
  ctx: GpuContext;
  tensors: Tensors;
  ops: GpuOp[];
  peak: number;
  peakNoWeights: number;
  ms: number[];
}

async function prepare(
  name: string,
  build: (ctx: GpuContext, t: Tensors) => Promise<GpuOp[]>,
): Promise<Path> {
  const ctx = new GpuContext(acquired!.device, acquired!.info); // its own memory tracker
  const upload = (
    data: Float32Array | Int32Array,
    cat: 'weights' | 'activations',
    label: string,
  ): Tensor => ctx.tensorFrom(data, cat, label);
  const r = rng(3);
  const tensors: Tensors = {
    hidden: upload(randn(T * C, 1), 'activations', 'hidden'),
    weight: lmHead(ctx),
    labels: upload(
      Int32Array.from({ length: T }, () => Math.floor(r() * V)),
      'activations',
      'labels',
    ),
    losses: ctx.tensor(T * 4, 'activations', 'losses'),
    out: ctx.tensor(16, 'activations', 'loss_count'),
    dhidden: ctx.tensor(T * C * 4, 'activations', 'dhidden'),
  };
  const ops = await build(ctx, tensors);
  const snap = ctx.memory.snapshot(); // every buffer of the path is allocated by now
  return {
    name,
    ctx,
    tensors,
    ops,
    peak: snap.totalPeak,
    peakNoWeights: snap.totalPeak - snap.peak.weights,
    ms: [],
  };
}

/** One loss + gradient pass: one submit, wall clock until the GPU is done. */
async function runOnce(p: Path): Promise<number> {
  const t0 = performance.now();
  p.ctx.run(p.name, (pass) => p.ops.forEach((op) => op.record(pass)));
  await p.ctx.device.queue.onSubmittedWorkDone();
  return performance.now() - t0;
}

function dispose(p: Path): void {
  for (const op of p.ops) op.destroy();
  for (const x of Object.values(p.tensors) as Tensor[]) p.ctx.release(x);
  p.ctx.trim();
}

const median = (xs: number[]): number => {
  const v = [...xs].sort((a, b) => a - b);
  const h = v.length >> 1;
  return v.length % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
};

/** Median and range of the per-round ratios a/b of run times. */
function ratio(a: Path, b: Path): string {
  const xs = a.ms.map((ms, i) => ms / b.ms[i]);
  const range =
    xs.length > 1 ? ` [${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}]` : '';
  return `${median(xs).toFixed(2)}×${range}`;
}

/** The (V, C) lm_head in the benchmark's dtype (bf16: two per u32, low half first). */
function lmHead(ctx: GpuContext): Tensor {
  const w = randn(V * C, 2, 1 / Math.sqrt(C));
  if (wDtype === 'f32') return ctx.tensorFrom(w, 'weights', 'lm_head');
  const bits = new Uint32Array(w.buffer);
  const packed = new Uint32Array(Math.ceil((V * C) / 2));
  for (let i = 0; i < packed.length; i++) {
    packed[i] = (bits[2 * i] >>> 16) | ((bits[2 * i + 1] ?? 0) & 0xffff0000);
  }
  return ctx.tensorFrom(packed, 'weights', 'lm_head');
}

function fused(subgroups: boolean) {
  return async (ctx: GpuContext, t: Tensors) => [
    await crossentropyBackward(ctx, {
      hidden: t.hidden,
      weight: t.weight,
      labels: t.labels,
      losses: t.losses,
      out: t.out,
      dhidden: t.dhidden,
      T,
      C,
      V,
      wDtype,
      scale: 1 / T,
      subgroups,
    }),
  ];
}

async function unfused(ctx: GpuContext, t: Tensors): Promise<GpuOp[]> {
  const logits = ctx.tensor(T * V * 4, 'activations', 'logits');
  const ops = [
    await matmulForward(ctx, { x: t.hidden, w: t.weight, y: logits, m: T, n: V, k: C, wDtype }),
    await makeOp(ctx, {
      label: 'softmax_ce',
      code: kSoftmaxCe,
      bindings: [logits, t.labels, t.losses],
      params: [
        ['u32', T],
        ['u32', V],
        ['f32', 1 / T],
      ],
      workgroups: [T, 1, 1],
    }),
    await matmulBackwardInput(ctx, {
      dy: logits,
      w: t.weight,
      dx: t.dhidden,
      m: T,
      n: V,
      k: C,
      wDtype,
    }),
  ];
  return [
    ...ops,
    { label: 'logits', flops: 0, record: () => {}, destroy: () => ctx.release(logits) },
  ];
}

const once = { iterations: 1, warmupIterations: 0, time: 0, warmupTime: 0 };

describe.skipIf(!acquired)(`cross-entropy T ${T} × V ${V} × C ${C} ${wDtype}`, () => {
  bench(
    `fused vs unfused, ${rounds} interleaved rounds`,
    async () => {
      setPriority(0, 19); // the webgpu main thread spins; let SwiftShader have the cores (DESIGN.md)
      const sgOk = subgroupSharingOk(new GpuContext(acquired!.device, acquired!.info));
      const paths = [
        await prepare('fused', fused(true)),
        await prepare('unfused', unfused),
        ...(sgOk ? [await prepare('fused, plain sweep', fused(false))] : []),
      ];
      for (let r = 0; r < rounds; r++) {
        for (const p of paths) p.ms.push(await runOnce(p));
        console.log(
          `round ${r + 1}: ${paths.map((p) => `${p.name} ${p.ms[r].toFixed(0)} ms`).join(', ')}`,
        );
      }
      for (const p of paths) {
        const ms = median(p.ms);
        console.log(
          `${p.name}: ${ms.toFixed(0)} ms median (${((4 * T * V * C) / ms / 1e6).toFixed(2)} GFLOP/s useful), ` +
            `peak ${mib(p.peak)} total, ${mib(p.peakNoWeights)} without the lm_head weight`,
        );
      }
      const [f, u, plain] = paths;
      console.log(
        `fused / unfused (T ${T}, V ${V}, C ${C}, ${wDtype}): time ${ratio(f, u)}, ` +
          `memory ${(f.peak / u.peak).toFixed(3)}× total, ${(f.peakNoWeights / u.peakNoWeights).toFixed(4)}× without weights ` +
          `(goal ≤ 0.125× memory at ≤ 1× time)`,
      );
      if (plain) console.log(`plain sweep / subgroup sweep: time ${ratio(plain, f)}`);
      paths.forEach(dispose);
    },
    once,
  );
});
