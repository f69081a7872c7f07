// Matmul configurations: which shader (scalar 8×8, vec4 4×8, subgroup 4×8, or workgroup-memory
// tiled) and which workgroup shape runs a product, the shape classes the autotuner keys its choice
// by, the default before tuning, and the dispatch grid of each. The launchers (matmul.ts) and the
// tuning tasks (matmul_tune.ts) share them. Every configuration listed is a default for some
// output width or a tuning candidate (matmul_tune.ts): a variant no adapter picks goes away.
import type { GpuContext } from '../gpu/context.ts';
import { subgroupSharingOk } from './launch.ts';

/**
 * Configurations the autotuner chooses from: the shader (`scalar` matmul_forward.wgsl, 8×8 outputs
 * per invocation; `vec4` matmul_nt_forward.wgsl / matmul_nn_forward.wgsl, 4×8; `subgroup`
 * matmul_ntsg_forward.wgsl / matmul_nnsg_forward.wgsl, 4×8 with x along rows; `tiled` matmul_tiled_forward.wgsl, 4×4 in 64×64 workgroup tiles) and its
 * workgroup shape (WG_X invocations along output columns, WG_Y along rows).
 */
export interface MatmulConfig {
  kind: 'scalar' | 'vec4' | 'subgroup' | 'tiled';
  WG_X: number;
  WG_Y: number;
}

export const kMatmulConfigs: Record<string, MatmulConfig> = {
  wg8x8: { kind: 'scalar', WG_X: 8, WG_Y: 8 },
  wg16x4: { kind: 'scalar', WG_X: 16, WG_Y: 4 },
  wg4x16: { kind: 'scalar', WG_X: 4, WG_Y: 16 },
  wg2x32: { kind: 'scalar', WG_X: 2, WG_Y: 32 },
  wg1x64: { kind: 'scalar', WG_X: 1, WG_Y: 64 },
  v16x4: { kind: 'vec4', WG_X: 16, WG_Y: 4 },
  v16x8: { kind: 'vec4', WG_X: 16, WG_Y: 8 },
  v4x16: { kind: 'vec4', WG_X: 4, WG_Y: 16 },
  v2x32: { kind: 'vec4', WG_X: 2, WG_Y: 32 },
  v1x64: { kind: 'vec4', WG_X: 1, WG_Y: 64 },
  // matmul_ntsg_forward.wgsl (X·Wᵀ) / matmul_nnsg_forward.wgsl (dY·W): B shared across each
  // subgroup (x runs along rows).
  sg64: { kind: 'subgroup', WG_X: 64, WG_Y: 1 },
  // matmul_tiled_forward.wgsl (both forms): 64 × 64 tiles of C through workgroup memory.
  t16x16: { kind: 'tiled', WG_X: 16, WG_Y: 16 },
};

/** Output rows × columns one invocation computes. */
const kBlock: Record<MatmulConfig['kind'], { rows: number; cols: number }> = {
  scalar: { rows: 8, cols: 8 },
  vec4: { rows: 4, cols: 8 },
  subgroup: { rows: 4, cols: 8 },
  tiled: { rows: 4, cols: 4 },
};

/** Whether the subgroup shaders (matmul_ntsg / matmul_nnsg) can run here (launch.ts). */
export const subgroupMatmulOk = subgroupSharingOk;

/** Shape classes: outputs (rows × cols) with reduction depth `red`. */
export function matmulShapeClass(rows: number, cols: number, red: number): string {
  if (cols <= 16) return 'narrow';
  if (red <= 64) return 'shallow';
  if (rows <= 64) return 'short';
  return 'large';
}

/**
 * Default before tuning: the subgroup shader where subgroups and the shape allow it, else the vec4
 * shader when the shape allows it, with no more columns of threads than the output needs (8 output
 * columns per invocation either way), else the scalar one.
 */
export function defaultConfig(cols: number, vec4 = false, subgroup = false): string {
  const blocks = Math.ceil(cols / 8);
  // Usable subgroups: the subgroup shader, at any width (SwiftShader: X·Wᵀ 1.2-1.45× the vec4 one;
  // dY·W 1.3-1.6× the scalar one and 2.5× the vec4 one at 16×4; 16 output columns, as LoRA's
  // dY·B, 1.6× the vec4 one at 2×32).
  if (vec4 && subgroup) return 'sg64';
  const p = vec4 ? 'v' : 'wg';
  if (blocks <= 1) return `${p}1x64`;
  if (blocks <= 2) return `${p}2x32`;
  if (blocks <= 4) return `${p}4x16`;
  return vec4 ? 'v16x4' : 'wg8x8';
}

/**
 * The configuration for one dispatch: forced, else tuned, else the default. A choice this form or
 * shape cannot run (vec4 without `vec4Ok`; subgroup without `subgroupOk`) falls back to the default.
 */
export function pickConfig(
  ctx: GpuContext,
  kernel: string,
  rows: number,
  cols: number,
  red: number,
  forced: string | undefined,
  vec4Ok: boolean,
  subgroupOk = false,
): MatmulConfig {
  const chosen =
    kMatmulConfigs[forced ?? ctx.tuning.choice(kernel, matmulShapeClass(rows, cols, red)) ?? ''];
  const ok = { scalar: true, vec4: vec4Ok, subgroup: subgroupOk && vec4Ok, tiled: vec4Ok };
  if (chosen && ok[chosen.kind]) return chosen;
  return kMatmulConfigs[defaultConfig(cols, vec4Ok, subgroupOk)];
}

export function grid(rows: number, cols: number, cfg: MatmulConfig): [number, number, number] {
  const b = kBlock[cfg.kind];
  // The subgroup shader runs x along rows (a workgroup shares its columns), the others along columns.
  if (cfg.kind === 'subgroup') {
    return [Math.ceil(rows / (b.rows * cfg.WG_X)), Math.ceil(cols / b.cols), 1];
  }
  return [Math.ceil(cols / (b.cols * cfg.WG_X)), Math.ceil(rows / (b.rows * cfg.WG_Y)), 1];
}
