// The diversity view's numbers (src/worker/diversity.ts): the category column when the rows have
// one (a Dolly row's `category` is kept when it is read), else the openings of the user turns, top
// 12 and "other", and a warning when one bar covers more than 40% of a set of 10+ rows.
import { describe, expect, it } from 'vitest';
import { readExamples, type Example } from '../../src/data/index.ts';
import { readRow } from '../../src/data/mapping.ts';
import { diversityOf, openingOf } from '../../src/worker/diversity.ts';

const chat = (line: number, user: string): Example => ({
  line,
  format: 'messages',
  messages: [
    { role: 'user', content: user },
    { role: 'assistant', content: 'ok' },
  ],
});

describe('diversity', () => {
  it('keeps a Dolly row’s category when reading it', () => {
    const row = {
      instruction: 'Name a fruit.',
      context: '',
      response: 'Apple.',
      category: 'open_qa',
    };
    expect(readRow(row, 1)).toMatchObject({ readAs: 'dolly', category: 'open_qa' });
    expect(readRow({ text: 'x', category: '  ' }, 2)).not.toHaveProperty('category');
  });

  it('charts the category column when most rows have one', async () => {
    async function* rows() {
      const cats = ['open_qa', 'open_qa', 'closed_qa', 'brainstorming'];
      for (let i = 0; i < cats.length; i++) {
        yield { row: i + 1, value: { instruction: `Q${i}`, response: 'A', category: cats[i] } };
      }
    }
    const { examples } = await readExamples(rows());
    const d = diversityOf(examples);
    expect(d.by).toBe('category');
    expect(d.bars).toEqual([
      { label: 'open_qa', count: 2 },
      { label: 'brainstorming', count: 1 },
      { label: 'closed_qa', count: 1 },
    ]);
    expect(d.dominant).toBeNull(); // fewer than 10 rows: no warning
  });

  it('otherwise counts the openings of the user turns, and warns on a one-task set', () => {
    expect(openingOf(chat(1, '  "Write a poem, please'))).toBe('write a');
    expect(openingOf(chat(1, 'Viết một bài thơ'))).toBe('viết một');
    const examples = [
      ...Array.from({ length: 12 }, (_, i) => chat(i + 1, `Write a story number ${i}`)),
      ...Array.from({ length: 14 }, (_, i) => chat(100 + i, `Topic${i} question here`)),
    ];
    const d = diversityOf(examples);
    expect(d.by).toBe('opening');
    expect(d.bars).toHaveLength(13); // top 12, then "other"
    expect(d.bars[0]).toEqual({ label: 'write a', count: 12 });
    expect(d.bars[12]).toEqual({ label: 'other', count: 3 });
    expect(d.total).toBe(26);
    expect(d.dominant).toEqual({ label: 'write a', share: 12 / 26 });
    expect(diversityOf(examples.slice(6)).dominant).toBeNull(); // 6 of 20 = 30%
  });
});
