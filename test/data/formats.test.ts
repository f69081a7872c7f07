// Formats and bad lines: every format normalises to messages (or text); every kind of bad line is
// reported with its line number, the field and what is wrong; the edge-case rules of issue 2 hold.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseJsonl } from '../../src/data/jsonl';
import { normaliseLine } from '../../src/data/formats';
import type { Example, LineError } from '../../src/data/types';

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/data/${name}`, import.meta.url), 'utf8');

function one(obj: unknown): Example {
  const r = normaliseLine(obj, 7);
  if ('message' in r) throw new Error(`unexpected error: ${r.field}: ${r.message}`);
  return r;
}
function bad(obj: unknown): LineError {
  const r = normaliseLine(obj, 7);
  if (!('message' in r)) throw new Error('expected an error');
  return r;
}

describe('formats', () => {
  it('messages: multi-turn with system', () => {
    const ex = one({
      messages: [
        { role: 'system', content: 'S' },
        { role: 'user', content: 'U1' },
        { role: 'assistant', content: 'A1' },
        { role: 'user', content: 'U2' },
        { role: 'assistant', content: 'A2' },
      ],
    });
    expect(ex.format).toBe('messages');
    expect(ex.line).toBe(7);
    expect(ex.messages.map((m) => m.role)).toEqual([
      'system',
      'user',
      'assistant',
      'user',
      'assistant',
    ]);
  });

  it('alpaca: instruction, blank line, input when the input is not empty', () => {
    expect(one({ instruction: 'I', input: 'X', output: 'O' })).toEqual({
      line: 7,
      format: 'alpaca',
      messages: [
        { role: 'user', content: 'I\n\nX' },
        { role: 'assistant', content: 'O' },
      ],
    });
    for (const input of [undefined, null, '', '  \n']) {
      expect(one({ instruction: 'I', input, output: 'O' }).messages[0].content).toBe('I');
    }
  });

  it('prompt/completion: strings, and TRL conversational lists', () => {
    expect(one({ prompt: 'P', completion: 'C' }).messages).toEqual([
      { role: 'user', content: 'P' },
      { role: 'assistant', content: 'C' },
    ]);
    const ex = one({
      prompt: [{ role: 'user', content: 'P' }],
      completion: [{ role: 'assistant', content: 'C' }],
    });
    expect(ex.format).toBe('prompt_completion');
    expect(ex.messages.map((m) => m.content)).toEqual(['P', 'C']);
  });

  it('sharegpt: human/user, gpt/assistant, system', () => {
    const ex = one({
      conversations: [
        { from: 'system', value: 'S' },
        { from: 'human', value: 'H' },
        { from: 'gpt', value: 'G' },
        { from: 'user', value: 'U' },
        { from: 'assistant', value: 'A' },
      ],
    });
    expect(ex.format).toBe('sharegpt');
    expect(ex.messages.map((m) => m.role)).toEqual([
      'system',
      'user',
      'assistant',
      'user',
      'assistant',
    ]);
  });

  it('text: raw text, no messages', () => {
    expect(one({ text: 'hello' })).toEqual({
      line: 7,
      format: 'text',
      messages: [],
      text: 'hello',
    });
  });

  it('ignores unknown extra fields', () => {
    const ex = one({
      id: 3,
      source: 'x',
      messages: [{ role: 'assistant', content: 'A', name: 'bot' }],
    });
    expect(ex.messages).toEqual([{ role: 'assistant', content: 'A' }]);
  });

  it('joins text parts of array content; any non-text part is an error naming its type', () => {
    const parts = [
      { type: 'text', text: 'one' },
      { type: 'text', text: 'two' },
    ];
    expect(one({ messages: [{ role: 'assistant', content: parts }] }).messages[0].content).toBe(
      'one\ntwo',
    );
    const e = bad({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'look' },
            { type: 'image_url', image_url: {} },
          ],
        },
        { role: 'assistant', content: 'x' },
      ],
    });
    expect(e).toMatchObject({ field: 'messages[0].content[1].type', kind: 'content_part' });
    expect(e.message).toContain('"image_url"');
  });

  it('an empty assistant answer is valid (the report flags it)', () => {
    expect(
      one({
        messages: [
          { role: 'user', content: 'q' },
          { role: 'assistant', content: '' },
        ],
      }).messages[1].content,
    ).toBe('');
  });
});

describe('bad lines', () => {
  const cases: [string, unknown, string, string, RegExp][] = [
    ['not an object', [1], '', 'not_object', /expected a JSON object, got array/],
    ['unknown format', { foo: 1 }, '', 'unknown_format', /unknown format.*"foo"/],
    [
      'unknown role',
      { messages: [{ role: 'tool', content: 'x' }] },
      'messages[0].role',
      'role',
      /unknown role "tool"/,
    ],
    [
      'role not a string',
      { messages: [{ role: 1, content: 'x' }] },
      'messages[0].role',
      'type',
      /role must be a string, got number/,
    ],
    [
      'missing role',
      { messages: [{ content: 'x' }] },
      'messages[0].role',
      'missing',
      /missing role/,
    ],
    [
      'content not a string',
      { messages: [{ role: 'user', content: 42 }] },
      'messages[0].content',
      'type',
      /got number/,
    ],
    [
      'content null',
      { messages: [{ role: 'user', content: null }] },
      'messages[0].content',
      'type',
      /got null/,
    ],
    [
      'missing content',
      { messages: [{ role: 'user' }] },
      'messages[0].content',
      'missing',
      /missing content/,
    ],
    [
      'message not an object',
      { messages: ['hi'] },
      'messages[0]',
      'type',
      /must be an object, got string/,
    ],
    ['messages not a list', { messages: 'hi' }, 'messages', 'type', /must be an array/],
    ['empty conversation', { messages: [] }, 'messages', 'empty', /empty conversation/],
    [
      'no assistant turn',
      { messages: [{ role: 'user', content: 'q' }] },
      'messages',
      'no_assistant',
      /no assistant turn/,
    ],
    [
      'system not first',
      {
        messages: [
          { role: 'user', content: 'q' },
          { role: 'system', content: 's' },
          { role: 'assistant', content: 'a' },
        ],
      },
      'messages[1].role',
      'role',
      /only allowed as the first message/,
    ],
    [
      'sharegpt unknown from',
      { conversations: [{ from: 'bot', value: 'x' }] },
      'conversations[0].from',
      'role',
      /unknown "from" value "bot"/,
    ],
    [
      'sharegpt value not a string',
      { conversations: [{ from: 'gpt', value: 1 }] },
      'conversations[0].value',
      'type',
      /got number/,
    ],
    ['sharegpt empty', { conversations: [] }, 'conversations', 'empty', /empty conversation/],
    ['alpaca missing output', { instruction: 'i' }, 'output', 'missing', /missing "output"/],
    [
      'alpaca input not a string',
      { instruction: 'i', input: 3, output: 'o' },
      'input',
      'type',
      /string or null/,
    ],
    [
      'alpaca missing instruction',
      { output: 'o' },
      'instruction',
      'missing',
      /missing "instruction"/,
    ],
    ['prompt not a string', { prompt: 1, completion: 'c' }, 'prompt', 'type', /must be a string/],
    ['completion missing', { prompt: 'p' }, 'completion', 'missing', /missing "completion"/],
    ['text empty', { text: '  ' }, 'text', 'empty', /empty or whitespace-only/],
    ['text not a string', { text: ['a'] }, 'text', 'type', /got array/],
    [
      'text part without string text',
      { messages: [{ role: 'user', content: [{ type: 'text', text: 1 }] }] },
      'messages[0].content[0].text',
      'type',
      /string "text"/,
    ],
  ];
  for (const [name, obj, field, kind, message] of cases) {
    it(name, () => {
      const e = bad(obj);
      expect(e).toMatchObject({ line: 7, field, kind });
      expect(e.message).toMatch(message);
    });
  }

  it('the bad-lines fixture: every bad line reported with its line number and field, good lines kept', () => {
    const r = parseJsonl(fixture('bad-lines.jsonl'));
    expect(r.examples.map((e) => e.line)).toEqual([1]);
    expect(r.errors.map((e) => [e.line, e.field, e.kind])).toEqual([
      [2, '', 'json'],
      [3, '', 'not_object'],
      [4, '', 'unknown_format'],
      [5, 'messages[1].role', 'role'],
      [6, 'messages[0].content', 'type'],
      [7, 'messages', 'no_assistant'],
      [8, 'messages', 'empty'],
      [9, 'messages[1].role', 'role'],
      [10, 'messages[0].content[0].type', 'content_part'],
      [11, 'conversations[1].from', 'role'],
      [12, 'output', 'missing'],
      [13, 'text', 'empty'],
      [14, 'messages', 'type'],
      [15, 'messages[0].role', 'missing'],
      [16, 'completion', 'type'],
    ]);
    expect(r.errors[3].message).toContain('"tool"');
    expect(r.errors[9].message).toContain('"bot"');
  });

  it('duplicate lines are all kept as valid examples', () => {
    const line = JSON.stringify({ prompt: 'p', completion: 'c' });
    expect(parseJsonl(`${line}\n${line}\n${line}`).examples.map((e) => e.line)).toEqual([1, 2, 3]);
  });
});
