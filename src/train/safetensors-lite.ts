// A minimal safetensors codec for what the trainer itself writes and reads back (adapters and
// checkpoints: F32 tensors plus `__metadata__`). Format: u64 LE header length, JSON header
// `{name: {dtype, shape, data_offsets}}` padded with spaces to 8 bytes, then the raw data.
// Model weights go through src/model's streaming reader instead.

export interface F32Tensor {
  shape: number[];
  data: Float32Array;
}

export function encodeSafetensors(
  tensors: [string, F32Tensor][],
  metadata: Record<string, string> = { format: 'pt' },
): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) {
      throw new Error(`safetensors: ${name} has ${t.data.length} values for shape [${t.shape}]`);
    }
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + n * 4] };
    offset += n * 4;
  }
  let json = JSON.stringify(header);
  const enc = new TextEncoder();
  while ((enc.encode(json).length + 8) % 8 !== 0) json += ' ';
  const head = enc.encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let p = 8 + head.length;
  for (const [, t] of tensors) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), p);
    p += t.data.byteLength;
  }
  return out;
}

export interface DecodedSafetensors {
  tensors: Map<string, F32Tensor>;
  metadata: Record<string, string>;
}

/** Decodes F32 (and BF16/F16, widened) tensors. Throws on a malformed header. */
export function decodeSafetensors(bytes: Uint8Array): DecodedSafetensors {
  if (bytes.length < 8) throw new Error('safetensors: file shorter than its 8-byte header length');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  if (8 + n > bytes.length) throw new Error('safetensors: header length past the end of the file');
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>
  >;
  const base = 8 + n;
  const tensors = new Map<string, F32Tensor>();
  let metadata: Record<string, string> = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = info as Record<string, string>;
      continue;
    }
    const { dtype, shape, data_offsets } = info as {
      dtype: string;
      shape: number[];
      data_offsets: [number, number];
    };
    const [s, e] = data_offsets;
    if (base + e > bytes.length)
      throw new Error(`safetensors: ${name} data past the end of the file`);
    const raw = bytes.slice(base + s, base + e);
    let data: Float32Array;
    if (dtype === 'F32') data = new Float32Array(raw.buffer);
    else if (dtype === 'BF16') {
      const h = new Uint16Array(raw.buffer);
      const u = new Uint32Array(h.length);
      for (let i = 0; i < h.length; i++) u[i] = h[i] << 16;
      data = new Float32Array(u.buffer);
    } else if (dtype === 'F16') {
      const h = new Uint16Array(raw.buffer);
      data = new Float32Array(h.length);
      for (let i = 0; i < h.length; i++) data[i] = halfToF32(h[i]);
    } else throw new Error(`safetensors: ${name} has unsupported dtype ${dtype}`);
    tensors.set(name, { shape, data });
  }
  return { tensors, metadata };
}

function halfToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}
