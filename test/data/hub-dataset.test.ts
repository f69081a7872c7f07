// Hub datasets against a local fake Hub (test/fixtures/fake-hub.ts): subset and split choice,
// the Parquet conversion's redirects, range requests only, rows numbered across a split's files,
// a row limit that leaves later files unread, one file of a repo at a revision, clear 404 and
// 401/403 messages, progress, and a second load from the cache with the server gone: a whole
// split cached file by file, "first N rows" cached as the byte ranges read (range-cache.ts).
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HubDatasetError,
  openHubRows,
  resolveHubDataset,
  type HubDatasetOptions,
  type HubDatasetProgress,
} from '../../src/data/hub-dataset';
import { openRows, readExamples, type RowItem } from '../../src/data/sources/index';
import { memoryCache } from '../../src/model/io/cache';
import { startFakeHub, type FakeDatasetRepo, type FakeHub } from '../fixtures/fake-hub';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { planRead, rangeIndexKey, type RangeStore } from '../../src/data/range-cache';
import { diskCache } from '../../src/cli/model-source';

const rows = (name: string) =>
  fileURLToPath(new URL(`../fixtures/data/rows/${name}`, import.meta.url));
const samples = (name: string) =>
  fileURLToPath(new URL(`../../public/samples/${name}`, import.meta.url));

const repos: Record<string, FakeDatasetRepo> = {
  'org/chat': {
    parquet: {
      default: {
        train: [rows('chat-split-0000.parquet'), rows('chat-split-0001.parquet')],
        test: [rows('chat-zstd.parquet')],
      },
    },
  },
  'org/multi': { parquet: { en: { train: [rows('chat-snappy.parquet')] }, fr: { train: [] } } },
  'org/single': { parquet: { qa: { validation: [rows('chat-gzip.parquet')] } } },
  'org/gated': { parquet: { default: { train: [rows('chat-snappy.parquet')] } }, token: 'hf_good' },
  'org/big': { parquet: { default: { train: [rows('chat-big.parquet')] } } },
  'org/raw': {
    files: {
      main: { 'data/train.jsonl': rows('chat.jsonl') },
      v1: { 'data/dolly.jsonl': samples('dolly-sample.jsonl') },
    },
  },
};

let hub: FakeHub;
beforeAll(async () => {
  hub = await startFakeHub(repos);
});
afterAll(() => hub.close());

async function all(opts: Omit<HubDatasetOptions, 'endpoint'>, endpoint = hub.endpoint) {
  const out: RowItem[] = [];
  for await (const item of openHubRows({ ...opts, endpoint })) out.push(item);
  return out;
}
const jsonlRows = async () => {
  const out: RowItem[] = [];
  for await (const r of openRows({ name: 'c.jsonl', data: readFileSync(rows('chat.jsonl')) }))
    out.push(r);
  return out;
};

describe('subset and split', () => {
  it('default subset, train split, two files: rows numbered on across them, range reads only', async () => {
    hub.log.length = 0;
    const progress: HubDatasetProgress[] = [];
    const got = await all({ repo: 'org/chat', onProgress: (p) => progress.push(p) });
    expect(got).toEqual(await jsonlRows());
    expect(got.map((r) => r.row)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // the listing, a HEAD through each redirect, then range GETs on the resolved url only
    expect(hub.log[0]).toBe('GET /api/datasets/org/chat/parquet');
    expect(hub.log).toContain('HEAD /api/datasets/org/chat/parquet/default/train/1.parquet');
    expect(hub.log).toContain(
      'HEAD /datasets/org/chat/resolve/refs%2Fconvert%2Fparquet/default/train/0001.parquet',
    );
    const gets = hub.log.filter((l) => l.startsWith('GET /datasets/'));
    expect(gets.length).toBeGreaterThan(2);
    for (const g of gets) expect(g).toMatch(/resolve\/refs%2Fconvert%2Fparquet\/.* bytes=\d+-\d+$/);
    expect(progress.at(-1)).toMatchObject({
      file: 'default/train/0001.parquet',
      fileIndex: 1,
      files: 2,
      rows: 8,
    });
  });

  it('a limit stops early: the second file is never touched', async () => {
    hub.log.length = 0;
    const got = await all({ repo: 'org/chat', limit: 3 });
    expect(got.map((r) => r.row)).toEqual([1, 2, 3]);
    expect(hub.log.some((l) => l.includes('/1.parquet') || l.includes('0001.parquet'))).toBe(false);
  });

  it('another split; the only subset when there is one', async () => {
    expect((await all({ repo: 'org/chat', split: 'test' })).map((r) => r.row)).toHaveLength(8);
    const r = await resolveHubDataset({
      repo: 'org/single',
      split: 'validation',
      endpoint: hub.endpoint,
    });
    expect(r).toMatchObject({ subset: 'qa', split: 'validation' });
  });

  it('errors list the subsets and splits there are', async () => {
    await expect(all({ repo: 'org/multi' })).rejects.toThrow(
      /several subsets; choose one of "en", "fr"/,
    );
    await expect(all({ repo: 'org/chat', subset: 'xx' })).rejects.toThrow(
      /no subset "xx" in this dataset; its subsets are "default"/,
    );
    await expect(all({ repo: 'org/chat', split: 'dev' })).rejects.toThrow(
      /no split "dev" in this dataset; its splits are "train", "test"/,
    );
    await expect(all({ repo: 'org/single' })).rejects.toThrow(
      /no "train" split; choose one of "validation"/,
    );
    await expect(all({ repo: 'org/multi', subset: 'fr' })).rejects.toThrow(/lists no Parquet file/);
  });
});

describe('failures say what is wrong and what to do', () => {
  it('404: check the id; a dataset without conversion can be read a file at a time', async () => {
    const e = await all({ repo: 'org/nope' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(HubDatasetError);
    expect((e as Error).message).toMatch(
      /not found \(HTTP 404\): check the dataset id "org\/nope"/,
    );
    await expect(all({ repo: 'org/raw', file: 'data/missing.jsonl' })).rejects.toThrow(
      /"data\/missing\.jsonl" of "org\/raw" not found \(HTTP 404\): check the dataset id "org\/raw", the revision "main" and the file path/,
    );
  });

  it('401 without a token, 403 with a refused one, rows with the right one', async () => {
    await expect(all({ repo: 'org/gated' })).rejects.toThrow(
      /HTTP 401 .*"org\/gated" is gated or private; accept its conditions .* pass an access token \(HF_TOKEN\)/,
    );
    await expect(all({ repo: 'org/gated', token: 'hf_bad' })).rejects.toThrow(
      /HTTP 403 .*the access token was refused/,
    );
    expect(await all({ repo: 'org/gated', token: 'hf_good', limit: 2 })).toHaveLength(2);
  });

  it('an unreachable endpoint and a bad id', async () => {
    await expect(all({ repo: 'org/chat' }, 'http://127.0.0.1:9')).rejects.toThrow(
      /could not reach http:\/\/127\.0\.0\.1:9/,
    );
    await expect(all({ repo: 'not a repo' })).rejects.toThrow(/is not a Hub dataset id/);
    await expect(all({ repo: 'org/chat', revision: 'v2' })).rejects.toThrow(
      /converts only the main branch/,
    );
  });
});

describe('one file of a repo', () => {
  it('by path and revision, any readable format; Dolly rows are recognised', async () => {
    expect(await all({ repo: 'org/raw', file: 'data/train.jsonl' })).toEqual(await jsonlRows());
    const r = await readExamples(
      openHubRows({
        repo: 'org/raw',
        file: 'data/dolly.jsonl',
        revision: 'v1',
        endpoint: hub.endpoint,
      }),
    );
    expect(r.examples).toHaveLength(12);
    expect(r.examples.every((e) => e.readAs === 'dolly')).toBe(true);
  });
});

describe('cache', () => {
  it('the second load works with the server gone', async () => {
    const own = await startFakeHub(repos);
    const cache = memoryCache();
    const first: RowItem[] = [];
    for await (const r of openHubRows({ repo: 'org/chat', endpoint: own.endpoint, cache }))
      first.push(r);
    expect(first).toEqual(await jsonlRows());
    expect(cache.keys()).toEqual([
      `${own.endpoint}/api/datasets/org/chat/parquet`,
      `${own.endpoint}/api/datasets/org/chat/parquet/default/train/0.parquet`,
      `${own.endpoint}/api/datasets/org/chat/parquet/default/train/1.parquet`,
    ]);
    await own.close();
    const progress: HubDatasetProgress[] = [];
    const again: RowItem[] = [];
    for await (const r of openHubRows({
      repo: 'org/chat',
      endpoint: own.endpoint,
      cache,
      onProgress: (p) => progress.push(p),
    })) {
      again.push(r);
    }
    expect(again).toEqual(first);
    expect(progress.every((p) => p.fromCache)).toBe(true);
    // and without the cache the same call now fails: it really was offline
    await expect(all({ repo: 'org/chat' }, own.endpoint)).rejects.toThrow(/could not reach/);
  });
});

describe('cache of the byte ranges read for "first N rows"', () => {
  // chat-big.parquet: 400 rows in 8 row groups of 50, about 1 MiB (make-big-parquet.mjs)
  const bigFile = readFileSync(rows('chat-big.parquet'));
  const meta = parquetMetadata(new Uint8Array(bigFile).buffer);
  /** Row group g's column chunks span bytes [start, end) of the file. */
  const groupBytes = (g: number): [number, number] => {
    const cols = meta.row_groups[g].columns.map((c) => c.meta_data!);
    const start = Math.min(
      ...cols.map((m) => Number(m.dictionary_page_offset ?? m.data_page_offset)),
    );
    const end = Math.max(
      ...cols.map(
        (m) =>
          Number(m.dictionary_page_offset ?? m.data_page_offset) + Number(m.total_compressed_size),
      ),
    );
    return [start, end];
  };
  const bigRows = async (limit: number) => {
    const out: RowItem[] = [];
    for await (const r of openRows({ name: 'big.parquet', data: bigFile }, { limit })) out.push(r);
    return out;
  };
  /** The range GETs of the file in a fake Hub log, as [first, last] byte pairs. */
  const rangeGets = (log: string[]) =>
    log
      .filter((l) => l.startsWith('GET /datasets/org/big/'))
      .map((l) => {
        const m = / bytes=(\d+)-(\d+)$/.exec(l);
        expect(m, `a GET without Range: ${l}`).not.toBeNull();
        return [Number(m![1]), Number(m![2])] as const;
      });
  const fetchedBytes = (log: string[]) =>
    rangeGets(log).reduce((n, [first, last]) => n + last - first + 1, 0);

  async function load(endpoint: string, cache: RangeStore, limit: number) {
    const progress: HubDatasetProgress[] = [];
    const out: RowItem[] = [];
    for await (const r of openHubRows({
      repo: 'org/big',
      endpoint,
      cache,
      limit,
      onProgress: (p) => progress.push(p),
    })) {
      out.push(r);
    }
    return { rows: out, progress };
  }

  it('ranges only, fewer bytes than the file; offline again; a larger limit fetches only new row groups', async () => {
    expect(meta.row_groups).toHaveLength(8);
    const dir = mkdtempSync(join(tmpdir(), 'sft-range-cache-'));
    try {
      const cache = diskCache(dir); // the CLI's cache: keys with a query string are fine there
      let own = await startFakeHub(repos);
      const port = Number(new URL(own.endpoint).port);

      const first = await load(own.endpoint, cache, 10);
      expect(first.rows).toEqual(await bigRows(10));
      const firstBytes = fetchedBytes(own.log);
      // the footer read (hyparquet's last 512 KiB) and row group 0, nothing whole
      expect(firstBytes).toBeLessThan(bigFile.length * 0.7);
      const [g0, g0End] = groupBytes(0);
      const [g1, g1End] = groupBytes(1);
      for (const [a, b] of rangeGets(own.log)) expect(a >= g1End || b < g1, `${a}-${b}`).toBe(true);
      expect(rangeGets(own.log).some(([a, b]) => a <= g0 && b >= g0End - 1)).toBe(true);
      expect(first.progress.at(-1)).toMatchObject({ rows: 10, fromCache: false });
      expect(first.progress.at(-1)!.bytes).toBe(firstBytes);
      expect(first.progress.at(-1)!.totalBytes).toBe(bigFile.length);
      console.log(
        `first 10 rows of a ${bigFile.length}-byte shard: ${firstBytes} bytes in ${rangeGets(own.log).length} range requests`,
      );

      await own.close();
      for (const limit of [10, 4]) {
        const again = await load(own.endpoint, cache, limit);
        expect(again.rows).toEqual(first.rows.slice(0, limit));
        expect(again.progress.length).toBeGreaterThan(0);
        expect(again.progress.every((p) => p.fromCache)).toBe(true);
      }
      // beyond what is cached, the load needs the server, and says it could not reach it
      await expect(load(own.endpoint, cache, 60)).rejects.toThrow(/could not reach/);

      own = await startFakeHub(repos, port);
      const more = await load(own.endpoint, cache, 60);
      expect(more.rows).toEqual(await bigRows(60));
      // the listing stays cached; a HEAD (through the redirect), then row group 1 alone
      expect(own.log.some((l) => l.includes('/api/datasets/org/big/parquet '))).toBe(false);
      expect(own.log.filter((l) => l.startsWith('HEAD '))).toHaveLength(2);
      const gets = rangeGets(own.log);
      expect(gets.length).toBeGreaterThan(0);
      for (const [a, b] of gets) {
        expect(a).toBeGreaterThanOrEqual(g1);
        expect(b).toBeLessThan(g1End);
      }
      expect(fetchedBytes(own.log)).toBe(g1End - g1);
      expect(more.progress.at(-1)).toMatchObject({ rows: 60, fromCache: false });
      await own.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /** A cache whose entries the test can see and drop, as a browser evicts them. */
  function mapCache() {
    const map = new Map<string, Blob>();
    const store: RangeStore = {
      get: async (key) => map.get(key) ?? null,
      put: async (key, data) => {
        map.set(key, data instanceof Blob ? data : await new Response(data).blob());
      },
    };
    return { map, store };
  }

  it('an evicted range is fetched again; a file changed on the server is not mixed with the cache', async () => {
    const own = await startFakeHub(repos);
    try {
      const { map, store } = mapCache();
      const first = await load(own.endpoint, store, 10);
      const fileUrl = `${own.endpoint}/api/datasets/org/big/parquet/default/train/0.parquet`;
      const ranges = [...map.keys()].filter((k) => k.startsWith(`${fileUrl}?sft-studio-bytes=`));
      expect(ranges.length).toBeGreaterThanOrEqual(2);
      const g0 = groupBytes(0)[0];
      const evicted = ranges.find((k) => k.endsWith(`=${g0}-${groupBytes(0)[1] - 1}`));
      expect(evicted, ranges.join('\n')).toBeDefined();
      map.delete(evicted!);
      own.log.length = 0;
      expect((await load(own.endpoint, store, 10)).rows).toEqual(first.rows);
      expect(rangeGets(own.log)).toEqual([[g0, groupBytes(0)[1] - 1]]);

      // the index says another size (the Hub rewrote the shard): fail once, then start afresh
      const index = JSON.parse(await map.get(rangeIndexKey(fileUrl))!.text()) as { size: number };
      map.set(
        rangeIndexKey(fileUrl),
        new Blob([JSON.stringify({ ...index, size: index.size + 7 })]),
      );
      await expect(load(own.endpoint, store, 10)).rejects.toThrow(
        /"default\/train\/0000\.parquet" of "org\/big" changed on the server since its first bytes were cached; load it again/,
      );
      expect((await load(own.endpoint, store, 10)).rows).toEqual(first.rows);
    } finally {
      await own.close();
    }
  });

  it('a load with no limit caches the file whole, which then serves limited loads', async () => {
    const own = await startFakeHub(repos);
    const { map, store } = mapCache();
    const got: RowItem[] = [];
    for await (const r of openHubRows({ repo: 'org/big', endpoint: own.endpoint, cache: store }))
      got.push(r);
    expect(got).toHaveLength(400);
    expect(own.log.filter((l) => l.startsWith('GET /datasets/org/big/'))).toHaveLength(1);
    await own.close();
    expect((await load(own.endpoint, store, 3)).rows).toEqual(got.slice(0, 3));
    expect([...map.keys()].some((k) => k.includes('sft-studio-'))).toBe(false);
  });

  it('planRead: cached spans serve what they cover, the rest is gaps', () => {
    expect(planRead([], 5, 9)).toEqual([{ start: 5, end: 9, span: null }]);
    const a: [number, number] = [0, 4];
    const b: [number, number] = [2, 8];
    const c: [number, number] = [10, 12];
    expect(planRead([a, b, c], 1, 14)).toEqual([
      { start: 1, end: 4, span: a },
      { start: 4, end: 8, span: b },
      { start: 8, end: 10, span: null },
      { start: 10, end: 12, span: c },
      { start: 12, end: 14, span: null },
    ]);
  });
});
