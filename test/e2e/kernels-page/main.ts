// Kernel check page for test/e2e/kernels-browser.test.ts: runs the matmul and LoRA kernels through
// the same src/kernels launchers (and the same shaders/ files) as Node, on the browser's WebGPU,
// compares against the float64 CPU references, compiles every shaders/*.wgsl (the generated ones
// included) with the browser's WGSL compiler, and publishes the results on `window.__kernels`.
import { acquireDevice } from '../../../src/gpu/device.ts';
import { GpuContext, type Tensor } from '../../../src/gpu/context.ts';
import { runOps, type GpuOp } from '../../../src/gpu/op.ts';
import {
  matmulBackwardInput,
  matmulBackwardWeight,
  matmulForward,
} from '../../../src/kernels/matmul.ts';
import { loraBackward, loraForward } from '../../../src/kernels/lora.ts';
import {
  matmulBackwardInputRef,
  matmulBackwardWeightRef,
  matmulForwardRef,
  pack16,
} from '../../reference/matmul.ts';
import { loraBackwardRef, loraForwardRef } from '../../reference/lora.ts';
import { randomF32 } from '../../helpers/random.ts';

export interface CaseResult {
  name: string;
  count: number;
  /** Largest |gpu − ref| / (atol + rtol·|ref|); ≤ 1 passes. */
  worst: number;
}

/** A shader file and its compile errors in this browser (empty: it compiles). */
export interface CompileResult {
  file: string;
  errors: string[];
}

export interface PageResult {
  adapter: string;
  cases: CaseResult[];
  /** Every shaders/*.wgsl the adapter can run (subgroup shaders only where it has subgroups). */
  compiled: CompileResult[];
  error?: string;
}

const kShaders: Record<string, string> = import.meta.glob<string>('../../../shaders/*.wgsl', {
  query: '?raw',
  import: 'default',
  eager: true,
});

/** Compiles each shader file on `device` and collects its error messages. */
async function compileAll(device: GPUDevice): Promise<CompileResult[]> {
  const subgroups = device.features.has('subgroups');
  const out: CompileResult[] = [];
  for (const [path, code] of Object.entries(kShaders)) {
    if (!subgroups && /^enable subgroups;/m.test(code)) continue;
    const file = path.split('/').pop()!;
    const module = device.createShaderModule({ label: file, code });
    const info = await module.getCompilationInfo();
    const errors = info.messages
      .filter((m) => m.type === 'error')
      .map((m) => `${m.lineNum}:${m.linePos} ${m.message}`);
    out.push({ file, errors });
  }
  return out;
}

declare global {
  interface Window {
    __kernels?: PageResult;
  }
}

function compare(name: string, got: Float32Array, ref: ArrayLike<number>, red: number): CaseResult {
  const atol = 2e-6 * Math.sqrt(red);
  const rtol = 1e-3;
  let worst = got.length === ref.length ? 0 : Infinity;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i];
    const e = Math.abs(got[i] - r) / (atol + rtol * Math.abs(r));
    if (!(e <= worst)) worst = Number.isNaN(e) ? Infinity : Math.max(worst, e);
  }
  return { name, count: ref.length, worst };
}

async function run(): Promise<PageResult> {
  const { device, info } = await acquireDevice(navigator.gpu);
  const ctx = new GpuContext(device, info);
  const cases: CaseResult[] = [];
  const f32 = (d: Float32Array, shape: number[], label: string): Tensor =>
    ctx.typedTensorFrom(d, shape, 'f32', 'scratch', label);
  const exec = async (op: GpuOp, out: Tensor, count: number) => {
    runOps(ctx, op.label, [op]);
    op.destroy();
    return ctx.readF32(out, count);
  };

  // matmul forward, f32, odd sizes, bias and accumulate.
  {
    const [m, n, k] = [33, 45, 127];
    const xs = randomF32(m * k, 1);
    const ws = randomF32(n * k, 2, 1 / Math.sqrt(k));
    const bs = randomF32(n, 3);
    const y0 = randomF32(m * n, 4);
    const x = f32(xs, [m, k], 'x');
    const w = f32(ws, [n, k], 'w');
    const bias = f32(bs, [n], 'bias');
    const y = f32(y0, [m, n], 'y');
    const op = await matmulForward(ctx, { x, w, y, bias, m, n, k, accumulate: true });
    const got = await exec(op, y, m * n);
    cases.push(
      compare('matmul_forward f32', got, matmulForwardRef(xs, ws, m, n, k, { bias: bs, y0 }), k),
    );
  }
  // matmul forward and input gradient with bf16 weights (SmolLM2 widths, few rows).
  {
    const [m, n, k] = [6, 1536, 576];
    const xs = randomF32(m * k, 5);
    const { packed, values } = pack16(randomF32(n * k, 6, 1 / Math.sqrt(k)), 'bf16');
    const x = f32(xs, [m, k], 'x');
    const w = ctx.typedTensorFrom(packed, [n, k], 'bf16', 'weights', 'w');
    const y = ctx.typedTensor([m, n], 'f32', 'scratch', 'y');
    const got = await exec(await matmulForward(ctx, { x, w, y, m, n, k }), y, m * n);
    cases.push(compare('matmul_forward bf16', got, matmulForwardRef(xs, values, m, n, k), k));
    const dys = randomF32(m * n, 7, 1 / Math.sqrt(n));
    const dy = f32(dys, [m, n], 'dy');
    const dx = ctx.typedTensor([m, k], 'f32', 'scratch', 'dx');
    const gotDx = await exec(await matmulBackwardInput(ctx, { dy, w, dx, m, n, k }), dx, m * k);
    cases.push(
      compare('matmul_backward_input bf16', gotDx, matmulBackwardInputRef(dys, values, m, n, k), n),
    );
  }
  // The workgroup-memory tiled matmul (the GPU candidate the autotuner adds off CPU adapters),
  // forced: 64 × 64 tiles with ragged edges, bf16 weights.
  {
    const [m, n, k] = [70, 68, 132];
    const xs = randomF32(m * k, 16);
    const { packed, values } = pack16(randomF32(n * k, 17, 1 / Math.sqrt(k)), 'bf16');
    const x = f32(xs, [m, k], 'x');
    const w = ctx.typedTensorFrom(packed, [n, k], 'bf16', 'weights', 'w');
    const y = ctx.typedTensor([m, n], 'f32', 'scratch', 'y');
    const op = await matmulForward(ctx, { x, w, y, m, n, k, config: 't16x16' });
    const got = await exec(op, y, m * n);
    cases.push(compare('matmul_forward tiled bf16', got, matmulForwardRef(xs, values, m, n, k), k));
  }
  // matmul weight gradient (+=).
  {
    const [m, n, k] = [100, 37, 29];
    const dys = randomF32(m * n, 8);
    const xs = randomF32(m * k, 9, 1 / Math.sqrt(m));
    const dw0 = randomF32(n * k, 10);
    const dy = f32(dys, [m, n], 'dy');
    const x = f32(xs, [m, k], 'x');
    const dw = f32(dw0, [n, k], 'dw');
    const got = await exec(await matmulBackwardWeight(ctx, { dy, x, dw, m, n, k }), dw, n * k);
    cases.push(
      compare('matmul_backward_weight', got, matmulBackwardWeightRef(dys, xs, m, n, k, { dw0 }), m),
    );
  }
  // LoRA forward + backward, rank 16 on a 576-wide layer.
  {
    const [m, n, k, r] = [70, 576, 576, 16];
    const scale = 2;
    const xs = randomF32(m * k, 11);
    const as = randomF32(r * k, 12, 1 / Math.sqrt(k));
    const bs = randomF32(n * r, 13, 1 / Math.sqrt(r));
    const dys = randomF32(m * n, 14, 1 / Math.sqrt(n));
    const y0 = randomF32(m * n, 15);
    const x = f32(xs, [m, k], 'x');
    const a = f32(as, [r, k], 'a');
    const b = f32(bs, [n, r], 'b');
    const y = f32(y0, [m, n], 'y');
    const h = ctx.typedTensor([m, r], 'f32', 'scratch', 'h');
    const dy = f32(dys, [m, n], 'dy');
    const g = ctx.typedTensor([m, r], 'f32', 'scratch', 'g');
    const dx = f32(new Float32Array(m * k), [m, k], 'dx');
    const da = f32(new Float32Array(r * k), [r, k], 'da');
    const db = f32(new Float32Array(n * r), [n, r], 'db');
    const dims = { m, n, k, r, scale };
    const fwd = await loraForward(ctx, { x, a, b, h, y, ...dims });
    const bwd = await loraBackward(ctx, { x, a, b, h, dy, g, dx, da, db, ...dims });
    runOps(ctx, 'lora', [fwd, bwd]);
    const ref = loraForwardRef(xs, as, bs, y0, m, n, k, r, scale);
    const refB = loraBackwardRef(xs, as, bs, dys, m, n, k, r, scale);
    cases.push(compare('lora_forward y', await ctx.readF32(y, m * n), ref.y, k));
    cases.push(compare('lora_backward dx', await ctx.readF32(dx, m * k), refB.dx, n));
    cases.push(compare('lora_backward da', await ctx.readF32(da, r * k), refB.da, Math.max(m, n)));
    cases.push(compare('lora_backward db', await ctx.readF32(db, n * r), refB.db, Math.max(m, k)));
    fwd.destroy();
    bwd.destroy();
  }
  const compiled = await compileAll(device);
  const adapter = [info.vendor, info.architecture, info.description].filter(Boolean).join(' / ');
  device.destroy();
  return { adapter, cases, compiled };
}

const log = document.getElementById('log')!;
run()
  .then((res) => {
    window.__kernels = res;
    log.textContent = JSON.stringify(res, null, 2);
  })
  .catch((e: unknown) => {
    window.__kernels = {
      adapter: '',
      cases: [],
      compiled: [],
      error: e instanceof Error ? (e.stack ?? e.message) : String(e),
    };
    log.textContent = String(e);
  });
