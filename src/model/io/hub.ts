// The Hugging Face Hub as a ModelSource: files at `{endpoint}/{repo}/resolve/{revision}/{file}`
// (endpoint configurable like HF_ENDPOINT, for mirrors), fetched with the global fetch.
// With a cache: each file is downloaded once, completely and verified against Content-Length,
// stored, and every later read (ranges included) comes from the cache without contacting the
// server; absent files are remembered too, so a second load is fully offline.
// Without a cache: whole small files are fetched, tensor ranges use HTTP Range requests.
import { checkRange, ModelFileNotFoundError, ModelSourceError, type ModelSource } from './base.ts';
import type { ModelCache } from './cache.ts';

export interface DownloadProgress {
  file: string;
  /** Bytes received so far (or the cached size). */
  loaded: number;
  /** Content-Length, or null when the server does not say. */
  total: number | null;
  fromCache: boolean;
  done: boolean;
}

export interface HubSourceOptions {
  /** `org/name`. */
  repo: string;
  /** Branch, tag or commit; default "main". */
  revision?: string;
  /** Default https://huggingface.co. */
  endpoint?: string;
  cache?: ModelCache;
  onProgress?: (p: DownloadProgress) => void;
  /** Access token for gated or private repos (sent as a Bearer header). */
  token?: string;
  /** Injected fetch (tests); default the global one. */
  fetch?: typeof fetch;
}

export const kDefaultEndpoint = 'https://huggingface.co';

export class TruncatedDownloadError extends ModelSourceError {
  constructor(source: string, path: string, got: number, expected: number | null, cause?: unknown) {
    const what =
      expected === null
        ? `interrupted after ${got} bytes`
        : `truncated: received ${got} of ${expected} bytes`;
    super(source, path, `download ${what}; retry, or check the connection or mirror`, { cause });
    this.name = 'TruncatedDownloadError';
  }
}

// A query, not a fragment: Cache Storage ignores fragments when matching keys.
const kMissingSuffix = '?missing';

export function hubSource(opts: HubSourceOptions): ModelSource {
  const revision = opts.revision ?? 'main';
  const endpoint = (opts.endpoint ?? kDefaultEndpoint).replace(/\/+$/, '');
  if (!/^[\w.-]+(\/[\w.-]+)?$/.test(opts.repo)) {
    throw new Error(`"${opts.repo}" is not a Hub repo id (expected org/name)`);
  }
  const name = `${endpoint === kDefaultEndpoint ? 'hub' : endpoint}:${opts.repo}@${revision}`;
  const doFetch =
    opts.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const cache = opts.cache;
  const enc = (p: string) => p.split('/').map(encodeURIComponent).join('/');
  const url = (file: string) => `${endpoint}/${opts.repo}/resolve/${enc(revision)}/${enc(file)}`;
  const headers = (extra: Record<string, string> = {}) =>
    opts.token ? { ...extra, authorization: `Bearer ${opts.token}` } : extra;

  async function request(file: string, init: RequestInit): Promise<Response> {
    let res: Response;
    try {
      res = await doFetch(url(file), init);
    } catch (e) {
      throw new ModelSourceError(
        name,
        file,
        `could not reach ${endpoint} (${(e as Error).message}); check the network or the endpoint`,
        { cause: e },
      );
    }
    if (res.status === 404) {
      throw new ModelFileNotFoundError(
        name,
        file,
        `${url(file)} returned 404; check the repo id, the revision and the file name`,
      );
    }
    if (res.status === 401 || res.status === 403) {
      throw new ModelSourceError(
        name,
        file,
        `HTTP ${res.status}: the repo is gated or private; accept its license on the Hub and pass an access token`,
      );
    }
    if (!res.ok)
      throw new ModelSourceError(
        name,
        file,
        `HTTP ${res.status} ${res.statusText} from ${url(file)}`,
      );
    return res;
  }

  /**
   * Start downloading a whole file: a stream that reports progress and errors (instead of ending)
   * when fewer bytes arrive than Content-Length promised. `state.complete` tells a transport or
   * length failure (false) from a failure of whoever consumes the stream (true).
   */
  async function download(file: string) {
    const res = await request(file, { headers: headers() });
    const len = res.headers.get('content-length');
    const total = len !== null && !res.headers.get('content-encoding') ? Number(len) : null;
    const state = { loaded: 0, total, complete: false };
    const progress = (done: boolean) =>
      opts.onProgress?.({
        file,
        loaded: state.loaded,
        total: total ?? (done ? state.loaded : null),
        fromCache: false,
        done,
      });
    progress(false);
    const body = res.body ?? new Blob([]).stream();
    const stream = body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, ctl) {
          state.loaded += chunk.byteLength;
          progress(false);
          ctl.enqueue(chunk);
        },
        flush(ctl) {
          if (total !== null && state.loaded !== total) {
            ctl.error(new TruncatedDownloadError(name, file, state.loaded, total));
            return;
          }
          state.complete = true;
          progress(true);
        },
      }),
    );
    /** Await the consumer of `stream`, turning failures into clear errors. */
    const settle = async <T>(p: Promise<T>): Promise<T> => {
      try {
        return await p;
      } catch (e) {
        if (e instanceof TruncatedDownloadError) throw e;
        if (!state.complete) throw new TruncatedDownloadError(name, file, state.loaded, total, e);
        throw new ModelSourceError(
          name,
          file,
          `downloaded, but could not store it in the cache: ${(e as Error).message}`,
          { cause: e },
        );
      }
    };
    return { stream, settle };
  }

  /** A whole file in memory (no cache). */
  async function downloadBlob(file: string): Promise<Blob> {
    const { stream, settle } = await download(file);
    return settle(new Response(stream).blob());
  }

  const inflight = new Map<string, Promise<Blob>>();
  /** With a cache: the file from the cache, downloading and storing it first if needed. */
  function cachedFile(c: ModelCache, file: string): Promise<Blob> {
    let p = inflight.get(file);
    if (!p) {
      p = (async () => {
        const key = url(file);
        const hit = await c.get(key);
        if (hit) {
          opts.onProgress?.({
            file,
            loaded: hit.size,
            total: hit.size,
            fromCache: true,
            done: true,
          });
          return hit;
        }
        const { stream, settle } = await download(file);
        await settle(c.put(key, stream)); // streamed to the cache: never whole in memory
        const stored = await c.get(key);
        if (!stored)
          throw new ModelSourceError(name, file, 'the cache did not keep the downloaded file');
        return stored;
      })();
      inflight.set(file, p);
      p.catch(() => inflight.delete(file));
    }
    return p;
  }

  async function head(file: string): Promise<Response | null> {
    try {
      return await request(file, { method: 'HEAD', headers: headers() });
    } catch (e) {
      if (e instanceof ModelFileNotFoundError) return null;
      throw e;
    }
  }

  return {
    name,
    async readFile(path) {
      const blob = cache ? await cachedFile(cache, path) : await downloadBlob(path);
      return new Uint8Array(await blob.arrayBuffer());
    },
    async readRange(path, start, end) {
      if (cache) {
        const blob = await cachedFile(cache, path);
        checkRange(name, path, start, end, blob.size);
        return new Uint8Array(await blob.slice(start, end).arrayBuffer());
      }
      if (end === start) return new Uint8Array(0);
      const res = await request(path, { headers: headers({ range: `bytes=${start}-${end - 1}` }) });
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await res.arrayBuffer());
      } catch (e) {
        throw new TruncatedDownloadError(name, path, 0, end - start, e);
      }
      if (res.status === 200) bytes = bytes.subarray(start, end); // server ignored Range
      if (bytes.byteLength !== end - start)
        throw new TruncatedDownloadError(name, path, bytes.byteLength, end - start);
      return bytes;
    },
    async size(path) {
      if (cache) return (await cachedFile(cache, path)).size;
      const res = await head(path);
      if (!res) throw new ModelFileNotFoundError(name, path, `${url(path)} returned 404`);
      const len = res.headers.get('x-linked-size') ?? res.headers.get('content-length');
      if (len === null)
        throw new ModelSourceError(name, path, 'the server did not report the file size');
      return Number(len);
    },
    async exists(path) {
      if (cache) {
        const key = url(path);
        if (await cache.get(key)) return true;
        if (await cache.get(key + kMissingSuffix)) return false;
        const ok = (await head(path)) !== null;
        if (!ok) await cache.put(key + kMissingSuffix, new Blob([]));
        return ok;
      }
      return (await head(path)) !== null;
    },
  };
}
