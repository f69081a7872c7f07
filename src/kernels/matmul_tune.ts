// Autotuning tasks of the matmul kernels: per kernel (X·Wᵀ, dY·W, dYᵀ·X) and shape class, the
// candidate configurations (matmul_configs.ts) and a small representative shape to time them on.
// src/kernels/tune.ts gathers these with the LoRA ones for the hosts.
import type { GpuContext } from '../gpu/context.ts';
import type { TuneTask } from '../gpu/autotune.ts';
import type { GpuOp } from '../gpu/op.ts';
import { cpuAdapter } from './launch.ts';
import { matmulBackwardInput, matmulBackwardWeight, matmulForward } from './matmul.ts';
import { defaultConfig, kMatmulConfigs, subgroupMatmulOk } from './matmul_configs.ts';

// Candidates per class (each one is a pipeline compile, so keep the lists short).
// The vec4 shader won every LLM shape measured on SwiftShader (README); the scalar ones stay in the
// running for adapters where it does not (and for the weight gradient, which has no vec4 form).
// Three per task keeps the whole tuning (compiles included) to seconds.
// dY·W: the vec4 shader at 16×4 ran at half the scalar one's rate on SwiftShader, at 1×64 (a
// subgroup's lanes share columns, so their B loads coincide) at 1.3× it.
const kWideCandidates = ['sg64', 'v1x64', 'v16x4', 'wg8x8'];
const kForwardWideCandidates = ['v16x4', 'sg64', 'v16x8', 'wg8x8'];
const kNarrowCandidates = ['v1x64', 'v2x32', 'wg1x64', 'sg64'];
const kScalarWideCandidates = ['wg8x8', 'wg16x4', 'wg4x16'];
const kScalarNarrowCandidates = ['wg1x64', 'wg2x32', 'wg4x16'];

type Kernel = 'matmul_forward' | 'matmul_backward_input' | 'matmul_backward_weight';

/** A representative shape (m, n, k in layer letters) per kernel and shape class. */
const kTuneShapes: { kernel: Kernel; shapeClass: string; m: number; n: number; k: number }[] = [
  // 'large' at 512 rows: at 128 rows a candidate takes ~20 ms on SwiftShader and the vec4 shader's
  // lead (~20%) was within a busy machine's noise (the tuner kept the scalar one on some runs); at
  // 512 rows it leads by 30-45%, as on layer-sized products.
  { kernel: 'matmul_forward', shapeClass: 'large', m: 512, n: 384, k: 384 },
  { kernel: 'matmul_forward', shapeClass: 'narrow', m: 512, n: 16, k: 384 },
  { kernel: 'matmul_forward', shapeClass: 'shallow', m: 512, n: 384, k: 16 },
  { kernel: 'matmul_backward_input', shapeClass: 'large', m: 512, n: 384, k: 384 },
  // 16 output columns: LoRA's g = dY·B when its backward runs as two matmuls.
  { kernel: 'matmul_backward_input', shapeClass: 'narrow', m: 512, n: 384, k: 16 },
  { kernel: 'matmul_backward_weight', shapeClass: 'large', m: 128, n: 384, k: 384 },
  { kernel: 'matmul_backward_weight', shapeClass: 'narrow', m: 512, n: 384, k: 16 },
];

/**
 * Autotune tasks for the matmul kernels: pass them to `ctx.tuning.tune(timer, tasks, opts)`.
 * Each candidate is one configuration (shader and workgroup shape), timed on a small
 * representative shape of its class.
 */
export function matmulTuneTasks(ctx: GpuContext): TuneTask[] {
  // Off CPU adapters the workgroup-memory tiled shader joins the wide products' candidates.
  const tiled = cpuAdapter(ctx) ? [] : ['t16x16'];
  return kTuneShapes.map(({ kernel, shapeClass, m, n, k }) => ({
    kernel,
    shapeClass,
    candidates:
      kernel === 'matmul_backward_weight'
        ? shapeClass === 'narrow'
          ? kScalarNarrowCandidates
          : kScalarWideCandidates
        : shapeClass === 'narrow'
          ? kNarrowCandidates
          : kernel === 'matmul_forward'
            ? [...kForwardWideCandidates, ...tiled]
            : [...kWideCandidates, ...tiled],
    // The default for the tuning shape's output width (`k` columns for the backward forms); every
    // tuning shape's sizes are multiples of 4, so the vec4 shader can run it.
    preferred: defaultConfig(
      kernel === 'matmul_forward' ? n : k,
      kernel !== 'matmul_backward_weight',
      kernel !== 'matmul_backward_weight' && subgroupMatmulOk(ctx),
    ),
    async build(candidate: string) {
      if (kMatmulConfigs[candidate]?.kind === 'subgroup' && !subgroupMatmulOk(ctx)) {
        throw new Error(`${candidate}: this adapter has no usable subgroups`);
      }
      const a = ctx.tensor(4 * m * Math.max(n, k), 'scratch', 'tune.a');
      const b = ctx.tensor(4 * n * k, 'scratch', 'tune.b');
      const c = ctx.tensor(4 * m * Math.max(n, k), 'scratch', 'tune.c');
      const free = () => [a, b, c].forEach((t) => ctx.release(t));
      const common = { m, n, k, label: `tune.${kernel}`, config: candidate };
      let op: GpuOp;
      try {
        op =
          kernel === 'matmul_forward'
            ? await matmulForward(ctx, { x: a, w: b, y: c, ...common })
            : kernel === 'matmul_backward_input'
              ? await matmulBackwardInput(ctx, { dy: a, w: b, dx: c, ...common })
              : await matmulBackwardWeight(ctx, { dy: a, x: c, dw: b, ...common });
      } catch (e) {
        free();
        throw e;
      }
      return {
        record: (pass: GPUComputePassEncoder) => op.record(pass),
        dispose: () => {
          op.destroy();
          free();
        },
      };
    },
  }));
}
