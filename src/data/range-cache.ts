// A remote file read with range requests through a key → Blob cache that keeps the byte RANGES
// it fetched, so that "the first N rows" of a 200 MB Parquet shard costs its footer and first row
// groups, not 200 MB, and a second load of the same (or fewer) rows works with the network gone.
//
// Storage, in the host's DatasetCache (the CLI's folder cache, the browser's Cache Storage, which
// both want http(s) URLs as keys and ignore #fragments, hence query parameters):
//   {url}?sft-studio-bytes={first}-{last}  the bytes first..last (inclusive, as in a Range header)
//   {url}?sft-studio-ranges                the index: {v, size, etag, spans: [[start, end), ...]}
// A span's bytes are stored before the index names them, so an index never names bytes that were
// not kept; a span the host evicted anyway is dropped from the index and fetched again. A read is
// served from the spans that cover it and only its gaps go to the network, which is opened (HEAD)
// only when a gap exists: a fully cached read makes no request at all. When the network's file
// no longer matches the cached size or ETag, the index is reset and the read fails with a message
// to load again (bytes of two versions are never mixed).
import type { AsyncBuffer } from './sources/types';

/** The host's key → Blob store (src/data/hub-dataset's DatasetCache; a ModelCache fits). */
export interface RangeStore {
  get(key: string): Promise<Blob | null>;
  put(key: string, data: ReadableStream<Uint8Array> | Blob): Promise<void>;
}

/** The file on the network: its size, its version when the server says, and a range reader. */
export interface RemoteFile {
  byteLength: number;
  /** The server's validator for this version of the file (ETag), or null. */
  etag: string | null;
  /** Bytes start..end-1, exactly end - start of them. */
  read(start: number, end: number): Promise<Uint8Array<ArrayBuffer>>;
}

export interface CachedRangesOptions {
  cache: RangeStore;
  /** The file's own cache key (its URL); the range and index keys derive from it. */
  key: string;
  /** The file as messages name it. */
  what: string;
  /** Open the file on the network; called once, and only when bytes are missing. */
  open: () => Promise<RemoteFile>;
  /** After each read: bytes handed out so far, how many of them came from the network, size. */
  onRead?: (read: number, fetched: number, size: number) => void;
}

export class RangeCacheError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RangeCacheError';
  }
}

/** [start, end): end exclusive. */
type Span = [number, number];

interface RangeIndex {
  v: 1;
  size: number;
  etag: string | null;
  spans: Span[];
}

const withParam = (url: string, param: string) => `${url}${url.includes('?') ? '&' : '?'}${param}`;
export const rangeIndexKey = (url: string) => withParam(url, 'sft-studio-ranges');
export const rangeKey = (url: string, [start, end]: Span) =>
  withParam(url, `sft-studio-bytes=${start}-${end - 1}`);

/** The stored index, or null when absent or unreadable (then the file starts afresh). */
async function readIndex(cache: RangeStore, key: string): Promise<RangeIndex | null> {
  const hit = await cache.get(rangeIndexKey(key));
  if (!hit) return null;
  try {
    const x = JSON.parse(await hit.text()) as Partial<RangeIndex>;
    const spanOk = (s: unknown) =>
      Array.isArray(s) && s.length === 2 && s.every(Number.isSafeInteger) && s[0] < s[1];
    if (
      x.v !== 1 ||
      !Number.isSafeInteger(x.size) ||
      !Array.isArray(x.spans) ||
      !x.spans.every(spanOk)
    ) {
      return null;
    }
    return {
      v: 1,
      size: x.size!,
      etag: typeof x.etag === 'string' ? x.etag : null,
      spans: x.spans,
    };
  } catch {
    return null;
  }
}

/** One piece of a read: served by a cached span, or a gap (span null) to fetch. */
interface Piece {
  start: number;
  end: number;
  span: Span | null;
}

/** Cut [start, end) into pieces covered by the spans (the one reaching furthest) and gaps. */
export function planRead(spans: readonly Span[], start: number, end: number): Piece[] {
  const out: Piece[] = [];
  let pos = start;
  while (pos < end) {
    let best: Span | null = null;
    let next = end;
    for (const s of spans) {
      if (s[0] <= pos && s[1] > pos && (best === null || s[1] > best[1])) best = s;
      if (s[0] > pos && s[0] < next) next = s[0];
    }
    const to = best ? Math.min(end, best[1]) : next;
    out.push({ start: pos, end: to, span: best });
    pos = to;
  }
  return out;
}

/** The file as an AsyncBuffer that reads through the range cache. */
export async function cachedRangeBuffer(opts: CachedRangesOptions): Promise<AsyncBuffer> {
  const { cache, key, what } = opts;
  let index = await readIndex(cache, key);
  let remote: Promise<RemoteFile> | null = null;
  if (index === null) {
    remote = opts.open();
    const file = await remote;
    index = { v: 1, size: file.byteLength, etag: file.etag, spans: [] };
  }
  const idx: RangeIndex = index;
  let read = 0;
  let fetched = 0;
  const blobs = new Map<string, Blob>();

  // Index writes in order, each with every span stored so far; a failed write fails its reader.
  let writing: Promise<void> = Promise.resolve();
  const saveIndex = () => {
    const json = JSON.stringify(idx);
    writing = writing
      .catch(() => undefined)
      .then(() => cache.put(rangeIndexKey(key), new Blob([json])));
    return writing;
  };

  /** The network file, opened once, checked against what the cache holds. */
  const network = async () => {
    remote ??= opts.open();
    const file = await remote;
    const changed =
      file.byteLength !== idx.size ||
      (idx.etag !== null && file.etag !== null && file.etag !== idx.etag);
    if (changed) {
      Object.assign(idx, { size: file.byteLength, etag: file.etag, spans: [] });
      await saveIndex();
      throw new RangeCacheError(
        `${what} changed on the server since its first bytes were cached; load it again`,
      );
    }
    return file;
  };

  /** Bytes of a cached span, or null when the host no longer has them (then it is forgotten). */
  const fromSpan = async (span: Span, start: number, end: number) => {
    const k = rangeKey(key, span);
    let blob = blobs.get(k) ?? (await cache.get(k));
    if (!blob || blob.size !== span[1] - span[0]) {
      idx.spans = idx.spans.filter((s) => s !== span);
      blobs.delete(k);
      await saveIndex();
      return null;
    }
    blobs.set(k, blob);
    blob = blob.slice(start - span[0], end - span[0]);
    return new Uint8Array(await blob.arrayBuffer());
  };

  /** Fetch a gap, store it as a span, then name it in the index. */
  const fetchGap = async (start: number, end: number) => {
    const bytes = await (await network()).read(start, end);
    fetched += bytes.byteLength;
    const span: Span = [start, end];
    await cache.put(rangeKey(key, span), new Blob([bytes]));
    idx.spans.push(span);
    await saveIndex();
    return bytes;
  };

  return {
    byteLength: idx.size,
    async slice(startIn, endIn = idx.size) {
      const start = Math.max(0, startIn);
      const end = Math.min(idx.size, endIn);
      if (end <= start) return new ArrayBuffer(0);
      const out = new Uint8Array(end - start);
      // Replan when a span turned out evicted; each pass forgets one at least, so this ends.
      for (;;) {
        const pieces = planRead(idx.spans, start, end);
        const got = await Promise.all(
          pieces.map((p) => (p.span ? fromSpan(p.span, p.start, p.end) : fetchGap(p.start, p.end))),
        );
        if (got.some((b) => b === null)) continue;
        got.forEach((b, i) => out.set(b!, pieces[i].start - start));
        break;
      }
      read += out.byteLength;
      opts.onRead?.(read, fetched, idx.size);
      return out.buffer;
    },
  };
}
