// Tensor data in the GGUF types written here, from f32 and back: F32, F16 and BF16 element by
// element (round to nearest even), and Q8_0 as gguf-py/gguf/quants.py's Q8_0.quantize_blocks:
// blocks of 32 values, d = max|x| / 127 stored as f16, q = round-half-away-from-zero(x / d) as
// int8 (0 where d is 0); each block is [d: f16][q: 32 × i8], 34 bytes.
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from '../../model/safetensors.ts';
import { kBlock, type GgmlTypeName } from './constants.ts';

export class QuantizeError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'QuantizeError';
  }
}

function quantizeQ8_0(x: Float32Array): Uint8Array {
  if (x.length % 32 !== 0)
    throw new QuantizeError(`Q8_0 needs rows that are multiples of 32 values, got ${x.length}`);
  const nb = x.length / 32;
  const out = new Uint8Array(nb * 34);
  const dv = new DataView(out.buffer);
  for (let b = 0; b < nb; b++) {
    let amax = 0;
    for (let i = 0; i < 32; i++) amax = Math.max(amax, Math.abs(x[b * 32 + i]));
    const d = Math.fround(amax / 127);
    dv.setUint16(b * 34, f32ToF16(d), true);
    for (let i = 0; i < 32; i++) {
      let q = 0;
      if (d !== 0) {
        const v = Math.fround(x[b * 32 + i] / d);
        q = Math.sign(v) * Math.floor(Math.abs(v) + 0.5); // np_roundf: half away from zero
      }
      dv.setInt8(b * 34 + 2 + i, q);
    }
  }
  return out;
}

/** f32 values as bytes of GGML type `t`. */
export function encodeTensor(t: GgmlTypeName, x: Float32Array): Uint8Array {
  switch (t) {
    case 'F32':
      return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
    case 'F16':
    case 'BF16': {
      const conv = t === 'F16' ? f32ToF16 : f32ToBf16;
      const out = new Uint16Array(x.length);
      for (let i = 0; i < x.length; i++) out[i] = conv(x[i]);
      return new Uint8Array(out.buffer);
    }
    case 'Q8_0':
      return quantizeQ8_0(x);
  }
}

/** Bytes of GGML type `t` back to f32 values (`n` elements). */
export function decodeTensor(t: GgmlTypeName, bytes: Uint8Array, n: number): Float32Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(n);
  switch (t) {
    case 'F32':
      for (let i = 0; i < n; i++) out[i] = dv.getFloat32(4 * i, true);
      return out;
    case 'F16':
      for (let i = 0; i < n; i++) out[i] = f16ToF32(dv.getUint16(2 * i, true));
      return out;
    case 'BF16':
      for (let i = 0; i < n; i++) out[i] = bf16ToF32(dv.getUint16(2 * i, true));
      return out;
    case 'Q8_0': {
      const [block, size] = kBlock.Q8_0;
      for (let b = 0; b < n / block; b++) {
        const d = f16ToF32(dv.getUint16(b * size, true));
        for (let i = 0; i < block; i++) out[b * block + i] = d * dv.getInt8(b * size + 2 + i);
      }
      return out;
    }
  }
}
