// CPU reference for the embedding gather, and bf16 packing of test weights (two per u32, element e
// in word e/2, low half first: the byte layout of a little-endian safetensors bf16 tensor).

/** Rounds f32 values to bf16 (round to nearest even) and packs them; also returns the rounded values. */
export function packBf16(values: ArrayLike<number>): {
  packed: Uint32Array;
  rounded: Float32Array;
} {
  const f = Float32Array.from(values);
  const bits = new Uint32Array(f.buffer);
  const packed = new Uint32Array(Math.ceil(f.length / 2));
  const rounded = new Float32Array(f.length);
  const rbits = new Uint32Array(rounded.buffer);
  for (let i = 0; i < f.length; i++) {
    const b = bits[i];
    const h = ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
    rbits[i] = h << 16;
    packed[i >> 1] |= i & 1 ? h << 16 : h;
  }
  return { packed, rounded };
}

export function embeddingForwardRef(
  ids: ArrayLike<number>,
  weight: ArrayLike<number>,
  V: number,
  C: number,
): Float64Array {
  const out = new Float64Array(ids.length * C);
  for (let t = 0; t < ids.length; t++) {
    const id = ids[t];
    if (id >= V) continue;
    for (let c = 0; c < C; c++) out[t * C + c] = weight[id * C + c];
  }
  return out;
}

/** f32 → IEEE half bits, round to nearest even (handles subnormals, overflow to inf). */
function f16Bits(x: number): number {
  const f = new Float32Array([x]);
  const b = new Uint32Array(f.buffer)[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = m & ((1 << shift) - 1);
    let r = m >>> shift;
    if (rest > half || (rest === half && r & 1)) r++;
    return sign | r;
  }
  let r = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && r & 1)) r++;
  return sign | r;
}

function f16Value(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 0x1f) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** Rounds to f16 and packs two per u32 (low half first); also returns the rounded values. */
export function packF16(values: ArrayLike<number>): { packed: Uint32Array; rounded: Float32Array } {
  const packed = new Uint32Array(Math.ceil(values.length / 2));
  const rounded = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const h = f16Bits(values[i]);
    rounded[i] = f16Value(h);
    packed[i >> 1] |= i & 1 ? h << 16 : h;
  }
  return { packed, rounded };
}
