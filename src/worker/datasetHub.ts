// Hugging Face Hub datasets in the dataset worker: "Look up" (the subsets and splits of the Hub's
// Parquet conversion, with each split's rows read from its Parquet footers with range requests,
// since the listing gives none) and the rows of one split or one file of the repo at a revision
// (src/data openHubRows) through the browser's Cache Storage, the same implementation the engine
// worker caches models with, so a second load, and a second look-up, work with the network gone.
import { asyncBufferFromUrl, parquetMetadataAsync } from 'hyparquet';
import {
  HubDatasetError,
  openHubRows,
  toAsyncBuffer,
  type DatasetCache,
  type HubDatasetProgress,
  type RowItem,
} from '../data/index.ts';
import { cacheStorageCache } from '../engine/index.ts';
import type { HubDatasetInput, HubListing, HubSubset } from './sourceProtocol.ts';

/** Kept apart from the models' cache; keys are the Hub's URLs, as openHubRows uses them. */
const kCacheName = 'sft-studio-datasets';
/** Row counts read from footers, by file URL (Cache Storage ignores a URL's #fragment, so the
 * counts cannot share the files' cache under a suffixed key). */
const kRowsCacheName = 'sft-studio-dataset-rows';
/** Footers read per look-up at most (a split of hundreds of files keeps "rows unknown"). */
const kMaxFooters = 64;
/** The footer is at the end of the file; 64 KiB holds most footers in one request. */
const kFooterFetch = 1 << 16;

/** The browser's dataset cache, or none where Cache Storage is missing (an insecure origin). */
export function datasetCache(name = kCacheName): DatasetCache | undefined {
  return typeof caches === 'undefined' ? undefined : cacheStorageCache(name);
}

const trimEndpoint = (endpoint: string) => endpoint.trim().replace(/\/+$/, '');

function authHeaders(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** The listing request, with the Hub's answers turned into what to do. */
async function fetchListing(url: string, repo: string, endpoint: string, token?: string) {
  let res: Response;
  try {
    res = await fetch(url, { headers: authHeaders(token) });
  } catch (e) {
    throw new HubDatasetError(
      `could not reach ${endpoint} to look up "${repo}" (${(e as Error).message}); check the network or the endpoint (Model step)`,
      { cause: e },
    );
  }
  if (res.status === 401 || res.status === 403) {
    throw new HubDatasetError(
      token
        ? `HTTP ${res.status}: the access token was refused for "${repo}"; check it, and accept the dataset's conditions on its Hub page`
        : `HTTP ${res.status}: "${repo}" is gated or private; accept its conditions on its Hub page and give an access token`,
    );
  }
  if (res.status === 404) {
    throw new HubDatasetError(
      `"${repo}" was not found on ${endpoint} (HTTP 404), or the Hub has not converted it to Parquet; check the dataset id, or read one file of the repo (below)`,
    );
  }
  if (!res.ok) throw new HubDatasetError(`HTTP ${res.status} looking up "${repo}" on ${endpoint}`);
  return res.text();
}

export interface HubLookup {
  listing: HubListing;
  /** subset → split → Parquet urls (the cache keys of the files). */
  urls: Record<string, Record<string, string[]>>;
}

/** The subsets and splits of a Hub dataset (rows still unknown). Offline, the cached listing. */
export async function lookUpHubDataset(
  repo: string,
  endpointIn: string,
  token: string | undefined,
  cache = datasetCache(),
): Promise<HubLookup> {
  const id = repo.trim();
  if (!/^[\w.-]+\/[\w.-]+$/.test(id)) {
    throw new HubDatasetError(`"${id}" is not a Hub dataset id: expected org/name`);
  }
  const endpoint = trimEndpoint(endpointIn);
  const url = `${endpoint}/api/datasets/${id}/parquet`;
  let text: string;
  try {
    text = await fetchListing(url, id, endpoint, token);
    await cache?.put(url, new Blob([text]));
  } catch (e) {
    // Offline (or the Hub down): the listing a previous load kept, if any.
    const hit = await cache?.get(url).catch(() => null);
    if (!hit) throw e;
    text = await hit.text();
  }
  let urls: HubLookup['urls'];
  try {
    urls = JSON.parse(text) as HubLookup['urls'];
  } catch (e) {
    throw new HubDatasetError(`the Parquet listing of "${id}" is not JSON`, { cause: e });
  }
  if (typeof urls !== 'object' || urls === null || Array.isArray(urls)) {
    throw new HubDatasetError(`the Parquet listing of "${id}" is not {subset: {split: [url]}}`);
  }
  const subsets: HubSubset[] = Object.entries(urls).map(([name, splits]) => ({
    name,
    splits: Object.entries(splits ?? {}).map(([split, files]) => ({
      name: split,
      files: Array.isArray(files) ? files.length : 0,
      rows: null,
    })),
  }));
  if (subsets.length === 0) {
    throw new HubDatasetError(
      `"${id}" lists no Parquet subset: the Hub has not converted it; read one file of the repo (below)`,
    );
  }
  return { listing: { repo: id, endpoint, subsets }, urls };
}

/** Rows of one Parquet file from its footer: a cached count, the cached file, or a range read. */
async function fileRows(url: string, token: string | undefined, cache?: DatasetCache) {
  const counts = datasetCache(kRowsCacheName);
  const known = await counts?.get(url).catch(() => null);
  if (known) return Number(await known.text());
  const file = await cache?.get(url).catch(() => null);
  const buffer = file
    ? toAsyncBuffer(file)
    : await asyncBufferFromUrl({ url, requestInit: { headers: authHeaders(token) } });
  const meta = await parquetMetadataAsync(buffer, { initialFetchSize: kFooterFetch });
  const rows = Number(meta.num_rows);
  await counts?.put(url, new Blob([String(rows)])).catch(() => undefined);
  return rows;
}

/**
 * Rows per split, from the Parquet footers (four files at a time), reported split by split as
 * they become known; a split whose footers cannot be read stays unknown. Stops when `stale()`.
 */
export async function countHubRows(
  lookup: HubLookup,
  token: string | undefined,
  onSplit: (subset: string, split: string, rows: number | null) => void,
  stale: () => boolean,
  cache = datasetCache(),
): Promise<void> {
  let budget = kMaxFooters;
  for (const subset of lookup.listing.subsets) {
    for (const split of subset.splits) {
      const listed = lookup.urls[subset.name][split.name];
      const files = Array.isArray(listed) ? listed : [];
      if (stale()) return;
      if (files.length > budget) {
        onSplit(subset.name, split.name, null);
        continue;
      }
      budget -= files.length;
      let total: number | null = 0;
      for (let i = 0; i < files.length && total !== null; i += 4) {
        const counts = await Promise.all(
          files.slice(i, i + 4).map((u) => fileRows(u, token, cache).catch(() => null)),
        );
        for (const n of counts) total = n === null || total === null ? null : total + n;
      }
      if (!stale()) onSplit(subset.name, split.name, total);
    }
  }
}

/**
 * The name a Hub split or file goes by in the report, the run and the model card:
 * `org/name (default/train, first 1000 rows)` or `org/name/data/train.jsonl@v1 (first 1000 rows)`.
 */
export function hubDatasetName(input: HubDatasetInput): string {
  if (input.file !== undefined) {
    const limit = input.limit === null ? '' : ` (first ${input.limit} rows)`;
    return `${input.repo}/${input.file}@${input.revision || 'main'}${limit}`;
  }
  const limit = input.limit === null ? '' : `, first ${input.limit} rows`;
  return `${input.repo} (${input.subset ?? 'default'}/${input.split ?? 'train'}${limit})`;
}

/** The rows of a Hub split or file through the dataset cache; `signal` aborts the downloads. */
export function hubRows(
  input: HubDatasetInput,
  signal: AbortSignal,
  onProgress: (p: HubDatasetProgress) => void,
): AsyncGenerator<RowItem> {
  return openHubRows({
    repo: input.repo,
    subset: input.subset,
    split: input.split,
    file: input.file,
    revision: input.revision || undefined,
    endpoint: trimEndpoint(input.endpoint),
    token: input.token || undefined,
    limit: input.limit ?? undefined,
    cache: datasetCache(),
    onProgress,
    fetch: (url, init) => fetch(url, { ...init, signal }),
  });
}
