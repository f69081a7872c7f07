// Reading a GGUF file held in memory (tests and verification of what the writer produced): the
// metadata as plain values, each tensor's info and bytes, and its values decoded to f32. Follows
// the same layout as writer.ts (gguf-py/gguf/gguf_reader.py reads it the same way).
import {
  kGgmlTypeName,
  kGgufAlignment,
  kGgufMagic,
  tensorBytes,
  ValueType,
  type GgmlTypeName,
} from './constants.ts';
import { decodeTensor } from './quant.ts';

export type GgufReadValue =
  string | number | bigint | boolean | (string | number | bigint | boolean)[];

export interface GgufReadTensor {
  name: string;
  /** Row-major shape (the file's dims reversed). */
  shape: number[];
  type: GgmlTypeName;
  bytes: Uint8Array;
}

export interface GgufFile {
  version: number;
  metadata: Map<string, GgufReadValue>;
  tensors: Map<string, GgufReadTensor>;
  /** Tensor names in file order. */
  order: string[];
}

export class GgufReadError extends Error {
  constructor(detail: string) {
    super(`not a readable GGUF file: ${detail}`);
    this.name = 'GgufReadError';
  }
}

export function readGguf(bytes: Uint8Array): GgufFile {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const need = (n: number) => {
    if (at + n > bytes.length) throw new GgufReadError(`truncated at byte ${at}`);
  };
  const u32 = () => (need(4), (at += 4), dv.getUint32(at - 4, true));
  const u64 = () => (need(8), (at += 8), Number(dv.getBigUint64(at - 8, true)));
  const str = () => {
    const n = u64();
    need(n);
    at += n;
    return new TextDecoder().decode(bytes.subarray(at - n, at));
  };
  const scalar = (t: number): string | number | bigint | boolean => {
    switch (t) {
      case ValueType.UINT8:
        need(1);
        return dv.getUint8(at++);
      case ValueType.INT8:
        need(1);
        return dv.getInt8(at++);
      case ValueType.UINT16:
        need(2);
        at += 2;
        return dv.getUint16(at - 2, true);
      case ValueType.INT16:
        need(2);
        at += 2;
        return dv.getInt16(at - 2, true);
      case ValueType.UINT32:
        return u32();
      case ValueType.INT32:
        need(4);
        at += 4;
        return dv.getInt32(at - 4, true);
      case ValueType.FLOAT32:
        need(4);
        at += 4;
        return dv.getFloat32(at - 4, true);
      case ValueType.BOOL:
        need(1);
        return dv.getUint8(at++) !== 0;
      case ValueType.STRING:
        return str();
      case ValueType.UINT64:
        need(8);
        at += 8;
        return dv.getBigUint64(at - 8, true);
      case ValueType.INT64:
        need(8);
        at += 8;
        return dv.getBigInt64(at - 8, true);
      case ValueType.FLOAT64:
        need(8);
        at += 8;
        return dv.getFloat64(at - 8, true);
      default:
        throw new GgufReadError(`unknown value type ${t} at byte ${at}`);
    }
  };
  if (u32() !== kGgufMagic) throw new GgufReadError('the magic is not "GGUF"');
  const version = u32();
  const nTensors = u64();
  const nKv = u64();
  const metadata = new Map<string, GgufReadValue>();
  for (let i = 0; i < nKv; i++) {
    const key = str();
    const t = u32();
    if (t === ValueType.ARRAY) {
      const et = u32();
      const n = u64();
      const arr: (string | number | bigint | boolean)[] = [];
      for (let k = 0; k < n; k++) arr.push(scalar(et));
      metadata.set(key, arr);
    } else metadata.set(key, scalar(t));
  }
  const infos: { name: string; shape: number[]; type: GgmlTypeName; offset: number }[] = [];
  for (let i = 0; i < nTensors; i++) {
    const name = str();
    const nd = u32();
    const dims: number[] = [];
    for (let d = 0; d < nd; d++) dims.push(u64());
    const typeId = u32();
    const type = kGgmlTypeName[typeId];
    if (type === undefined)
      throw new GgufReadError(`${name} has GGML type ${typeId}, not read here`);
    infos.push({ name, shape: dims.reverse(), type, offset: u64() });
  }
  const align = Number(metadata.get('general.alignment') ?? kGgufAlignment);
  const dataStart = Math.ceil(at / align) * align;
  const tensors = new Map<string, GgufReadTensor>();
  for (const t of infos) {
    const n = tensorBytes(
      t.type,
      t.shape.reduce((a, d) => a * d, 1),
    );
    const start = dataStart + t.offset;
    if (start + n > bytes.length)
      throw new GgufReadError(`${t.name} runs past the end of the file`);
    tensors.set(t.name, {
      name: t.name,
      shape: t.shape,
      type: t.type,
      bytes: bytes.subarray(start, start + n),
    });
  }
  return { version, metadata, tensors, order: infos.map((t) => t.name) };
}

/** A tensor's values as f32 (Q8_0 dequantized). */
export function tensorValues(t: GgufReadTensor): Float32Array {
  return decodeTensor(
    t.type,
    t.bytes,
    t.shape.reduce((a, d) => a * d, 1),
  );
}
