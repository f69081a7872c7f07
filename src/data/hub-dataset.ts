// Hugging Face Hub datasets as rows: by id, subset (config), split, or one file of the repo.
//
// - Subset and split: `GET {endpoint}/api/datasets/{repo}/parquet` lists the Hub's Parquet
//   conversion as {subset: {split: [url, ...]}}; each url redirects to
//   `{endpoint}/datasets/{repo}/resolve/refs%2Fconvert%2Fparquet/{subset}/{split}/{nnnn}.parquet`.
//   Without a subset: the only one, else `default`, else an error listing them. Split: `train`.
// - One file: `{endpoint}/datasets/{repo}/resolve/{revision}/{path}`, any format sources/ reads.
// - Parquet files are read with HTTP range requests (the footer, then only the row groups needed
//   for `limit`). With a cache (the host's, same contract as ModelCache) and a limit, the ranges
//   fetched are kept (range-cache.ts): a second load of as many rows or fewer works with the server
//   gone, and a larger limit fetches only the row groups still missing. A load with no limit (the
//   whole split) and any non-Parquet file (JSON Lines, JSON, CSV, read from start to end anyway)
//   download each file whole into the cache, in one request. The listing is cached too, and a
//   file cached whole serves every later load, limited or not.
// Rows are numbered from 1 across all the files of a split.
import { cachedRangeBuffer, type RemoteFile } from './range-cache';
import { toAsyncBuffer } from './sources/bytes';
import { detectSourceFormat, openRows } from './sources/index';
import type { AsyncBuffer, RowItem } from './sources/types';

export const kDefaultDatasetEndpoint = 'https://huggingface.co';

/** Where downloaded files are kept (a ModelCache from src/model fits). Keys are URLs. */
export interface DatasetCache {
  get(key: string): Promise<Blob | null>;
  /** Store a file; reject and keep nothing if the stream errors. */
  put(key: string, data: ReadableStream<Uint8Array> | Blob): Promise<void>;
}

export interface HubDatasetOptions {
  /** `org/name`. */
  repo: string;
  /** Config name; default: the only one, else `default`. */
  subset?: string;
  /** Default `train`. */
  split?: string;
  /** Read this file of the repo instead of the Parquet conversion (e.g. `data/train.jsonl`). */
  file?: string;
  /** Branch, tag or commit for `file`; default `main`. */
  revision?: string;
  /** Default https://huggingface.co (like HF_ENDPOINT). */
  endpoint?: string;
  /** Access token for gated or private datasets (like HF_TOKEN), sent as a Bearer header. */
  token?: string;
  cache?: DatasetCache;
  /** Stop after this many rows. */
  limit?: number;
  onProgress?: (p: HubDatasetProgress) => void;
  /** Injected fetch (tests); default the global one. */
  fetch?: typeof fetch;
}

export interface HubDatasetProgress {
  /** The file being read (its path in the repo or conversion), its index and how many there are. */
  file: string;
  fileIndex: number;
  files: number;
  /** Bytes of that file read or downloaded so far, and its size. */
  bytes: number;
  totalBytes: number;
  /** Rows yielded so far, all files together. */
  rows: number;
  fromCache: boolean;
}

export class HubDatasetError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HubDatasetError';
  }
}

/** What a load resolved to: the subset and split chosen, and the files that hold it. */
export interface ResolvedHubDataset {
  subset: string | null;
  split: string | null;
  /** [path shown to the user, url] per file, in order. */
  files: [string, string][];
}

interface Ctx {
  opts: HubDatasetOptions;
  endpoint: string;
  doFetch: typeof fetch;
  headers: (extra?: Record<string, string>) => Record<string, string>;
}

function context(opts: HubDatasetOptions): Ctx {
  if (!/^[\w.-]+(\/[\w.-]+)?$/.test(opts.repo)) {
    throw new HubDatasetError(`"${opts.repo}" is not a Hub dataset id (expected org/name)`);
  }
  const endpoint = (opts.endpoint ?? kDefaultDatasetEndpoint).replace(/\/+$/, '');
  const doFetch =
    opts.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const headers = (extra: Record<string, string> = {}) =>
    opts.token ? { ...extra, authorization: `Bearer ${opts.token}` } : extra;
  return { opts, endpoint, doFetch, headers };
}

/** A request with the Hub's failures turned into messages that say what to do. */
async function request(
  ctx: Ctx,
  url: string,
  what: string,
  method: 'GET' | 'HEAD' = 'GET',
  extra: Record<string, string> = {},
) {
  let res: Response;
  try {
    res = await ctx.doFetch(url, { method, headers: ctx.headers(extra) });
  } catch (e) {
    throw new HubDatasetError(
      `could not reach ${ctx.endpoint} for ${what} (${(e as Error).message}); check the network or the endpoint`,
      { cause: e },
    );
  }
  const repo = ctx.opts.repo;
  if (res.status === 401 || res.status === 403) {
    throw new HubDatasetError(
      ctx.opts.token
        ? `HTTP ${res.status} for ${what}: the access token was refused for "${repo}"; check that it is valid and that your account has accepted the dataset's conditions on its Hub page`
        : `HTTP ${res.status} for ${what}: "${repo}" is gated or private; accept its conditions on its Hub page and pass an access token (HF_TOKEN)`,
    );
  }
  if (res.status === 404) {
    throw new HubDatasetError(
      ctx.opts.file !== undefined
        ? `${what} not found (HTTP 404): check the dataset id "${repo}", the revision "${ctx.opts.revision ?? 'main'}" and the file path`
        : `${what} not found (HTTP 404): check the dataset id "${repo}"; a dataset the Hub has not converted to Parquet can still be read one file at a time (file)`,
    );
  }
  if (!res.ok && res.status !== 206) {
    throw new HubDatasetError(`HTTP ${res.status} ${res.statusText} for ${what} (${url})`);
  }
  return res;
}

function pick(kind: 'subset' | 'split', wanted: string | undefined, have: string[]) {
  const list = have.map((s) => `"${s}"`).join(', ');
  if (wanted !== undefined) {
    if (have.includes(wanted)) return wanted;
    throw new HubDatasetError(`no ${kind} "${wanted}" in this dataset; its ${kind}s are ${list}`);
  }
  if (kind === 'split') {
    if (have.includes('train')) return 'train';
    throw new HubDatasetError(`this dataset has no "train" split; choose one of ${list}`);
  }
  if (have.length === 1) return have[0];
  if (have.includes('default')) return 'default';
  throw new HubDatasetError(`this dataset has several subsets; choose one of ${list}`);
}

/** Read a small file through the cache when there is one (the listing). */
async function cachedJson(ctx: Ctx, url: string, what: string): Promise<unknown> {
  const hit = await ctx.opts.cache?.get(url);
  const text = hit ? await hit.text() : await (await request(ctx, url, what)).text();
  try {
    const value: unknown = JSON.parse(text);
    if (!hit) await ctx.opts.cache?.put(url, new Blob([text]));
    return value;
  } catch (e) {
    throw new HubDatasetError(`${what} is not valid JSON (${(e as Error).message})`, { cause: e });
  }
}

/** Resolve subset, split and files (the listing request; no file is read). */
export async function resolveHubDataset(opts: HubDatasetOptions): Promise<ResolvedHubDataset> {
  return resolve(context(opts));
}

async function resolve(ctx: Ctx): Promise<ResolvedHubDataset> {
  const { opts, endpoint } = ctx;
  if (opts.file !== undefined) {
    const enc = (p: string) => p.split('/').map(encodeURIComponent).join('/');
    const url = `${endpoint}/datasets/${opts.repo}/resolve/${encodeURIComponent(opts.revision ?? 'main')}/${enc(opts.file)}`;
    return { subset: null, split: null, files: [[opts.file, url]] };
  }
  if (opts.revision !== undefined && opts.revision !== 'main') {
    throw new HubDatasetError(
      `the Hub converts only the main branch to Parquet; to read revision "${opts.revision}", name a file of the repo (file)`,
    );
  }
  const what = `the Parquet listing of "${opts.repo}"`;
  const listing = await cachedJson(ctx, `${endpoint}/api/datasets/${opts.repo}/parquet`, what);
  if (typeof listing !== 'object' || listing === null || Array.isArray(listing)) {
    throw new HubDatasetError(`${what} is not {subset: {split: [url, ...]}}`);
  }
  const subsets = listing as Record<string, Record<string, string[]>>;
  const subset = pick('subset', opts.subset, Object.keys(subsets));
  const split = pick('split', opts.split, Object.keys(subsets[subset] ?? {}));
  const urls = subsets[subset][split];
  if (!Array.isArray(urls) || urls.length === 0) {
    throw new HubDatasetError(`${subset}/${split} of "${opts.repo}" lists no Parquet file`);
  }
  return {
    subset,
    split,
    files: urls.map((u, i) => [`${subset}/${split}/${String(i).padStart(4, '0')}.parquet`, u]),
  };
}

/** A remote file for range requests (the redirect is resolved once, by a HEAD). */
async function remoteFile(ctx: Ctx, url: string, what: string): Promise<RemoteFile> {
  const head = await request(ctx, url, what, 'HEAD');
  const len = head.headers.get('x-linked-size') ?? head.headers.get('content-length');
  if (len === null) throw new HubDatasetError(`the server did not report the size of ${what}`);
  const size = Number(len);
  const target = head.url || url;
  return {
    byteLength: size,
    // The Hub answers a HEAD of an LFS file with its hash as x-linked-etag.
    etag: head.headers.get('x-linked-etag') ?? head.headers.get('etag'),
    async read(start, end) {
      const res = await request(ctx, target, what, 'GET', { range: `bytes=${start}-${end - 1}` });
      let bytes = new Uint8Array(await res.arrayBuffer());
      if (res.status === 200) bytes = bytes.subarray(start, end); // the server ignored Range
      if (bytes.byteLength !== end - start) {
        throw new HubDatasetError(
          `${what}: asked for bytes ${start}-${end - 1}, received ${bytes.byteLength}; retry, or check the connection`,
        );
      }
      return bytes;
    },
  };
}

/** A remote file read with range requests, no cache. */
async function remoteBuffer(
  ctx: Ctx,
  url: string,
  what: string,
  onBytes: (n: number, total: number) => void,
): Promise<AsyncBuffer> {
  const file = await remoteFile(ctx, url, what);
  const size = file.byteLength;
  let read = 0;
  return {
    byteLength: size,
    async slice(start, end = size) {
      if (end <= start) return new ArrayBuffer(0);
      const bytes = await file.read(start, end);
      read += bytes.byteLength;
      onBytes(Math.min(read, size), size);
      return bytes.slice().buffer;
    },
  };
}

/** A file downloaded whole into the cache, as a Blob. */
async function downloadWhole(
  ctx: Ctx,
  cache: DatasetCache,
  url: string,
  what: string,
  onBytes: (n: number, total: number, fromCache: boolean) => void,
): Promise<Blob> {
  const res = await request(ctx, url, what);
  const len = res.headers.get('content-length');
  const total = len !== null && !res.headers.get('content-encoding') ? Number(len) : null;
  let loaded = 0;
  const body = (res.body ?? new Blob([]).stream()).pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, ctl) {
        loaded += chunk.byteLength;
        onBytes(loaded, total ?? loaded, false);
        ctl.enqueue(chunk);
      },
      flush(ctl) {
        if (total !== null && loaded !== total) {
          ctl.error(
            new HubDatasetError(
              `${what}: download cut short at ${loaded} of ${total} bytes; retry`,
            ),
          );
        }
      },
    }),
  );
  await cache.put(url, body);
  const stored = await cache.get(url);
  if (!stored) throw new HubDatasetError(`${what}: the cache did not keep the downloaded file`);
  return stored;
}

/**
 * One file of the load as an AsyncBuffer: cached whole, else range-read through the range cache
 * (a limited Parquet load), else downloaded whole into the cache, else (no cache) range-read.
 */
async function fileBuffer(
  ctx: Ctx,
  path: string,
  url: string,
  what: string,
  onBytes: (n: number, total: number, fromCache?: boolean) => void,
): Promise<AsyncBuffer> {
  const { cache, limit } = ctx.opts;
  if (!cache) return remoteBuffer(ctx, url, what, onBytes);
  const whole = await cache.get(url);
  if (whole) {
    onBytes(whole.size, whole.size, true);
    return toAsyncBuffer(whole);
  }
  if (limit === undefined || detectSourceFormat(path) !== 'parquet') {
    return toAsyncBuffer(await downloadWhole(ctx, cache, url, what, onBytes));
  }
  return cachedRangeBuffer({
    cache,
    key: url,
    what,
    open: () => remoteFile(ctx, url, what),
    onRead: (read, fetched, size) => onBytes(Math.min(read, size), size, fetched === 0),
  });
}

/** The rows of a Hub dataset split (or of one file), numbered from 1 across its files. */
export async function* openHubRows(opts: HubDatasetOptions): AsyncGenerator<RowItem> {
  const ctx = context(opts);
  const { files } = await resolve(ctx);
  const limit = opts.limit ?? Infinity;
  let rows = 0;
  let lastRow = 0;
  for (let i = 0; i < files.length && rows < limit; i++) {
    const [path, url] = files[i];
    const what = `"${path}" of "${opts.repo}"`;
    const progress: HubDatasetProgress = {
      file: path,
      fileIndex: i,
      files: files.length,
      bytes: 0,
      totalBytes: 0,
      rows,
      fromCache: false,
    };
    const report = () => opts.onProgress?.({ ...progress, rows });
    const onBytes = (n: number, total: number, fromCache = false) => {
      Object.assign(progress, { bytes: n, totalBytes: total, fromCache });
      report();
    };
    const data = await fileBuffer(ctx, path, url, what, onBytes);
    for await (const item of openRows(
      { name: path, data },
      { limit: limit - rows, rowOffset: lastRow },
    )) {
      rows++;
      lastRow = item.row;
      yield item;
      report();
    }
  }
}
