// Float64 CPU references for the linear-layer matmuls (src/kernels/matmul.ts), plus bf16/f16
// packing helpers. Letters: M rows (B·T), N out_features, K in_features; W is (N, K).

/** y (M, N) = alpha · x (M, K) · w (N, K)ᵀ (+ bias (N)) (+ y0 when accumulating). */
export function matmulForwardRef(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  m: number,
  n: number,
  k: number,
  opts: { bias?: ArrayLike<number>; alpha?: number; y0?: ArrayLike<number> } = {},
): Float64Array {
  const alpha = opts.alpha ?? 1;
  const y = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += x[i * k + p] * w[j * k + p];
      let v = alpha * s;
      if (opts.bias) v += opts.bias[j];
      if (opts.y0) v += opts.y0[i * n + j];
      y[i * n + j] = v;
    }
  }
  return y;
}

/** dx (M, K) = alpha · dy (M, N) · w (N, K) (+ dx0). */
export function matmulBackwardInputRef(
  dy: ArrayLike<number>,
  w: ArrayLike<number>,
  m: number,
  n: number,
  k: number,
  opts: { alpha?: number; dx0?: ArrayLike<number> } = {},
): Float64Array {
  const alpha = opts.alpha ?? 1;
  const dx = new Float64Array(m * k);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const g = dy[i * n + j];
      if (g === 0) continue;
      for (let p = 0; p < k; p++) dx[i * k + p] += g * w[j * k + p];
    }
  }
  for (let i = 0; i < m * k; i++) dx[i] = alpha * dx[i] + (opts.dx0 ? opts.dx0[i] : 0);
  return dx;
}

/** dw (N, K) = alpha · dy (M, N)ᵀ · x (M, K) (+ dw0). */
export function matmulBackwardWeightRef(
  dy: ArrayLike<number>,
  x: ArrayLike<number>,
  m: number,
  n: number,
  k: number,
  opts: { alpha?: number; dw0?: ArrayLike<number> } = {},
): Float64Array {
  const alpha = opts.alpha ?? 1;
  const dw = new Float64Array(n * k);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const g = dy[i * n + j];
      if (g === 0) continue;
      for (let p = 0; p < k; p++) dw[j * k + p] += g * x[i * k + p];
    }
  }
  for (let i = 0; i < n * k; i++) dw[i] = alpha * dw[i] + (opts.dw0 ? opts.dw0[i] : 0);
  return dw;
}

/** Σ g ⊙ y: the scalar loss whose gradient w.r.t. y is g (for finite-difference checks). */
export function dotLoss(g: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += g[i] * y[i];
  return s;
}

/**
 * Central finite differences of `loss` w.r.t. entries `idx` of `v` (perturbed in place and
 * restored), in float64.
 */
export function finiteDiff(
  v: Float64Array | Float32Array,
  idx: readonly number[],
  loss: () => number,
  h: number,
): number[] {
  return idx.map((i) => {
    const orig = v[i];
    v[i] = orig + h;
    const lp = loss();
    v[i] = orig - h;
    const lm = loss();
    v[i] = orig;
    return (lp - lm) / (2 * h);
  });
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** bf16 bits of an f32 (round to nearest even). */
export function bf16Bits(v: number): number {
  f32[0] = v;
  const b = u32[0];
  return ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
}

/** f16 bits of an f32 (round to nearest even; overflow to inf). */
export function f16Bits(v: number): number {
  f32[0] = v;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = ((b >>> 23) & 0xff) - 127 + 15;
  let mant = b & 0x7fffff;
  if (exp >= 31) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - exp;
    const half = 1 << (shift - 1);
    let r = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    if (rem > half || (rem === half && (r & 1) === 1)) r++;
    return sign | r;
  }
  let r = (exp << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (r & 1) === 1)) r++;
  return sign | r;
}

function bitsToF32(dtype: 'bf16' | 'f16', bits: number): number {
  if (dtype === 'bf16') {
    u32[0] = bits << 16;
    return f32[0];
  }
  const e = (bits >>> 10) & 0x1f;
  const m = bits & 0x3ff;
  const s = bits & 0x8000 ? -1 : 1;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/**
 * Packs `v` as bf16 or f16, two per u32 (element e in word e/2, low half first: the raw bytes of a
 * safetensors tensor), and returns the values the GPU will see after unpacking.
 */
export function pack16(
  v: ArrayLike<number>,
  dtype: 'bf16' | 'f16',
): { packed: Uint32Array; values: Float32Array } {
  const packed = new Uint32Array(Math.ceil(v.length / 2));
  const values = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const bits = dtype === 'bf16' ? bf16Bits(v[i]) : f16Bits(v[i]);
    packed[i >> 1] |= bits << ((i & 1) * 16);
    values[i] = bitsToF32(dtype, bits);
  }
  return { packed, values };
}
