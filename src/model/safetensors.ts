// safetensors read and write (https://huggingface.co/docs/safetensors, format section):
//   [u64 LE N][N bytes of JSON header, space-padded][data buffer]
// header: { name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__"?: {str: str} },
// offsets relative to the start of the data buffer, which they must cover without holes.
// Reading is range-based: the header comes from the first 8 + N bytes, each tensor from its own
// byte range, so a multi-GB checkpoint streams tensor by tensor through a ModelSource. Sharded
// checkpoints (`model.safetensors.index.json`, weight_map: tensor → shard file) are opened as one.
import {
  dtypeBytes,
  isFloatDtype,
  kSafetensorsDtypeBytes,
  UnsupportedDtypeError,
  type FloatDtype,
} from './io/dtype.ts';
import { ModelFileNotFoundError, type ModelSource } from './source.ts';

export * from './io/dtype.ts';

/** Headers larger than this are rejected as corrupt (the reference implementation uses 100 MB). */
export const kMaxHeaderBytes = 100_000_000;
export const kIndexFile = 'model.safetensors.index.json';
export const kSingleFile = 'model.safetensors';

export class SafetensorsError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'SafetensorsError';
  }
}

export interface TensorInfo {
  name: string;
  /** As written in the header; may be a non-float dtype (reading it then throws). */
  dtype: string;
  shape: number[];
  /** The file holding it (relative to the source). */
  file: string;
  /** Absolute byte range in the file: [start, end). */
  start: number;
  end: number;
}

export interface SafetensorsHeader {
  file: string;
  /** Start of the data buffer: 8 + N. */
  dataStart: number;
  fileSize: number;
  /** In header order. */
  tensors: TensorInfo[];
  metadata: Record<string, string>;
}

/** Parse and validate a header given its JSON bytes and the file size. */
export function parseHeader(file: string, json: Uint8Array, fileSize: number): SafetensorsHeader {
  const fail = (d: string) => new SafetensorsError(file, d);
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch (e) {
    throw fail(
      `the header is not valid JSON (${(e as Error).message}); the file is not safetensors or is corrupt`,
    );
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw fail('the header is not a JSON object');
  const dataStart = 8 + json.length;
  const dataLen = fileSize - dataStart;
  const tensors: TensorInfo[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, v] of Object.entries(raw as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof v !== 'object' || v === null)
        throw fail('__metadata__ must be an object of strings');
      metadata = v as Record<string, string>;
      continue;
    }
    const t = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const size = typeof t?.dtype === 'string' ? kSafetensorsDtypeBytes[t.dtype] : undefined;
    if (size === undefined)
      throw fail(`tensor "${name}" has unknown dtype ${JSON.stringify(t?.dtype)}`);
    const dims = t.shape;
    if (!Array.isArray(dims) || !dims.every((d) => Number.isInteger(d) && d >= 0)) {
      throw fail(`tensor "${name}" has an invalid shape ${JSON.stringify(dims)}`);
    }
    const off = t.data_offsets;
    if (
      !Array.isArray(off) ||
      off.length !== 2 ||
      !off.every((d) => Number.isInteger(d) && d >= 0) ||
      off[0] > off[1]
    ) {
      throw fail(`tensor "${name}" has invalid data_offsets ${JSON.stringify(off)}`);
    }
    const [b, e] = off as [number, number];
    const n = (dims as number[]).reduce((a, d) => a * d, 1);
    if (e - b !== n * size) {
      throw fail(
        `tensor "${name}" (${String(t.dtype)}, [${dims.join(', ')}]) needs ${n * size} bytes but data_offsets [${b}, ${e}] span ${e - b}`,
      );
    }
    if (e > dataLen) {
      throw fail(
        dataLen < 0
          ? `the file is truncated: ${fileSize} bytes, shorter than its own header (${dataStart})`
          : `tensor "${name}" data_offsets [${b}, ${e}] point past the end of the data (${dataLen} bytes): the file is truncated or corrupt`,
      );
    }
    tensors.push({
      name,
      dtype: t.dtype as string,
      shape: dims as number[],
      file,
      start: dataStart + b,
      end: dataStart + e,
    });
  }
  // Offsets must tile the buffer: no overlaps, no holes.
  const sorted = [...tensors].sort((a, b) => a.start - b.start || a.end - b.end);
  let at = dataStart;
  for (const t of sorted) {
    if (t.start !== at) {
      throw fail(
        t.start < at
          ? `tensor "${t.name}" overlaps the tensor before it`
          : `the data has a hole before tensor "${t.name}"`,
      );
    }
    at = t.end;
  }
  if (at < fileSize && tensors.length > 0) {
    throw fail(`${fileSize - at} trailing bytes after the last tensor`);
  }
  return { file, dataStart, fileSize, tensors, metadata };
}

/** Read the 8-byte length and the header of a file through a source (two small range reads). */
export async function readHeader(src: ModelSource, file: string): Promise<SafetensorsHeader> {
  const fileSize = await src.size(file);
  const where = `${src.name}/${file}`;
  if (fileSize < 8)
    throw new SafetensorsError(where, `only ${fileSize} bytes: too short to be safetensors`);
  const lenBytes = await src.readRange(file, 0, 8);
  const n64 = new DataView(lenBytes.buffer, lenBytes.byteOffset, 8).getBigUint64(0, true);
  if (n64 === 0n || n64 > BigInt(kMaxHeaderBytes)) {
    throw new SafetensorsError(
      where,
      `header length ${n64} is not plausible (1 … ${kMaxHeaderBytes}): not a safetensors file`,
    );
  }
  const n = Number(n64);
  if (8 + n > fileSize) {
    throw new SafetensorsError(
      where,
      `header length ${n} runs past the end of the file (${fileSize} bytes): the file is truncated`,
    );
  }
  const header = parseHeader(where, await src.readRange(file, 8, 8 + n), fileSize);
  for (const t of header.tensors) t.file = file;
  return header;
}

/** Raw little-endian bytes of one tensor. */
export async function readTensorBytes(src: ModelSource, t: TensorInfo): Promise<Uint8Array> {
  const bytes = await src.readRange(t.file, t.start, t.end);
  if (bytes.byteLength !== t.end - t.start) {
    throw new SafetensorsError(
      `${src.name}/${t.file}`,
      `read ${bytes.byteLength} bytes of "${t.name}", expected ${t.end - t.start}: the file is truncated`,
    );
  }
  return bytes;
}

/** A checkpoint, single-file or sharded, seen as one map of tensors. */
export interface Checkpoint {
  files: string[];
  tensors: Map<string, TensorInfo>;
  metadata: Record<string, string>;
}

/**
 * Open `model.safetensors.index.json` if the source has it, else `model.safetensors`, and read the
 * headers of every file (not the data).
 */
export async function openCheckpoint(src: ModelSource): Promise<Checkpoint> {
  if (await src.exists(kIndexFile)) return openSharded(src, kIndexFile);
  if (await src.exists(kSingleFile)) {
    const h = await readHeader(src, kSingleFile);
    return {
      files: [kSingleFile],
      tensors: new Map(h.tensors.map((t) => [t.name, t])),
      metadata: h.metadata,
    };
  }
  throw new ModelFileNotFoundError(
    src.name,
    `${kSingleFile} or ${kIndexFile}`,
    'only safetensors checkpoints are supported (no .bin, .pth or .gguf)',
  );
}

export async function openSharded(src: ModelSource, indexFile = kIndexFile): Promise<Checkpoint> {
  const where = `${src.name}/${indexFile}`;
  let index: { weight_map?: unknown; metadata?: unknown };
  try {
    index = JSON.parse(new TextDecoder().decode(await src.readFile(indexFile))) as typeof index;
  } catch (e) {
    if (e instanceof ModelFileNotFoundError) throw e;
    throw new SafetensorsError(where, `not valid JSON (${(e as Error).message})`);
  }
  const map = index?.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw new SafetensorsError(where, 'has no "weight_map" object');
  }
  const weightMap = map as Record<string, unknown>;
  const files = [...new Set(Object.values(weightMap))];
  for (const f of files) {
    if (typeof f !== 'string' || f.includes('..'))
      throw new SafetensorsError(where, `bad shard file name ${JSON.stringify(f)}`);
  }
  const tensors = new Map<string, TensorInfo>();
  const metadata: Record<string, string> = {};
  for (const f of files as string[]) {
    if (!(await src.exists(f)))
      throw new ModelFileNotFoundError(src.name, f, `${indexFile} lists it as a shard`);
    const h = await readHeader(src, f);
    Object.assign(metadata, h.metadata);
    for (const t of h.tensors) {
      if (weightMap[t.name] === undefined) {
        throw new SafetensorsError(
          where,
          `shard ${f} holds "${t.name}", which the weight_map does not list`,
        );
      }
      if (weightMap[t.name] !== f) continue; // a duplicate; the index says which copy counts
      tensors.set(t.name, t);
    }
  }
  for (const [name, f] of Object.entries(weightMap)) {
    if (!tensors.has(name))
      throw new SafetensorsError(
        where,
        `weight_map puts "${name}" in ${String(f)}, but that shard does not hold it`,
      );
  }
  return { files: files as string[], tensors, metadata };
}

// ----------------------------------------------------------------------------------------------
// In-memory parse (small files: adapters, tests).

export interface Tensor {
  name: string;
  dtype: FloatDtype;
  shape: number[];
  /** Little-endian element bytes. */
  data: Uint8Array;
}

/** Parse a whole safetensors file held in memory; float tensors only. */
export function parseSafetensors(
  bytes: Uint8Array,
  file = '<memory>',
): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  if (bytes.byteLength < 8)
    throw new SafetensorsError(file, `only ${bytes.byteLength} bytes: too short to be safetensors`);
  const n64 = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n64 === 0n || n64 > BigInt(kMaxHeaderBytes))
    throw new SafetensorsError(
      file,
      `header length ${n64} is not plausible: not a safetensors file`,
    );
  const n = Number(n64);
  if (8 + n > bytes.byteLength)
    throw new SafetensorsError(
      file,
      `header length ${n} runs past the end of the file (${bytes.byteLength} bytes): the file is truncated`,
    );
  const h = parseHeader(file, bytes.subarray(8, 8 + n), bytes.byteLength);
  const tensors = new Map<string, Tensor>();
  for (const t of h.tensors) {
    if (!isFloatDtype(t.dtype))
      throw new UnsupportedDtypeError(`${file}: tensor "${t.name}"`, t.dtype);
    tensors.set(t.name, {
      name: t.name,
      dtype: t.dtype,
      shape: t.shape,
      data: bytes.subarray(t.start, t.end),
    });
  }
  return { tensors, metadata: h.metadata };
}

// ----------------------------------------------------------------------------------------------
// Writing.

export interface TensorToWrite {
  name: string;
  dtype: FloatDtype;
  shape: readonly number[];
  /** Element bytes (little-endian), or a typed array whose bytes are used as they are. */
  data: Uint8Array | Float32Array | Uint16Array;
}

/**
 * Encode tensors as safetensors, in the order given, as parts to concatenate (header, then each
 * tensor's bytes, not copied): `new Blob(parts)` or a file stream writes them without another copy.
 * The header is space-padded to a multiple of 8 so every tensor stays 8-byte aligned.
 */
export function encodeSafetensors(
  tensors: readonly TensorToWrite[],
  metadata?: Record<string, string>,
): Uint8Array[] {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) header.__metadata__ = metadata;
  const parts: Uint8Array[] = [];
  let offset = 0;
  const seen = new Set<string>();
  for (const t of tensors) {
    if (!isFloatDtype(t.dtype)) throw new UnsupportedDtypeError(`writing "${t.name}"`, t.dtype);
    if (seen.has(t.name)) throw new SafetensorsError('<write>', `tensor "${t.name}" given twice`);
    seen.add(t.name);
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    const n = t.shape.reduce((a, d) => a * d, 1);
    if (bytes.byteLength !== n * dtypeBytes(t.dtype)) {
      throw new SafetensorsError(
        '<write>',
        `tensor "${t.name}" has ${bytes.byteLength} bytes, [${t.shape.join(', ')}] ${t.dtype} needs ${n * dtypeBytes(t.dtype)}`,
      );
    }
    header[t.name] = {
      dtype: t.dtype,
      shape: [...t.shape],
      data_offsets: [offset, offset + bytes.byteLength],
    };
    offset += bytes.byteLength;
    parts.push(bytes);
  }
  return [safetensorsHead(header), ...parts];
}

/** The first bytes of a safetensors file: the u64 header length, then the JSON header
 * space-padded so the data starts 8-byte aligned. */
export function safetensorsHead(header: Record<string, unknown>): Uint8Array {
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil((8 + json.length) / 8) * 8 - 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const head = new Uint8Array(8 + json.length);
  new DataView(head.buffer).setBigUint64(0, BigInt(json.length), true);
  head.set(json, 8);
  return head;
}

/** Encode tensors as one safetensors byte array. */
export function serializeSafetensors(
  tensors: readonly TensorToWrite[],
  metadata?: Record<string, string>,
): Uint8Array {
  const parts = encodeSafetensors(tensors, metadata);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
