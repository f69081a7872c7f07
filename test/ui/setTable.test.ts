// The Try step's prompt-set table, outside React: sorting (stable, unfinished rows last), filtering
// (text, token-limit hits, tuned worse than base), the JSONL export (compare --json's field names,
// the summary line, unfinished rows left out) and the CSV export (RFC 4180 quoting of commas,
// quotes and line breaks, CRLF, BOM), pasted questions, the dataset worker's prompt picking, and
// the store's set slice (streamed rows, an older job's events ignored) and overfitting-watch state.
import { describe, expect, it } from 'vitest';
import type { Example } from '../../src/data/index.ts';
import { useStudio } from '../../src/ui/store/index.ts';
import {
  csvField,
  filterRows,
  parseQuestions,
  sortRows,
  toCsv,
  toJsonl,
  visibleRows,
  type SetRow,
} from '../../src/ui/try-step/setTable.ts';
import type { GenerationSummary, SetSummary } from '../../src/worker/engineProtocol.ts';
import { promptsFor } from '../../src/worker/datasetPrompts.ts';

function row(
  line: number,
  base: [string, boolean, number | null] | null,
  tuned: [string, boolean, number | null] | null,
  extra: Partial<SetRow> = {},
): SetRow {
  const ans = (a: [string, boolean, number | null] | null) =>
    a && { text: a[0], stopped: a[1], tokens: a[0].split(' ').length, rougeL: a[2] };
  return {
    line,
    prompt: `q${line}`,
    context: 0,
    reference: `r${line}`,
    base: base?.[0] ?? '',
    tuned: tuned?.[0] ?? '',
    baseAnswer: ans(base),
    tunedAnswer: ans(tuned),
    skipped: null,
    ...extra,
  };
}

const rows: SetRow[] = [
  row(3, ['a b c', true, 0.2], ['x', true, 0.9]),
  row(1, ['a', false, 0.5], ['y y y y', false, 0.1]),
  row(7, ['b', true, 0.5], ['z z', true, 0.5]),
  row(9, ['c', true, null], null),
];

const lines = (rs: SetRow[]) => rs.map((r) => r.line);

describe('sorting', () => {
  it('sorts by row number either way', () => {
    expect(lines(sortRows(rows, { key: 'line', dir: 'asc' }))).toEqual([1, 3, 7, 9]);
    expect(lines(sortRows(rows, { key: 'line', dir: 'desc' }))).toEqual([9, 7, 3, 1]);
  });

  it('puts rows without a value last in both directions, ties in line order', () => {
    expect(lines(sortRows(rows, { key: 'tuned-rouge', dir: 'desc' }))).toEqual([3, 7, 1, 9]);
    expect(lines(sortRows(rows, { key: 'tuned-rouge', dir: 'asc' }))).toEqual([1, 7, 3, 9]);
    // base ROUGE-L 0.5 twice (lines 1 and 7): line order breaks the tie.
    expect(lines(sortRows(rows, { key: 'base-rouge', dir: 'desc' }))).toEqual([1, 7, 3, 9]);
  });

  it('sorts by the ROUGE-L gain and by length', () => {
    expect(lines(sortRows(rows, { key: 'gain', dir: 'desc' }))).toEqual([3, 7, 1, 9]);
    expect(lines(sortRows(rows, { key: 'tuned-tokens', dir: 'desc' }))).toEqual([1, 7, 3, 9]);
    expect(lines(sortRows(rows, { key: 'base-tokens', dir: 'asc' }))).toEqual([1, 7, 9, 3]);
  });

  it('does not reorder its input', () => {
    const copy = rows.slice();
    sortRows(rows, { key: 'line', dir: 'asc' });
    expect(rows).toEqual(copy);
  });
});

describe('filtering', () => {
  it('keeps rows whose prompt, reference or answers contain the text, any case', () => {
    expect(lines(filterRows(rows, { text: 'Y Y', show: 'all' }))).toEqual([1]);
    expect(lines(filterRows(rows, { text: 'r7', show: 'all' }))).toEqual([7]);
    expect(lines(filterRows(rows, { text: '  ', show: 'all' }))).toEqual([3, 1, 7, 9]);
  });

  it('shows the rows that hit the token limit, or where tuned scores lower', () => {
    const limitRows = [...rows, row(4, ['p', true, 0.3], ['q', false, 0.4])];
    expect(lines(filterRows(limitRows, { text: '', show: 'limit' }))).toEqual([1, 4]);
    expect(lines(filterRows(limitRows, { text: '', show: 'tuned-limit' }))).toEqual([1, 4]);
    const baseOnly = [row(5, ['p', false, 0.3], ['q', true, 0.4])];
    expect(lines(filterRows(baseOnly, { text: '', show: 'limit' }))).toEqual([5]);
    expect(filterRows(baseOnly, { text: '', show: 'tuned-limit' })).toEqual([]);
    expect(lines(filterRows(rows, { text: '', show: 'worse' }))).toEqual([1]);
  });

  it('filters, then sorts', () => {
    const v = visibleRows(rows, { key: 'line', dir: 'desc' }, { text: 'a', show: 'all' });
    expect(lines(v)).toEqual([3, 1]);
  });
});

function gs(p: Partial<GenerationSummary>): GenerationSummary {
  return {
    examples: 2,
    bleu: 0,
    bleuDetail: {} as GenerationSummary['bleuDetail'],
    rougeL: 0,
    exact: 0,
    stopped: 0,
    meanLength: 0,
    ...p,
  };
}

describe('JSONL export', () => {
  const summary: SetSummary = {
    examples: 3,
    withReference: 3,
    base: gs({ bleu: 12.3456789, rougeL: 0.4, exact: 0, stopped: 2 / 3, meanLength: 1.5 }),
    tuned: gs({ bleu: 40, rougeL: 0.5, exact: 1 / 3, stopped: 2 / 3, meanLength: 2 }),
  };

  it("writes compare --json's fields per finished row, then the summary", () => {
    const text = toJsonl(rows, summary);
    expect(text.endsWith('\n')).toBe(true);
    const objs = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objs).toHaveLength(4); // row 9 is unfinished
    expect(objs[0]).toEqual({
      line: 3,
      prompt: 'q3',
      reference: 'r3',
      base: 'a b c',
      tuned: 'x',
      base_stopped: true,
      tuned_stopped: true,
      base_tokens: 3,
      tuned_tokens: 1,
      rougeL: { base: 0.2, tuned: 0.9 },
    });
    expect(objs[3]).toEqual({
      summary: {
        examples: 3,
        bleu: { base: 12.345679, tuned: 40 },
        rougeL: { base: 0.4, tuned: 0.5 },
        exact: { base: 0, tuned: 0.333333 },
        stopped: { base: 0.666667, tuned: 0.666667 },
        mean_length: { base: 1.5, tuned: 2 },
      },
    });
  });

  it('keeps newlines, quotes and non-ASCII text intact, one row per line', () => {
    const tricky = row(2, ['line one\nline "two"', true, null], ['Xin chào\u2028!', true, null], {
      reference: null,
    });
    const text = toJsonl([tricky], null);
    expect(text.split('\n')).toHaveLength(2);
    const o = JSON.parse(text) as Record<string, unknown>;
    expect(o.base).toBe('line one\nline "two"');
    expect(o.tuned).toBe('Xin chào\u2028!');
    expect('reference' in o).toBe(false);
    expect('rougeL' in o).toBe(false);
  });

  it('leaves reference metrics out of the summary when some prompt has no reference', () => {
    const s = toJsonl([], { ...summary, withReference: 1 });
    const o = JSON.parse(s) as { summary: Record<string, unknown> };
    expect(Object.keys(o.summary)).toEqual(['examples', 'stopped', 'mean_length']);
  });
});

describe('CSV export', () => {
  it('quotes fields with commas, quotes or line breaks, and doubles quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
    expect(csvField(null)).toBe('');
    expect(csvField(false)).toBe('false');
    expect(csvField(0.25)).toBe('0.25');
  });

  it('writes a BOM, a header and one CRLF-ended record per finished row', () => {
    const tricky = row(2, ['x, "y"\nz', false, 0.123456789], ['ok', true, 1]);
    const csv = toCsv([tricky, rows[3]]);
    expect(csv.startsWith('\ufeffline,prompt,reference,base,tuned,')).toBe(true);
    const records = csv.slice(1).split('\r\n');
    expect(records).toHaveLength(3); // header, one row, the trailing empty string
    expect(records[2]).toBe('');
    expect(records[1]).toBe('2,q2,r2,"x, ""y""\nz",ok,false,true,2,1,0.123457,1');
  });

  it('parses back to the same fields with an RFC 4180 reader', () => {
    const tricky = row(5, ['a "b", c', true, 0.5], ['d\r\ne', false, null], { prompt: 'p,q' });
    const parsed = parseCsv(toCsv([tricky]).slice(1));
    expect(parsed[1].slice(0, 7)).toEqual([
      '5',
      'p,q',
      'r5',
      'a "b", c',
      'd\r\ne',
      'true',
      'false',
    ]);
    expect(parsed[1][10]).toBe('');
  });
});

/** A small RFC 4180 reader, to check the writer against. */
function parseCsv(text: string): string[][] {
  const out: string[][] = [];
  let rec: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      rec.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      rec.push(field);
      out.push(rec);
      rec = [];
      field = '';
      i++;
    } else field += c;
  }
  return out;
}

describe('pasted questions', () => {
  it('numbers the non-blank lines from 1, trimmed', () => {
    expect(parseQuestions('  Who?\r\n\n What? \n')).toEqual([
      { line: 1, question: 'Who?' },
      { line: 2, question: 'What?' },
    ]);
    expect(parseQuestions('\n  \n')).toEqual([]);
  });
});

describe("the dataset worker's prompt picking", () => {
  const ex = (line: number, roles: string[]): Example =>
    ({
      line,
      format: 'messages',
      messages: roles.map((role, i) => ({ role, content: `${role}${i}` })),
    }) as unknown as Example;
  const examples = [
    ex(1, ['user', 'assistant']),
    ex(2, ['user']),
    ex(4, ['system', 'user', 'assistant', 'user', 'assistant']),
  ];
  const byLine = new Map(examples.map((e, i) => [e.line, i]));

  it('cuts each picked row before its last assistant turn, which is the reference', () => {
    const items = promptsFor(examples, byLine, { lines: [4, 1] });
    expect(items.map((i) => i.line)).toEqual([4, 1]);
    expect(items[0].messages.map((m) => m.content)).toEqual([
      'system0',
      'user1',
      'assistant2',
      'user3',
    ]);
    expect(items[0].reference).toBe('assistant4');
  });

  it('takes the first N rows with an assistant turn', () => {
    expect(promptsFor(examples, byLine, { first: 2 }).map((i) => i.line)).toEqual([1, 4]);
    expect(promptsFor(examples, byLine, { first: 1 }).map((i) => i.line)).toEqual([1]);
  });

  it('says what to do when no picked row can be used', () => {
    expect(() => promptsFor(examples, byLine, { lines: [2, 99] })).toThrow(/First N examples/);
    expect(() => promptsFor([examples[1]], byLine, { first: 3 })).toThrow(/paste questions/);
  });
});

describe('the prompt-set and watch state', () => {
  const s = () => useStudio.getState();

  it('streams rows of the current job and ignores an older job', () => {
    s().setLoading(5);
    s().setStarted(5, [
      { line: 3, messages: [{ role: 'user', content: 'Hi?' }], reference: 'Hello.' },
      {
        line: 8,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Bye?' },
        ],
        reference: null,
      },
    ]);
    expect(s().promptSet.rows.map((r) => [r.line, r.prompt, r.context])).toEqual([
      [3, 'Hi?', 0],
      [8, 'Bye?', 1],
    ]);
    s().setRowText(5, 3, 'base', 'Hel', null);
    s().setRowText(4, 3, 'tuned', 'stale', null);
    const answer = { text: 'Hello.', stopped: true, tokens: 2, rougeL: 1 };
    s().setRowText(5, 3, 'tuned', 'Hello.', answer);
    const r = s().promptSet.rows[0];
    expect([r.base, r.baseAnswer, r.tuned, r.tunedAnswer]).toEqual(['Hel', null, 'Hello.', answer]);
    s().setRowSkipped(5, 8, 'too long');
    expect(s().promptSet.rows[1].skipped).toBe('too long');
    s().setDone(4, {} as SetSummary, false, 'old');
    expect(s().promptSet.status).toBe('running');
    s().setDone(5, {} as SetSummary, true, 'Cancelled');
    expect(s().promptSet.status).toBe('cancelled');
  });

  it("keeps the best eval step and the watch's notice, cleared by a new run", () => {
    s().runInfo({ kind: 'info', topic: 'best', step: 10, message: 'best' });
    s().runInfo({ kind: 'info', message: 'a plain note' });
    expect(s().train.watch).toBeNull();
    s().runInfo({ kind: 'info', topic: 'overfitting', step: 30, message: 'overfit' });
    expect(s().train.bestStep).toBe(10);
    expect(s().train.watch).toEqual({ topic: 'overfitting', step: 30, message: 'overfit' });
    s().runInfo({ kind: 'info', topic: 'early-stop', step: 40, message: 'stopped' });
    expect(s().train.watch?.topic).toBe('early-stop');
    s().runStarted(
      { evalLines: [], resumedFrom: 0, totalSteps: 5 } as never,
      [],
      s().train.settings,
    );
    expect([s().train.bestStep, s().train.watch]).toEqual([null, null]);
  });
});
