// CPU reference for dropout's counter-based RNG, Philox2x32-10 (Random123), bit-exact with
// shaders/dropout_forward.wgsl, and the dropout forward/backward built on it: counter =
// (floor(i / 2), site), key = the micro-batch seed; element i is kept iff word i % 2 of the
// output >= round(p · 2^32).

function mulhilo(a: number, b: number): [number, number] {
  const p = BigInt(a >>> 0) * BigInt(b >>> 0);
  return [Number(p >> 32n), Number(p & 0xffffffffn)];
}

export function philox2x32_10(c0: number, c1: number, key: number): [number, number] {
  let x = c0 >>> 0;
  let y = c1 >>> 0;
  let k = key >>> 0;
  for (let r = 0; r < 10; r++) {
    const [hi, lo] = mulhilo(0xd256d193, x);
    x = (hi ^ k ^ y) >>> 0;
    y = lo;
    k = (k + 0x9e3779b9) >>> 0;
  }
  return [x, y];
}

export function dropoutMaskRef(n: number, p: number, seed: number, site: number): Uint8Array {
  const threshold = Math.min(0xffffffff, Math.round(p * 2 ** 32));
  const keep = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    keep[i] = philox2x32_10(Math.floor(i / 2), site, seed)[i % 2] >= threshold ? 1 : 0;
  }
  return keep;
}

/**
 * keep · x · f32(1/(1−p)), each product rounded to f32 once; with `base`, the backward's
 * accumulation base + that (one more f32 rounding).
 */
export function dropoutRef(
  x: ArrayLike<number>,
  keep: Uint8Array,
  p: number,
  base?: ArrayLike<number>,
): Float64Array {
  const scale = Math.fround(1 / (1 - p));
  return Float64Array.from({ length: x.length }, (_, i) => {
    const y = keep[i] ? Math.fround(x[i] * scale) : 0;
    return base ? Math.fround(base[i] + y) : y;
  });
}
