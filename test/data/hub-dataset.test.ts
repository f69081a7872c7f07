// Hub datasets against a local fake Hub (test/fixtures/fake-hub.ts): subset and split choice,
// the Parquet conversion's redirects, range requests only, rows numbered across a split's files,
// a row limit that leaves later files unread, one file of a repo at a revision, clear 404 and
// 401/403 messages, progress, and a second load from the cache with the server gone.
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
import { readFileSync } from 'node:fs';

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
