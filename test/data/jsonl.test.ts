// Streaming JSONL: chunk boundaries anywhere, BOM, CRLF, blank lines, 1-based physical line numbers.
import { describe, expect, it } from 'vitest';
import { createJsonlParser, parseJsonl } from '../../src/data/jsonl';

const good = (q: string) =>
  JSON.stringify({
    messages: [
      { role: 'user', content: q },
      { role: 'assistant', content: 'ok' },
    ],
  });

describe('parseJsonl', () => {
  it('keeps physical line numbers across blank and whitespace-only lines', () => {
    const text = [good('a'), '', '   \t', good('b'), 'oops', good('c')].join('\n');
    const r = parseJsonl(text);
    expect(r.examples.map((e) => e.line)).toEqual([1, 4, 6]);
    expect(r.errors.map((e) => e.line)).toEqual([5]);
    expect(r.totalLines).toBe(4);
  });

  it('strips a UTF-8 BOM on line 1 and handles CRLF endings silently', () => {
    const r = parseJsonl(`\uFEFF${good('a')}\r\n\r\n${good('b')}\r\n`);
    expect(r.errors).toEqual([]);
    expect(r.examples.map((e) => e.line)).toEqual([1, 3]);
    expect(r.examples[0].messages[0].content).toBe('a');
  });

  it('accepts a last line without a newline, and an empty file', () => {
    expect(parseJsonl(good('x')).examples).toHaveLength(1);
    expect(parseJsonl('')).toEqual({ examples: [], errors: [], totalLines: 0 });
  });

  it('reports invalid JSON with the parser message', () => {
    const r = parseJsonl('{"messages": [');
    expect(r.errors[0]).toMatchObject({ line: 1, field: '', kind: 'json' });
    expect(r.errors[0].message).toMatch(/^not valid JSON: /);
  });
});

describe('createJsonlParser (streaming)', () => {
  const text = `\uFEFF${good('é ü 中文')}\r\n\n${good('two')}\r\n  \n{"text": "three"}\nnot json`;
  const whole = parseJsonl(text);

  it('gives the same result for every split point of the input', () => {
    for (let cut = 0; cut <= text.length; cut++) {
      const p = createJsonlParser();
      p.push(text.slice(0, cut));
      p.push(text.slice(cut));
      expect(p.end()).toEqual(whole);
    }
  });

  it('gives the same result when fed one character at a time', () => {
    const p = createJsonlParser();
    for (const ch of text) p.push(ch);
    expect(p.end()).toEqual(whole);
    expect(p.linesSeen()).toBe(6);
  });

  it('reports each line as it is parsed and counts lines for progress', () => {
    const seen: number[] = [];
    const p = createJsonlParser({ onLine: (o) => seen.push(o.line) });
    p.push(`${good('a')}\n\n${good('b')}\n`);
    expect(p.linesSeen()).toBe(3);
    expect(seen).toEqual([1, 3]);
    p.end();
  });

  it('refuses push after end', () => {
    const p = createJsonlParser();
    p.end();
    expect(() => p.push('x')).toThrow(/after end/);
  });
});
