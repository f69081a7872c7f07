// Bytes in, text out: any dataset input as an AsyncBuffer, and streamed UTF-8 text from one
// (gunzipped on the fly with fflate when the file is gzip). Read in 1 MiB slices so a large
// File or a remote file is never held whole just to be decoded.
import { Gunzip } from 'fflate';
import type { AsyncBuffer, RowInput } from './types';

const kChunk = 1 << 20;
const kGunzipPiece = 1 << 14;

/** Any accepted input as an AsyncBuffer (a Blob is sliced lazily; bytes are sliced in memory). */
export function toAsyncBuffer(data: RowInput['data']): AsyncBuffer {
  if (data instanceof Uint8Array) {
    return {
      byteLength: data.byteLength,
      // Uint8Array's own slice copies; Node's Buffer overrides slice with a view of its pool
      slice: (start, end) => Uint8Array.prototype.slice.call(data, start, end).buffer,
    };
  }
  if (typeof Blob !== 'undefined' && data instanceof Blob) {
    return {
      byteLength: data.size,
      slice: (start, end) => data.slice(start, end).arrayBuffer(),
    };
  }
  return data as AsyncBuffer;
}

/** Raw byte chunks of a buffer, in order; `onBytes` gets the running count. */
export async function* byteChunks(
  buf: AsyncBuffer,
  onBytes: (done: number) => void,
): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < buf.byteLength; at += kChunk) {
    const end = Math.min(buf.byteLength, at + kChunk);
    const chunk = new Uint8Array(await buf.slice(at, end));
    onBytes(end);
    yield chunk;
  }
}

/** Decoded text chunks of a buffer, gunzipped first when `gzip` is set. */
export async function* textChunks(
  buf: AsyncBuffer,
  gzip: boolean,
  onBytes: (done: number) => void,
): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  if (!gzip) {
    for await (const chunk of byteChunks(buf, onBytes))
      yield decoder.decode(chunk, { stream: true });
    yield decoder.decode();
    return;
  }
  if (buf.byteLength === 0) return;
  let out: Uint8Array[] = [];
  const gunzip = new Gunzip((data) => out.push(data));
  let last = 0;
  for await (const chunk of byteChunks(buf, (done) => (last = done))) {
    // fflate inflates fastest when fed small pieces (measured: 16 KiB beat 64 KiB and 1 MiB)
    for (let at = 0; at < chunk.byteLength; at += kGunzipPiece) {
      const end = Math.min(chunk.byteLength, at + kGunzipPiece);
      gunzip.push(chunk.subarray(at, end), last === buf.byteLength && end === chunk.byteLength);
      for (const piece of out) yield decoder.decode(piece, { stream: true });
      out = [];
    }
    onBytes(last);
  }
  for (const piece of out) yield decoder.decode(piece, { stream: true });
  yield decoder.decode();
}

/** The whole text of a buffer (formats that must see all of it: JSON arrays, CSV). */
export async function wholeText(
  buf: AsyncBuffer,
  gzip: boolean,
  onBytes: (done: number) => void,
): Promise<string> {
  const parts: string[] = [];
  for await (const t of textChunks(buf, gzip, onBytes)) parts.push(t);
  return parts.join('');
}
