// The dataset report: formats, mixed formats, turns, duplicates, empty answers, errors by kind,
// and token statistics (histogram, over max length, trained tokens lost, excluded lines).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseJsonl } from '../../src/data/jsonl';
import { tokenizeAll } from '../../src/data/masking';
import { buildReport, niceBinWidth, tokenCounts } from '../../src/data/report';
import { resolveTemplate } from '../../src/data/templates';
import { lenmlTokenizer } from './lenml';

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/data/${name}`, import.meta.url), 'utf8');
const msg = (q: string, a: string) =>
  JSON.stringify({
    messages: [
      { role: 'user', content: q },
      { role: 'assistant', content: a },
    ],
  });

describe('buildReport', () => {
  it('counts formats, flags mixed formats, and counts errors by kind', () => {
    const r = buildReport(parseJsonl(fixture('mixed.jsonl')));
    expect(r).toMatchObject({
      totalLines: 8,
      validExamples: 5,
      invalidLines: 3,
      mixedFormats: true,
    });
    expect(r.countsByFormat).toEqual({
      messages: 1,
      alpaca: 1,
      prompt_completion: 1,
      sharegpt: 1,
      text: 1,
    });
    expect(r.errorsByKind).toEqual({ json: 1, role: 1, no_assistant: 1 });
    expect(r.turnsHistogram).toEqual({ 0: 1, 2: 3, 5: 1 });
    expect(r.tokens).toBeUndefined();
  });

  it('one format is not mixed; duplicates are grouped by line, across formats too', () => {
    const lines = [
      msg('q', 'a'),
      msg('other', 'b'),
      msg('q', 'a'),
      JSON.stringify({ prompt: 'q', completion: 'a' }),
      JSON.stringify({ text: 't' }),
      JSON.stringify({ text: 't' }),
    ];
    const r = buildReport(parseJsonl(lines.join('\n')));
    expect(r.duplicateGroups).toEqual([
      [1, 3, 4],
      [5, 6],
    ]);
    expect(buildReport(parseJsonl(msg('a', 'b'))).mixedFormats).toBe(false);
  });

  it('lists empty and whitespace-only answers by line', () => {
    const r = buildReport(
      parseJsonl([msg('q', 'fine'), msg('q', ''), msg('q', ' \n ')].join('\n')),
    );
    expect(r.emptyAnswerLines).toEqual([2, 3]);
  });

  it('token statistics: histogram, over max length, trained tokens lost, excluded lines', () => {
    const tok = lenmlTokenizer('qwen3', { chat_template: null });
    const tpl = resolveTemplate(tok);
    const long = 'word '.repeat(60).trim();
    const parse = parseJsonl(
      [msg('short', 'ok'), msg('q', long), msg(long, 'a'), 'bad'].join('\n'),
    );
    const maxLength = 40;
    const outcomes = tokenizeAll(tok, tpl, parse.examples, { maxLength });
    const r = buildReport(parse, { tokens: { maxLength, outcomes } });
    const t = r.tokens!;
    expect(t.maxLength).toBe(40);
    expect(t.overMaxLength).toBe(2);
    expect(t.overMaxLengthLines).toEqual([2, 3]);
    // line 2 loses the tail of its answer; line 3 loses its whole answer and is excluded
    expect(t.truncatedTrainedTokens).toBe(
      outcomes.reduce((n, o) => n + ('inputIds' in o ? o.truncatedTrainedTokens : 0), 0),
    );
    expect(t.truncatedTrainedTokens).toBeGreaterThan(20);
    expect(t.excluded.map((e) => e.line)).toEqual([3]);
    expect(t.excluded[0].reason).toMatch(/no trained token left after truncation/);
    expect(t.histogram.reduce((n, b) => n + b.count, 0)).toBe(3);
    expect(t.minLength).toBeLessThan(t.maxSeen);
    for (const o of outcomes) {
      if (!('error' in o)) {
        const bin = t.histogram.find((b) => b.binStart <= o.fullLength && o.fullLength < b.binEnd);
        expect(bin).toBeDefined();
      }
    }
    // tokens training sees: lines 1 and 2 (truncated), not the excluded line 3
    expect(t.totalTokens).toBe(
      outcomes
        .filter((o) => 'inputIds' in o && !o.excluded)
        .reduce((n, o) => n + ('inputIds' in o ? o.inputIds.length : 0), 0),
    );
    expect(t.trainedTokens).toBeGreaterThan(0);
  });

  it('per-example counts give the same report as the token arrays', () => {
    const tok = lenmlTokenizer('qwen3', { chat_template: null });
    const tpl = resolveTemplate(tok);
    const parse = parseJsonl(fixture('e2e-multiturn.jsonl'));
    for (const maxLength of [12, 40, 4096]) {
      const outcomes = tokenizeAll(tok, tpl, parse.examples, { maxLength });
      const counts = outcomes.map((o) => ('error' in o ? o : tokenCounts(o)));
      expect(buildReport(parse, { tokens: { maxLength, outcomes: counts } })).toEqual(
        buildReport(parse, { tokens: { maxLength, outcomes } }),
      );
    }
  });

  it('template failures are listed as render errors and excluded', () => {
    const parse = parseJsonl(msg('q', 'a'));
    const r = buildReport(parse, {
      tokens: { maxLength: 8, outcomes: [{ line: 1, error: 'boom' }] },
    });
    expect(r.tokens?.renderErrors).toEqual([{ line: 1, error: 'boom' }]);
    expect(r.tokens?.excluded).toEqual([{ line: 1, reason: 'the chat template failed: boom' }]);
  });

  it('round histogram bin widths', () => {
    expect(niceBinWidth(100, 20)).toBe(5);
    expect(niceBinWidth(2049, 20)).toBe(200);
    expect(niceBinWidth(3, 20)).toBe(1);
  });
});
