// Float64 CPU references for the LoRA branch (src/kernels/lora.ts): y += s·(x·aᵀ)·bᵀ and its
// backward. Letters: M rows, K in_features, N out_features, R rank; a (R, K), b (N, R).
import { matmulBackwardInputRef, matmulBackwardWeightRef, matmulForwardRef } from './matmul.ts';

export interface LoraRefForward {
  h: Float64Array; // (M, R)
  y: Float64Array; // (M, N) = y0 + s·h·bᵀ
}

export function loraForwardRef(
  x: ArrayLike<number>,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  y0: ArrayLike<number> | undefined,
  m: number,
  n: number,
  k: number,
  r: number,
  scale: number,
): LoraRefForward {
  const h = matmulForwardRef(x, a, m, r, k);
  const y = matmulForwardRef(h, b, m, n, r, { alpha: scale, y0 });
  return { h, y };
}

export interface LoraRefBackward {
  g: Float64Array; // (M, R) = dy·b
  dx: Float64Array; // (M, K) = dx0 + s·g·a
  da: Float64Array; // (R, K) = da0 + s·gᵀ·x
  db: Float64Array; // (N, R) = db0 + s·dyᵀ·h
}

export function loraBackwardRef(
  x: ArrayLike<number>,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  dy: ArrayLike<number>,
  m: number,
  n: number,
  k: number,
  r: number,
  scale: number,
  init: { dx0?: ArrayLike<number>; da0?: ArrayLike<number>; db0?: ArrayLike<number> } = {},
): LoraRefBackward {
  const h = matmulForwardRef(x, a, m, r, k);
  const g = matmulBackwardInputRef(dy, b, m, n, r);
  const dx = matmulBackwardInputRef(g, a, m, r, k, { alpha: scale, dx0: init.dx0 });
  const da = matmulBackwardWeightRef(g, x, m, r, k, { alpha: scale, dw0: init.da0 });
  const db = matmulBackwardWeightRef(dy, h, m, n, r, { alpha: scale, dw0: init.db0 });
  return { g, dx, da, db };
}
