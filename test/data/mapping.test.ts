// Column mapping: the spec syntax, every target, errors that name the row's own columns, the
// well-known schemas read without asking (and saying so), the strict JSON Lines parser left as it
// was, and the mapping proposed for rows that match nothing known.
import { describe, expect, it } from 'vitest';
import { parseJsonl } from '../../src/data/jsonl';
import {
  applyMapping,
  ColumnMappingError,
  describeReading,
  formatColumnsSpec,
  mappingFormat,
  parseColumnsSpec,
  readRow,
  type ColumnMapping,
} from '../../src/data/mapping';
import { proposeMapping } from '../../src/data/mapping-propose';
import type { Example, LineError } from '../../src/data/types';

function ok(r: Example | LineError): Example {
  if ('message' in r) throw new Error(`unexpected error: ${r.field}: ${r.message}`);
  return r;
}
function bad(r: Example | LineError): LineError {
  if (!('message' in r)) throw new Error(`expected an error, got ${JSON.stringify(r)}`);
  return r;
}
const turns = (ex: Example) => ex.messages.map((m) => `${m.role}:${m.content}`);

describe('parseColumnsSpec', () => {
  it('reads target=column pairs, and formats them back', () => {
    const m = parseColumnsSpec('instruction=instruction, input=context ,output=response');
    expect(m).toEqual({ instruction: 'instruction', input: 'context', output: 'response' });
    expect(formatColumnsSpec(m)).toBe('instruction=instruction,input=context,output=response');
    expect(
      parseColumnsSpec('messages=dialog,role=speaker,content=text,role.user=customer'),
    ).toEqual({
      messages: 'dialog',
      role: 'speaker',
      content: 'text',
      'role.user': 'customer',
    });
  });

  it('names a bad target and lists the valid ones', () => {
    expect(() => parseColumnsSpec('instruction=q,answer=a')).toThrow(ColumnMappingError);
    expect(() => parseColumnsSpec('instruction=q,answer=a')).toThrow(
      /unknown mapping target "answer" \(targets: instruction, input, output, system, prompt/,
    );
    expect(() => parseColumnsSpec('instruction')).toThrow(/"instruction" is not target=column/);
    expect(() => parseColumnsSpec('output=')).toThrow(/no column given for "output"/);
    expect(() => parseColumnsSpec('text=a,text=b')).toThrow(/"text" is mapped twice/);
  });

  it('refuses incomplete and mixed mappings', () => {
    expect(() => parseColumnsSpec('instruction=q')).toThrow(/needs "output" as well/);
    expect(() => parseColumnsSpec('prompt=q,output=a')).toThrow(/belong to different formats/);
    expect(() => mappingFormat({})).toThrow(/empty column mapping/);
    expect(mappingFormat({ messages: 'm' })).toBe('messages');
  });
});

describe('applyMapping', () => {
  const alpaca: ColumnMapping = { instruction: 'q', input: 'ctx', output: 'a', system: 'sys' };

  it('Alpaca targets, with an optional system prompt; extra columns are ignored', () => {
    const ex = ok(applyMapping({ q: 'Q', ctx: 'C', a: 'A', sys: 'S', extra: 1 }, 4, alpaca));
    expect(ex).toMatchObject({ line: 4, format: 'alpaca', readAs: 'mapped' });
    expect(turns(ex)).toEqual(['system:S', 'user:Q\n\nC', 'assistant:A']);
    expect(turns(ok(applyMapping({ q: 'Q', ctx: ' \n', a: 'A', sys: null }, 4, alpaca)))).toEqual([
      'user:Q',
      'assistant:A',
    ]);
  });

  it('a mapped column missing in a row is that row`s error, naming the column', () => {
    const e = bad(applyMapping({ q: 'Q', a: 'A', sys: '' }, 9, alpaca));
    expect(e).toEqual({
      line: 9,
      field: 'ctx',
      kind: 'missing',
      message: 'missing column "ctx" (mapped to input)',
    });
    // errors from the standard rules name the row's own column too
    expect(bad(applyMapping({ q: 'Q', ctx: '', a: 3, sys: '' }, 9, alpaca))).toMatchObject({
      field: 'a',
      kind: 'type',
    });
  });

  it('prompt/completion and text', () => {
    const pc = ok(applyMapping({ x: 'P', y: 'C' }, 1, { prompt: 'x', completion: 'y' }));
    expect(pc.format).toBe('prompt_completion');
    expect(turns(pc)).toEqual(['user:P', 'assistant:C']);
    expect(ok(applyMapping({ body: 'hello' }, 1, { text: 'body' }))).toEqual({
      line: 1,
      format: 'text',
      messages: [],
      text: 'hello',
      readAs: 'mapped',
    });
  });

  it('chat: the list column, role/content keys and role values (LLaMA-Factory tags)', () => {
    const m = parseColumnsSpec(
      'messages=dialog,role=speaker,content=text,role.user=customer,role.assistant=agent',
    );
    const row = {
      dialog: [
        { speaker: 'customer', text: 'My order is late.' },
        { speaker: 'agent', text: 'Sorry, it ships today.' },
      ],
    };
    expect(turns(ok(applyMapping(row, 2, m)))).toEqual([
      'user:My order is late.',
      'assistant:Sorry, it ships today.',
    ]);
    const e = bad(applyMapping({ dialog: [...row.dialog, { speaker: 'tool', text: '{}' }] }, 2, m));
    expect(e).toMatchObject({ field: 'dialog[2].speaker', kind: 'role' });
    expect(e.message).toMatch(/unknown role "tool" \(expected customer, agent\)/);
    expect(bad(applyMapping({ dialog: [{ speaker: 'toString', text: 'x' }] }, 2, m)).kind).toBe(
      'role',
    );
    expect(bad(applyMapping({ dialog: [{ speaker: 'customer', text: 5 }] }, 2, m))).toMatchObject({
      field: 'dialog[0].text',
      kind: 'type',
    });
  });
});

describe('well-known schemas, read without asking', () => {
  it('Dolly: instruction, blank line, context; empty or whitespace context counts as empty', () => {
    const row = { instruction: 'I', context: 'C', response: 'R', category: 'closed_qa' };
    const ex = ok(readRow(row, 3));
    expect(ex).toMatchObject({ line: 3, format: 'alpaca', readAs: 'dolly' });
    expect(turns(ex)).toEqual(['user:I\n\nC', 'assistant:R']);
    for (const context of ['', '  \n ', null, undefined]) {
      expect(turns(ok(readRow({ ...row, context }, 3)))).toEqual(['user:I', 'assistant:R']);
    }
    expect(describeReading('dolly')).toMatch(/context/);
  });

  it('question/answer, query/response, input/output', () => {
    const cases: [object, string][] = [
      [{ question: 'Q', answer: 'A', id: 1 }, 'question_answer'],
      [{ query: 'Q', response: 'A' }, 'query_response'],
      [{ input: 'Q', output: 'A' }, 'input_output'],
    ];
    for (const [row, reading] of cases) {
      const ex = ok(readRow(row, 1));
      expect(ex).toMatchObject({ format: 'prompt_completion', readAs: reading });
      expect(turns(ex)).toEqual(['user:Q', 'assistant:A']);
    }
  });

  it('message lists with other role values: human/bot, USER/ASSISTANT, ShareGPT from/value', () => {
    const a = ok(
      readRow(
        {
          messages: [
            { role: 'SYSTEM', content: 'S' },
            { role: 'USER', content: 'U' },
            { role: 'ASSISTANT', content: 'A' },
          ],
        },
        1,
      ),
    );
    expect(a).toMatchObject({ format: 'messages', readAs: 'role_aliases' });
    expect(turns(a)).toEqual(['system:S', 'user:U', 'assistant:A']);
    const b = ok(
      readRow(
        {
          conversations: [
            { from: 'human', value: 'H' },
            { from: 'bot', value: 'B' },
          ],
        },
        1,
      ),
    );
    expect(b).toMatchObject({ format: 'sharegpt', readAs: 'role_aliases' });
    expect(turns(b)).toEqual(['user:H', 'assistant:B']);
    const c = ok(
      readRow(
        {
          dialog: [
            { speaker: 'Human', text: 'H' },
            { speaker: 'AI', text: 'A' },
          ],
        },
        1,
      ),
    );
    expect(turns(c)).toEqual(['user:H', 'assistant:A']);
  });

  it('roles that are no alias (tool) stay errors that name the role', () => {
    const e = bad(
      readRow(
        {
          messages: [
            { role: 'human', content: 'weather?' },
            { role: 'tool', content: '{}' },
            { role: 'bot', content: 'sunny' },
          ],
        },
        5,
      ),
    );
    expect(e).toMatchObject({ line: 5, field: 'messages[1].role', kind: 'role' });
    expect(e.message).toMatch(/unknown role "tool"/);
  });

  it('rows in standard formats are read as before, with no readAs', () => {
    const ex = ok(readRow({ instruction: 'I', input: '', output: 'O' }, 1));
    expect(ex).toEqual({
      line: 1,
      format: 'alpaca',
      messages: [
        { role: 'user', content: 'I' },
        { role: 'assistant', content: 'O' },
      ],
    });
    expect(bad(readRow({ instruction: 'Summarise.', input: 'x' }, 1))).toMatchObject({
      field: 'output',
      kind: 'missing',
    });
    expect(bad(readRow({ foo: 1 }, 1)).kind).toBe('unknown_format');
  });

  it('recognition can be turned off, and the strict JSON Lines parser is unchanged', () => {
    expect(bad(readRow({ question: 'Q', answer: 'A' }, 1, { recognize: false })).kind).toBe(
      'unknown_format',
    );
    const r = parseJsonl(
      '{"conversations": [{"from": "human", "value": "hi"}, {"from": "bot", "value": "x"}]}',
    );
    expect(r.errors[0]).toMatchObject({ field: 'conversations[1].from', kind: 'role' });
  });

  it('an explicit mapping wins over detection', () => {
    const ex = ok(
      readRow({ text: 'T', label: 'L' }, 1, { mapping: { prompt: 'text', completion: 'label' } }),
    );
    expect(turns(ex)).toEqual(['user:T', 'assistant:L']);
  });
});

describe('proposeMapping', () => {
  it('a column of message lists: role and content keys, role values by position', () => {
    const rows = [
      {
        id: 1,
        dialog: [
          { speaker: 'customer', utterance: 'Late order', ts: 1 },
          { speaker: 'agent', utterance: 'Ships today', ts: 2 },
        ],
      },
    ];
    const p = proposeMapping(['id', 'dialog'], rows)!;
    expect(p.format).toBe('messages');
    expect(p.mapping).toEqual({
      messages: 'dialog',
      role: 'speaker',
      content: 'utterance',
      'role.user': 'customer',
      'role.assistant': 'agent',
    });
    expect(ok(applyMapping(rows[0], 1, p.mapping)).messages).toHaveLength(2);
    expect(p.reasons['role.user']).toMatch(/speaks first/);
  });

  it('columns by name (usual names) and by length', () => {
    const named = proposeMapping(
      ['problem', 'solution', 'source'],
      [{ problem: 'What is 2+2?', solution: 'Four.', source: 'gsm' }],
    )!;
    expect(named.mapping).toEqual({ instruction: 'problem', output: 'solution' });
    const byLength = proposeMapping(
      ['a', 'b'],
      [
        { a: 'short ask', b: 'a much longer answer, as answers usually are' },
        { a: 'tiny', b: 'another long answer that goes on for a while' },
      ],
    )!;
    expect(byLength.mapping).toEqual({ instruction: 'a', output: 'b' });
    expect(byLength.reasons.output).toMatch(/longest/);
  });

  it('a named answer with an input but no instruction: the input is the request', () => {
    const p = proposeMapping(['input', 'target'], [{ input: 'Translate: chat', target: 'cat' }])!;
    expect(p.mapping).toEqual({ instruction: 'input', output: 'target' });
    expect(
      ok(applyMapping({ input: 'Translate: chat', target: 'cat' }, 1, p.mapping)).messages,
    ).toHaveLength(2);
  });

  it('one text column is text; no text at all is null', () => {
    expect(proposeMapping(['body', 'n'], [{ body: 'x', n: 1 }])?.mapping).toEqual({ text: 'body' });
    expect(proposeMapping(['n'], [{ n: 1 }])).toBeNull();
  });
});
