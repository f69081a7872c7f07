// Element types of safetensors files and conversions between them and f32. bf16 is the top half
// of an f32 (round to nearest even on the way down); f16 is IEEE half. All little-endian.

/** Every dtype the safetensors format defines, with its element size in bytes. */
export const kSafetensorsDtypeBytes: Record<string, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};

/** The float types the engine reads and writes. */
export type FloatDtype = 'F32' | 'F16' | 'BF16';

export class UnsupportedDtypeError extends Error {
  constructor(what: string, dtype: string) {
    super(`${what}: dtype ${dtype} is not supported (only F32, F16 and BF16 tensors can be used)`);
    this.name = 'UnsupportedDtypeError';
  }
}

export function isFloatDtype(d: string): d is FloatDtype {
  return d === 'F32' || d === 'F16' || d === 'BF16';
}

export function dtypeBytes(d: FloatDtype): number {
  return d === 'F32' ? 4 : 2;
}

/** A typed view on bytes; copies only when the bytes are not aligned for the element type. */
function view<T>(
  bytes: Uint8Array,
  size: number,
  ctor: new (b: ArrayBuffer, o: number, n: number) => T,
): T {
  if (bytes.byteOffset % size !== 0) bytes = bytes.slice();
  return new ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength / size);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function bf16ToF32(h: number): number {
  u32[0] = h << 16;
  return f32[0];
}

/** Round-to-nearest-even, NaN kept quiet, as torch's `.to(torch.bfloat16)`. */
export function f32ToBf16(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  if ((bits & 0x7fffffff) > 0x7f800000) return (bits >>> 16) | 0x40;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

export function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** Round-to-nearest-even f32 → f16 bits (overflow → ±Inf, subnormals kept). */
export function f32ToF16(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let r = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    if (rem > half || (rem === half && r & 1)) r++;
    return sign | r;
  }
  let r = mant >>> 13;
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && r & 1)) {
    r++;
    if (r === 0x400) {
      r = 0;
      e++;
      if (e >= 31) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | r;
}

/** Decode little-endian tensor bytes of a float dtype to f32. */
export function toFloat32(dtype: string, bytes: Uint8Array): Float32Array {
  if (dtype === 'F32') return view(bytes, 4, Float32Array).slice();
  if (dtype === 'BF16') {
    const h = view(bytes, 2, Uint16Array);
    const out = new Uint32Array(h.length);
    for (let i = 0; i < h.length; i++) out[i] = h[i] << 16;
    return new Float32Array(out.buffer);
  }
  if (dtype === 'F16') {
    const h = view(bytes, 2, Uint16Array);
    const out = new Float32Array(h.length);
    for (let i = 0; i < h.length; i++) out[i] = f16ToF32(h[i]);
    return out;
  }
  throw new UnsupportedDtypeError('toFloat32', dtype);
}

/** Encode f32 values as little-endian bytes of a float dtype (rounding to nearest even). */
export function fromFloat32(dtype: FloatDtype, values: Float32Array): Uint8Array {
  if (dtype === 'F32') return new Uint8Array(values.slice().buffer);
  const out = new Uint16Array(values.length);
  const conv = dtype === 'BF16' ? f32ToBf16 : f32ToF16;
  for (let i = 0; i < values.length; i++) out[i] = conv(values[i]);
  return new Uint8Array(out.buffer);
}
