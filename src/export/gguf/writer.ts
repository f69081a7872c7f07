// A GGUF v3 file as a stream of byte chunks (gguf-py/gguf/gguf_writer.py layout):
//   header: magic u32, version u32 = 3, tensor count u64, metadata count u64,
//   metadata: key (u64 length + UTF-8), value type u32, value (arrays: element type u32, count
//   u64, elements), tensor infos: name, n_dims u32, dims u64 (ggml order: innermost first, i.e.
//   the reverse of the row-major shape), type u32, offset u64 (into the data section),
//   then padding to the alignment (32), then each tensor's bytes padded to the alignment.
// Every tensor's size follows from its shape and type, so the header goes out first and the
// tensors follow as the caller produces them, one at a time: nothing holds two copies of a model.
import {
  kGgmlType,
  kGgufAlignment,
  kGgufMagic,
  kGgufVersion,
  tensorBytes,
  ValueType,
  type GgmlTypeName,
  type ValueTypeId,
} from './constants.ts';

/** A metadata value with its GGUF type. */
export type GgufValue =
  | { type: 'string'; value: string }
  | { type: 'u32' | 'i32' | 'f32' | 'u64'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string[]'; value: readonly string[] }
  | { type: 'i32[]' | 'f32[]'; value: ArrayLike<number> };

export type GgufMetadata = [key: string, value: GgufValue][];

/** What the header says of a tensor; its bytes come later. */
export interface GgufTensorInfo {
  name: string;
  /** Row-major shape (as in safetensors); written reversed. */
  shape: number[];
  type: GgmlTypeName;
}

export class GgufWriteError extends Error {
  constructor(detail: string) {
    super(`GGUF: ${detail}`);
    this.name = 'GgufWriteError';
  }
}

/** A growable little-endian byte buffer. */
class Bytes {
  private buf = new Uint8Array(1 << 16);
  private dv = new DataView(this.buf.buffer);
  length = 0;
  private room(n: number) {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.dv = new DataView(next.buffer);
  }
  u8(v: number) {
    this.room(1);
    this.dv.setUint8(this.length, v);
    this.length += 1;
  }
  i32(v: number) {
    this.room(4);
    this.dv.setInt32(this.length, v, true);
    this.length += 4;
  }
  u32(v: number) {
    this.room(4);
    this.dv.setUint32(this.length, v, true);
    this.length += 4;
  }
  f32(v: number) {
    this.room(4);
    this.dv.setFloat32(this.length, v, true);
    this.length += 4;
  }
  u64(v: number) {
    this.room(8);
    this.dv.setBigUint64(this.length, BigInt(v), true);
    this.length += 8;
  }
  raw(b: Uint8Array) {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  str(s: string) {
    const b = new TextEncoder().encode(s);
    this.u64(b.length);
    this.raw(b);
  }
  pad(align: number) {
    while (this.length % align !== 0) this.u8(0);
  }
  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const kScalar: Record<string, ValueTypeId> = {
  u32: ValueType.UINT32,
  i32: ValueType.INT32,
  f32: ValueType.FLOAT32,
  u64: ValueType.UINT64,
  bool: ValueType.BOOL,
  string: ValueType.STRING,
};

function writeValue(b: Bytes, v: GgufValue): void {
  switch (v.type) {
    case 'string[]':
      b.u32(ValueType.ARRAY);
      b.u32(ValueType.STRING);
      b.u64(v.value.length);
      for (const s of v.value) b.str(s);
      return;
    case 'i32[]':
    case 'f32[]': {
      b.u32(ValueType.ARRAY);
      b.u32(v.type === 'i32[]' ? ValueType.INT32 : ValueType.FLOAT32);
      b.u64(v.value.length);
      for (let i = 0; i < v.value.length; i++) {
        if (v.type === 'i32[]') b.i32(v.value[i]);
        else b.f32(v.value[i]);
      }
      return;
    }
    default:
      b.u32(kScalar[v.type]);
      if (v.type === 'string') b.str(v.value);
      else if (v.type === 'bool') b.u8(v.value ? 1 : 0);
      else if (v.type === 'u32') b.u32(v.value);
      else if (v.type === 'i32') b.i32(v.value);
      else if (v.type === 'f32') b.f32(v.value);
      else b.u64(v.value);
  }
}

const count = (shape: number[]) => shape.reduce((a, d) => a * d, 1);

/** The header: metadata and tensor infos, padded to the alignment. */
export function ggufHeader(metadata: GgufMetadata, tensors: GgufTensorInfo[]): Uint8Array {
  const b = new Bytes();
  b.u32(kGgufMagic);
  b.u32(kGgufVersion);
  b.u64(tensors.length);
  b.u64(metadata.length);
  const keys = new Set<string>();
  for (const [key, value] of metadata) {
    if (keys.has(key)) throw new GgufWriteError(`metadata key ${key} given twice`);
    keys.add(key);
    b.str(key);
    writeValue(b, value);
  }
  let offset = 0;
  for (const t of tensors) {
    b.str(t.name);
    b.u32(t.shape.length);
    for (let i = t.shape.length - 1; i >= 0; i--) b.u64(t.shape[i]);
    b.u32(kGgmlType[t.type]);
    b.u64(offset);
    offset += Math.ceil(tensorBytes(t.type, count(t.shape)) / kGgufAlignment) * kGgufAlignment;
  }
  b.pad(kGgufAlignment);
  return b.bytes();
}

/**
 * The whole file as chunks: the header, then the bytes `data` yields for each tensor in the order
 * of `tensors` (each checked against its declared size), each padded to the alignment.
 */
export async function* ggufChunks(
  metadata: GgufMetadata,
  tensors: GgufTensorInfo[],
  data: AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  yield ggufHeader(metadata, tensors);
  let i = 0;
  for await (const bytes of data) {
    const t = tensors[i++];
    if (t === undefined)
      throw new GgufWriteError(`more tensor data than the ${tensors.length} tensors declared`);
    const want = tensorBytes(t.type, count(t.shape));
    if (bytes.byteLength !== want) {
      throw new GgufWriteError(
        `${t.name}: ${bytes.byteLength} bytes, its ${t.type} [${t.shape.join(', ')}] needs ${want}`,
      );
    }
    yield bytes;
    const pad = (kGgufAlignment - (want % kGgufAlignment)) % kGgufAlignment;
    if (pad) yield new Uint8Array(pad);
  }
  if (i !== tensors.length) throw new GgufWriteError(`data for ${i} of ${tensors.length} tensors`);
}
