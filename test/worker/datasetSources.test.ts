// The dataset worker's source pieces, in Node: how rows were read (datasetReading: columns with
// values, the proposal, "unrecognized", the model card's line), the Hub look-up with row counts
// from the Parquet footers against the fake Hub (test/fixtures/fake-hub.ts), its messages, and the
// look-up from the cache with the Hub gone.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRows, readExamples, type ColumnMapping } from '../../src/data/index.ts';
import { modelCard } from '../../src/engine/card.ts';
import { hyperOf } from '../../src/engine/settings.ts';
import { kDefaultSettings } from '../../src/engine/index.ts';
import { memoryCache } from '../../src/model/io/cache.ts';
import { countHubRows, hubDatasetName, lookUpHubDataset } from '../../src/worker/datasetHub.ts';
import { datasetReading } from '../../src/worker/datasetReading.ts';
import { keepFirstRows } from '../../src/worker/datasetSource.ts';
import { startFakeHub, type FakeHub } from '../fixtures/fake-hub.ts';
import { kRepoRoot } from '../helpers/browser.ts';

const fixture = (p: string) => resolve(kRepoRoot, p);

async function readingOf(path: string, mapping: ColumnMapping | null = null) {
  const first: unknown[] = [];
  const rows = openRows({ name: path, data: new Uint8Array(readFileSync(path)) });
  const result = await readExamples(keepFirstRows(rows, first), mapping ? { mapping } : {});
  return { result, reading: datasetReading(result, first, mapping) };
}

describe('datasetReading', () => {
  const tickets = fixture('test/fixtures/data/sources/support-tickets.csv');

  it('an unknown schema: columns with values, a proposal, the dialog opens by itself', async () => {
    const { reading } = await readingOf(tickets);
    expect(reading.unrecognized).toBe(true);
    expect(reading.columns.map((c) => c.name)).toEqual(['ticket', 'agent_reply', 'topic']);
    expect(reading.columns[2].values).toEqual(['damage', 'account', 'login']);
    expect(reading.columns[0].values[0]).toBe(
      'My order arrived with a cracked screen, what should I do?',
    );
    // long values are shortened to one line
    expect(reading.columns[1].values[0]).toMatch(/^I'm sorry about that\. .*…$/);
    expect(reading.columns[1].values[0].length).toBe(90);
    expect(reading.proposal?.format).toBe('alpaca');
    expect(reading).toMatchObject({ mapping: null, spec: '', card: '', readings: [] });
  });

  it('read through a mapping: the spec and the card line', async () => {
    const mapping = { instruction: 'ticket', output: 'agent_reply' };
    const { result, reading } = await readingOf(tickets, mapping);
    expect(result.examples).toHaveLength(5);
    expect(reading.unrecognized).toBe(false);
    expect(reading.spec).toBe('instruction=ticket,output=agent_reply');
    expect(reading.card).toBe(
      'columns `instruction=ticket,output=agent_reply`; read through the chosen column mapping (5 rows)',
    );
  });

  it('the model card carries the line (and leaves it out for standard rows)', () => {
    const facts = {
      baseModel: 'org/model',
      datasetName: 'support-tickets.csv',
      datasetExamples: 5,
      trainExamples: 5,
      evalExamples: 0,
      hyper: hyperOf(kDefaultSettings, 10),
      targets: ['q_proj'],
      steps: 10,
      totalSteps: 10,
      seqLen: 64,
      finalLoss: 1,
      finalEvalLoss: null,
      elapsedSeconds: 1,
      device: 'test',
    };
    const line =
      'columns `instruction=ticket,output=agent_reply`; read through the chosen column mapping (5 rows)';
    expect(modelCard({ ...facts, datasetReading: line })).toContain(`\n- Rows read as: ${line}\n`);
    expect(modelCard(facts)).not.toContain('Rows read as');
  });

  it('a recognised schema says how it was read (Dolly)', async () => {
    const { reading } = await readingOf(fixture('public/samples/dolly-sample.jsonl'));
    expect(reading.unrecognized).toBe(false);
    expect(reading.readings).toHaveLength(1);
    expect(reading.readings[0]).toMatchObject({ reading: 'dolly', rows: 12 });
    expect(reading.card).toMatch(/^Dolly: instruction .* response as the answer \(12 rows\)$/);
    // The dialog, opened to override, starts from the same columns.
    expect(reading.proposal?.mapping).toEqual({
      instruction: 'instruction',
      input: 'context',
      output: 'response',
    });
  });

  it('standard rows need no mapping and leave the card alone', async () => {
    const { reading } = await readingOf(fixture('test/fixtures/data/rows/chat.jsonl'));
    expect(reading).toMatchObject({ unrecognized: false, card: '', readings: [] });
  });
});

describe('Hub look-up', () => {
  let hub: FakeHub;
  const rows = (n: string) => fixture(`test/fixtures/data/rows/${n}`);
  beforeAll(async () => {
    hub = await startFakeHub({
      'org/chat': {
        parquet: {
          default: {
            train: [rows('chat-split-0000.parquet'), rows('chat-split-0001.parquet')],
            test: [rows('chat-zstd.parquet')],
          },
        },
      },
      'org/gated': { parquet: { default: { train: [rows('chat-snappy.parquet')] } }, token: 't' },
    });
  });
  afterAll(() => hub.close());

  it('lists subsets and splits, then counts rows from the footers with range requests', async () => {
    const cache = memoryCache();
    const found = await lookUpHubDataset('org/chat', `${hub.endpoint}/`, undefined, cache);
    expect(found.listing).toEqual({
      repo: 'org/chat',
      endpoint: hub.endpoint,
      subsets: [
        {
          name: 'default',
          splits: [
            { name: 'train', files: 2, rows: null },
            { name: 'test', files: 1, rows: null },
          ],
        },
      ],
    });
    hub.log.length = 0;
    const counts: [string, string, number | null][] = [];
    await countHubRows(
      found,
      undefined,
      (...c) => counts.push(c),
      () => false,
      cache,
    );
    expect(counts).toEqual([
      ['default', 'train', 8],
      ['default', 'test', 8],
    ]);
    // only footers: HEADs and range GETs
    for (const l of hub.log) expect(l).toMatch(/^HEAD |^GET .* bytes=\d+-\d+$/);
  });

  it('says what is wrong: a bad id, a missing dataset, a gated one without a token', async () => {
    await expect(lookUpHubDataset('nope', hub.endpoint, undefined)).rejects.toThrow(
      /not a Hub dataset id: expected org\/name/,
    );
    await expect(lookUpHubDataset('org/missing', hub.endpoint, undefined)).rejects.toThrow(
      /"org\/missing" was not found .*HTTP 404/,
    );
    await expect(lookUpHubDataset('org/gated', hub.endpoint, undefined)).rejects.toThrow(
      /HTTP 401: "org\/gated" is gated or private/,
    );
    await expect(lookUpHubDataset('org/gated', hub.endpoint, 'wrong')).rejects.toThrow(
      /HTTP 403: the access token was refused/,
    );
    const ok = await lookUpHubDataset('org/gated', hub.endpoint, 't');
    expect(ok.listing.subsets[0].splits[0].files).toBe(1);
  });

  it('looks up from the cache with the Hub gone, and says so when nothing is cached', async () => {
    const other = await startFakeHub({
      'org/chat': { parquet: { default: { train: [rows('chat-snappy.parquet')] } } },
    });
    const cache = memoryCache();
    const online = await lookUpHubDataset('org/chat', other.endpoint, undefined, cache);
    await other.close();
    const offline = await lookUpHubDataset('org/chat', other.endpoint, undefined, cache);
    expect(offline.listing).toEqual(online.listing);
    await expect(
      lookUpHubDataset('org/chat', other.endpoint, undefined, memoryCache()),
    ).rejects.toThrow(/could not reach http:\/\/127\.0\.0\.1:\d+ to look up "org\/chat"/);
  });

  it('names a split as the report and the model card show it', () => {
    const input = {
      kind: 'hub' as const,
      repo: 'org/chat',
      subset: 'default',
      split: 'train',
      endpoint: '',
    };
    expect(hubDatasetName({ ...input, limit: 1000 })).toBe(
      'org/chat (default/train, first 1000 rows)',
    );
    expect(hubDatasetName({ ...input, limit: null })).toBe('org/chat (default/train)');
  });
});
