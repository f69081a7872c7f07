// Matmul benchmark: GFLOP/s of our kernels side by side with a naive one-thread-per-output WGSL
// kernel, @tensorflow/tfjs-backend-webgpu's matMul and @jax-js/jax's matmul (WebGPU backend), on
// the same adapter in the same run, plus an ALU probe (peak f32 FMA rate) to read every figure as
// a fraction of the adapter's peak. Shapes are M×K×N (C (M,N) = A (M,K) · B (K,N)); "ours NT" is
// the linear-layer forward X·Wᵀ (W stored (N,K)), "ours NN" the dX = dY·W form; the LoRA rows add
// our fused LoRA forward (h = x·aᵀ, y += s·h·bᵀ) with its FLOPs counted for both stages.
//
// A plain script (not vitest bench) so the table lines implementations up per shape:
//   node --import ./test/bench/kernels/matmul-hooks.mjs test/bench/kernels/matmul.ts [--quick]
// In Node the npm `webgpu` package spins the main thread while it waits for the GPU; after the
// first dispatch we lower that thread's priority (os.setPriority(0, 19), DESIGN.md) so SwiftShader's
// worker threads, created earlier at normal priority, keep both cores.
//
// Two figures per cell: wall-clock GFLOP/s, and (Linux) GFLOP per CPU-second of the process's
// non-main threads, i.e. SwiftShader's workers (tfjs and jax-js run on the same in-process
// SwiftShader). The second barely moves when other processes load the machine; × the core count
// it estimates the wall-clock figure on an idle machine. Ratios use the CPU-normalised figures.
//
// Interleaved rounds: per shape every implementation is built and warmed up first, then timed in
// ROUNDS rounds (default 5, env MATMUL_BENCH_ROUNDS), each round one sample of each implementation
// in turn; a cell is the median over the rounds, and each ratio the median of the per-round ratios
// with its range, so one noisy sample (another process waking up) cannot decide a ratio.
import { existsSync } from 'node:fs';
import os from 'node:os';
import { acquireDevice } from '../../../src/gpu/device.ts';
import { GpuContext, type Tensor } from '../../../src/gpu/context.ts';
import { makeOp, type GpuOp } from '../../../src/gpu/op.ts';
import { GpuTimer } from '../../../src/gpu/timing.ts';
import { matmulBackwardInput, matmulForward } from '../../../src/kernels/matmul.ts';
import { matmulTuneTasks } from '../../../src/kernels/matmul_tune.ts';
import { loraForward, loraShapeClass, loraTuneTasks } from '../../../src/kernels/lora.ts';
import naiveCode from './matmul_naive.wgsl?raw';
import { median, medianRate, timeRunners, type Rate, type Runner } from './bench-timing.ts';
import aluCode from '../../../shaders/alu_probe_forward.wgsl?raw';

const quick = process.argv.includes('--quick');
const kIcd = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && existsSync(kIcd)) process.env.VK_ICD_FILENAMES = kIcd;
const webgpu = await import('webgpu');
Object.assign(globalThis, webgpu.globals);
const gpu: GPU = webgpu.create([]); // kept reachable for the whole run (npm webgpu lifetime note)
// tfjs and jax-js look for `navigator.gpu` (and jax-js for `navigator.userAgent`).
const g = globalThis as { navigator?: { gpu?: GPU; userAgent?: string } };
const nav = { gpu, userAgent: `Node.js/${process.version}` };
if (!g.navigator)
  Object.defineProperty(globalThis, 'navigator', { value: nav, configurable: true });
for (const [key, value] of Object.entries(nav)) {
  if (!(g.navigator as Record<string, unknown>)[key]) {
    Object.defineProperty(g.navigator, key, { value, configurable: true });
  }
}

const { device, info } = await acquireDevice(gpu);
const ctx = new GpuContext(device, info);
const timer = new GpuTimer(device, true);
const adapterName = [info.vendor, info.architecture, info.description].filter(Boolean).join(' / ');

interface Shape {
  name: string;
  m: number;
  k: number;
  n: number;
  lora?: boolean;
}
const shapes: Shape[] = quick
  ? [
      { name: '256³', m: 256, k: 256, n: 256 },
      { name: '512×576×16', m: 512, k: 576, n: 16, lora: true },
    ]
  : [
      { name: '512³', m: 512, k: 512, n: 512 },
      { name: '1024³', m: 1024, k: 1024, n: 1024 },
      { name: '2048×576×1536', m: 2048, k: 576, n: 1536 },
      { name: '2048×1536×576', m: 2048, k: 1536, n: 576 },
      { name: '2048×576×16', m: 2048, k: 576, n: 16, lora: true },
      { name: '2048×16×576', m: 2048, k: 16, n: 576, lora: true },
    ];

const rounds = quick ? 2 : Math.max(1, Number(process.env.MATMUL_BENCH_ROUNDS ?? 5));
const timeInterleaved = (runners: Runner[]) => timeRunners(runners, rounds, renice);

/** One submit of a prepared op, waiting for the GPU. */
async function runOp(op: GpuOp): Promise<void> {
  ctx.run(op.label, (pass) => op.record(pass));
  await device.queue.onSubmittedWorkDone();
}

function rand(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() * 2 - 1;
  return a;
}

/** The ALU probe as a runner: a pure-FMA kernel, the adapter's peak f32 rate. */
async function aluProbe(): Promise<Runner> {
  const groups = 256;
  const iters = quick ? 500 : 2000;
  const out = ctx.tensor(groups * 64 * 4, 'scratch', 'bench.alu.out');
  const op = await makeOp(ctx, {
    label: 'bench.alu_probe',
    code: aluCode,
    bindings: [out],
    params: [
      ['u32', iters],
      ['f32', 0.5],
    ],
    workgroups: [groups, 1, 1],
    flops: 2 * 4 * 16 * iters * groups * 64,
  });
  return opRunner('ALU probe', op, op.flops, [out]);
}

let reniced = false;
function renice(): void {
  if (reniced) return;
  reniced = true;
  try {
    os.setPriority(0, 19);
  } catch {
    console.warn('could not lower the main thread priority');
  }
}

// --- tfjs-webgpu on the same device -------------------------------------------------------------
const tf = await import('@tensorflow/tfjs-core');
const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
// Replace the package's own 'webgpu' registration (it would request a second device) by one on
// our device; kernels are registered under the backend name 'webgpu'.
const tfBackend = new WebGPUBackend(device);
tf.removeBackend('webgpu');
tf.registerBackend('webgpu', () => tfBackend);
await tf.setBackend('webgpu');

function tfjsMatmul(s: Shape): Runner {
  const a = tf.tensor2d(rand(s.m * s.k), [s.m, s.k]);
  const b = tf.tensor2d(rand(s.k * s.n), [s.k, s.n]);
  return {
    name: 'tfjs',
    flops: 2 * s.m * s.k * s.n,
    async run() {
      const c = tf.matMul(a, b);
      // submitQueue alone drops a pending dispatch: end the open compute pass first (DESIGN.md).
      tfBackend.endComputePassEncoder();
      tfBackend.submitQueue();
      await device.queue.onSubmittedWorkDone();
      c.dispose();
    },
    dispose() {
      a.dispose();
      b.dispose();
    },
  };
}

// --- jax-js (its own device on the same adapter) ------------------------------------------------
const jax = await import('@jax-js/jax');
const jaxDevices = await jax.init('webgpu');
const hasJax = jaxDevices.includes('webgpu');
if (hasJax) jax.defaultDevice('webgpu');

async function jaxMatmul(s: Shape): Promise<Runner> {
  const np = jax.numpy;
  const a = np.array(rand(s.m * s.k)).reshape([s.m, s.k]);
  const b = np.array(rand(s.k * s.n)).reshape([s.k, s.n]);
  await jax.blockUntilReady([a, b]);
  return {
    name: 'jax-js',
    flops: 2 * s.m * s.k * s.n,
    async run() {
      const c = np.matmul(a.ref, b.ref);
      await c.blockUntilReady();
      c.dispose();
    },
    dispose() {
      a.dispose();
      b.dispose();
    },
  };
}

// --- ours and naive ------------------------------------------------------------------------------
function upload(data: Float32Array, shape: number[], label: string): Tensor {
  return ctx.typedTensorFrom(data, shape, 'f32', 'scratch', label);
}

/** A prepared op as a runner; `free` releases its tensors. */
function opRunner(name: string, op: GpuOp, flops: number, free: Tensor[] = []): Runner {
  return {
    name,
    flops,
    run: () => runOp(op),
    dispose() {
      op.destroy();
      for (const t of free) ctx.release(t);
    },
  };
}

/**
 * Our kernels on one shape: NT (X·Wᵀ, W stored (N, K)), NN (C = A·B with B (K, N), as dX = dY·W:
 * the layout jax-js and tfjs are given), and on LoRA shapes the fused LoRA forward forced to one
 * dispatch and as tuned.
 */
async function ours(s: Shape): Promise<{ runners: Runner[]; loraConfig?: string }> {
  const { m, k, n } = s;
  // Untyped tensors: the same buffers serve the NT and NN forms with different shapes.
  const x = ctx.tensorFrom(rand(m * k), 'scratch', 'bench.x');
  const w = ctx.tensorFrom(rand(n * k), 'scratch', 'bench.w');
  const y = ctx.tensor(4 * m * n, 'scratch', 'bench.y');
  const fwd = await matmulForward(ctx, { x, w, y, m, n, k, label: 'bench.matmul_forward' });
  // C (M, N) = A (M, K) · B (K, N) as dX = dY·W: dy = A (m, K), w = B (K, N), dx = C (m, N).
  const bwd = await matmulBackwardInput(ctx, {
    dy: x,
    w,
    dx: y,
    m,
    n: k,
    k: n,
    label: 'bench.matmul_backward_input',
  });
  const runners = [
    opRunner('ours NT', fwd, fwd.flops),
    opRunner('ours NN', bwd, bwd.flops, [x, w, y]),
  ];
  if (!s.lora || n >= k) return { runners };
  // Fused LoRA forward on a 576-wide layer at rank r = n: h = x·aᵀ (M,r), y += s·h·bᵀ (M,K).
  const r = n;
  const a = upload(rand(r * k), [r, k], 'bench.lora_a');
  const b = upload(rand(k * r), [k, r], 'bench.lora_b');
  const h = ctx.typedTensor([m, r], 'f32', 'scratch', 'bench.h');
  const yy = ctx.typedTensor([m, k], 'f32', 'scratch', 'bench.yy');
  const dims = { x, a, b, h, y: yy, m, n: k, k, r, scale: 2 };
  const loraFlops = 2 * m * r * 2 * k; // both stages
  const fused = await loraForward(ctx, { ...dims, config: 'rows32' });
  const tuned = await loraForward(ctx, dims);
  runners.push(
    opRunner('LoRA fused', fused, loraFlops),
    opRunner('LoRA tuned', tuned, loraFlops, [a, b, h, yy]),
  );
  return {
    runners,
    loraConfig: ctx.tuning.choice('lora_forward', loraShapeClass(r)) ?? 'rows32',
  };
}

async function naive(s: Shape): Promise<Runner> {
  const { m, k, n } = s;
  const a = upload(rand(m * k), [m, k], 'bench.naive.a');
  const b = upload(rand(k * n), [k, n], 'bench.naive.b');
  const c = ctx.typedTensor([m, n], 'f32', 'scratch', 'bench.naive.c');
  const op = await makeOp(ctx, {
    label: 'bench.matmul_naive',
    code: naiveCode,
    bindings: [a, b, c],
    params: [
      ['u32', m],
      ['u32', n],
      ['u32', k],
    ],
    workgroups: [Math.ceil(n / 8), Math.ceil(m / 8), 1],
    flops: 2 * m * n * k,
  });
  return opRunner('naive', op, op.flops, [a, b, c]);
}

// --- run -----------------------------------------------------------------------------------------
const cores = os.cpus().length;
console.log(
  `adapter: ${adapterName || '(no adapter info)'}; ${cores} CPU cores, load ${os.loadavg()[0].toFixed(1)}`,
);
// One dispatch first starts SwiftShader's worker threads at normal priority; then renice.
const warm = await naive({ name: 'warm-up', m: 64, k: 64, n: 64 });
await warm.run();
warm.dispose();
renice();
// The probe also runs in every shape's rounds, so "% of peak" pairs each sample with a probe
// sample taken moments apart: the share of the cores other tenants leave us drifts during a run.
const alu = await aluProbe();
const peak = medianRate((await timeInterleaved([alu]))[0]);
console.log(
  `ALU probe: ${peak.wall.toFixed(2)} GFLOP/s wall, ${peak.cpu.toFixed(2)} GFLOP/CPU-s ` +
    `(×${cores} cores ≈ ${(peak.cpu * cores).toFixed(1)} GFLOP/s on an idle machine)`,
);

const t0 = performance.now();
await ctx.tuning.tune(timer, [...matmulTuneTasks(ctx), ...loraTuneTasks(ctx)], {
  budgetMs: 20_000, // a full sweep for the record (the runtime default is 5 s)
  onProgress: (p) => {
    if (p.done === p.total) console.log(`autotune: ${p.total} candidates`);
  },
});
console.log(
  `autotune ${((performance.now() - t0) / 1000).toFixed(1)} s: ${JSON.stringify(ctx.tuning.snapshot())}`,
);

const cols = ['ours NT', 'ours NN', 'LoRA fused', 'LoRA tuned', 'naive', 'tfjs', 'jax-js'] as const;
type Col = (typeof cols)[number];
const header = [
  'shape M×K×N',
  ...cols,
  'NT/jax',
  'NN/jax',
  'NT/tfjs',
  'NN/tfjs',
  'NT/naive',
  'NT/peak',
  'NN/peak',
];
const rows: string[][] = [];
const cpuOr = (r: Rate, wall: boolean) => (wall ? r.wall : r.cpu);
const cell = (rs: Rate[] | undefined) => {
  if (!rs?.length) return '-';
  const r = medianRate(rs);
  return `${r.wall.toFixed(2)} (${Number.isFinite(r.cpu) ? r.cpu.toFixed(2) : '?'})`;
};
/**
 * Median of the per-round ratios a/b on the CPU-normalised figures (wall clock where /proc is
 * missing), with their range when there are several rounds; a runner with one sample (too slow to
 * repeat) is compared through its single figure.
 */
const ratio = (as: Rate[] | undefined, bs: Rate[] | undefined) => {
  if (!as?.length || !bs?.length) return '-';
  const wall = !as.every((r) => Number.isFinite(r.cpu)) || !bs.every((r) => Number.isFinite(r.cpu));
  const paired = as.length === bs.length;
  const xs = paired
    ? as.map((a, i) => cpuOr(a, wall) / cpuOr(bs[i], wall))
    : [cpuOr(medianRate(as), wall) / cpuOr(medianRate(bs), wall)];
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  const range = xs.length > 1 ? ` [${lo.toFixed(1)}–${hi.toFixed(1)}]` : '';
  return `${median(xs).toFixed(1)}×${range}`;
};
/** Median [range] over the rounds of ours / the ALU probe of the same round, as a percentage. */
const ofPeak = (rs: Rate[] | undefined, probe: Rate[] | undefined) => {
  if (!rs?.length || !probe?.length || rs.length !== probe.length) return '-';
  const wall = !rs.every((r) => Number.isFinite(r.cpu));
  const xs = rs.map((r, i) => (100 * cpuOr(r, wall)) / cpuOr(probe[i], wall));
  return `${median(xs).toFixed(0)}% [${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}]`;
};

for (const s of shapes) {
  const runners: Runner[] = [];
  const o = await ours(s);
  runners.push(...o.runners, await naive(s), alu);
  try {
    runners.push(tfjsMatmul(s));
  } catch (e) {
    console.warn(`tfjs ${s.name}: ${String(e)}`);
  }
  if (hasJax) {
    try {
      runners.push(await jaxMatmul(s));
    } catch (e) {
      console.warn(`jax-js ${s.name}: ${String(e)}`);
    }
  }
  const samples = await timeInterleaved(runners);
  const by = new Map<string, Rate[]>(runners.map((r, i) => [r.name, samples[i]]));
  for (const r of runners) if (r !== alu) r.dispose();
  const get = (c: Col) => by.get(c);
  const row = [
    s.name,
    cell(get('ours NT')),
    cell(get('ours NN')),
    cell(get('LoRA fused')),
    get('LoRA tuned') ? `${cell(get('LoRA tuned'))} ${o.loraConfig}` : '-',
    cell(get('naive')),
    cell(get('tfjs')),
    cell(get('jax-js')),
    ratio(get('ours NT'), get('jax-js')),
    ratio(get('ours NN'), get('jax-js')),
    ratio(get('ours NT'), get('tfjs')),
    ratio(get('ours NN'), get('tfjs')),
    ratio(get('ours NT'), get('naive')),
    ofPeak(get('ours NT'), by.get('ALU probe')),
    ofPeak(get('ours NN'), by.get('ALU probe')),
  ];
  rows.push(row);
  console.log(`${s.name}: ${row.slice(1).join('  ')}  (load ${os.loadavg()[0].toFixed(1)})`);
}

const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (r: string[]) => `| ${r.map((c, i) => c.padStart(widths[i])).join(' | ')} |`;
console.log(
  `\nGFLOP/s wall (GFLOP per CPU-second of SwiftShader's threads) on ${adapterName || 'this adapter'},` +
    ` medians of ${rounds} interleaved rounds; ALU probe ${peak.wall.toFixed(2)} (${peak.cpu.toFixed(2)}) at the start.` +
    ' Ratios and % of peak: median [range] of the per-round ratios of the CPU-normalised figures' +
    " (the probe runs in every shape's rounds).",
);
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
console.log(
  'ours NT: linear forward X·Wᵀ (W stored (N, K)); ours NN: dX = dY·W, i.e. C = A·B with B stored ' +
    '(K, N) as jax-js and tfjs get it; LoRA fused: our one-dispatch h = x·aᵀ, y += s·h·bᵀ on a ' +
    'K×K layer at rank N (FLOPs of both stages); LoRA tuned: the configuration the autotuner chose ' +
    '(fused rowsN or two matmul dispatches).',
);
process.exit(0);
