// The per-example quality lint (src/data/lint/): exact and near duplicates (the `of` rule, exact
// verification of every MinHash estimate), the summary, the options, and the shape the CLI prints.
// The content checks (refusals, languages, PII, ...) are in lint-content.test.ts.
import { describe, expect, it } from 'vitest';
import {
  findNearDuplicates,
  jaccard,
  kLintKinds,
  lintExamples,
  LintOptionsError,
  shingleSet,
  wordsOf,
} from '../../src/data/lint';
import { buildReport } from '../../src/data/report';
import type { Example } from '../../src/data/types';

const chat = (line: number, user: string, assistant: string): Example => ({
  line,
  format: 'messages',
  messages: [
    { role: 'user', content: user },
    { role: 'assistant', content: assistant },
  ],
});
const text = (line: number, t: string): Example => ({
  line,
  format: 'text',
  messages: [],
  text: t,
});

const kindsOf = (ex: Example[], line: number, options = {}) =>
  lintExamples(ex, options)
    .flagged.find((f) => f.line === line)
    ?.flags.map((f) => f.kind) ?? [];

// 100 words, no word twice: its 96 shingles are all distinct, so each word changed at positions
// 5+ apart removes exactly 5 shingles and adds 5 (J = (96 - 5k) / (96 + 5k) for k changes)
const kBase = Array.from({ length: 100 }, (_, i) => `w${i}`);
const edit = (positions: number[], tag: string) =>
  kBase.map((w, i) => (positions.includes(i) ? `${tag}${i}` : w)).join(' ');
const sim = (a: string, b: string) => jaccard(shingleSet(wordsOf(a), 5), shingleSet(wordsOf(b), 5));

const kEnglishAnswer =
  'To reverse a list in Python you can call its reverse method, which changes the list in place ' +
  'and returns None. If you need a new list and want to keep the original, use slicing with a ' +
  'step of minus one, or pass the list to the reversed function and wrap the result in list(). ' +
  'Slicing copies the whole list, so for very large lists the in-place method saves memory.';
const kVietnameseAnswer =
  'Để đảo ngược một danh sách trong Python, bạn có thể gọi phương thức reverse, phương thức này ' +
  'thay đổi danh sách tại chỗ và trả về None. Nếu cần một danh sách mới và muốn giữ nguyên danh ' +
  'sách gốc, hãy dùng cắt lát với bước âm một, hoặc truyền danh sách vào hàm reversed.';

describe('lintExamples: duplicates', () => {
  it('flags every repeat of a conversation with the first row as `of`, never the first row', () => {
    const ex = [
      chat(1, 'How do I reverse a list?', kEnglishAnswer),
      chat(2, 'Something else entirely?', 'Yes.'),
      chat(3, 'How do I reverse a list?', kEnglishAnswer),
      chat(5, 'How do I reverse a list?', kEnglishAnswer),
      text(7, 'Xin chào thế giới'),
      text(9, 'Xin chào thế giới'),
    ];
    const { flagged } = lintExamples(ex);
    const dups = flagged.flatMap((f) =>
      f.flags.filter((g) => g.kind === 'duplicate').map((g) => [f.line, g.of, g.message]),
    );
    expect(dups).toEqual([
      [3, 1, 'the same conversation as line 1'],
      [5, 1, 'the same conversation as line 1'],
      [9, 7, 'the same text as line 7'],
    ]);
    // an exact duplicate is not also a near duplicate
    expect(kindsOf(ex, 3)).toEqual(['duplicate']);
  });

  it('uses the same notion of "same conversation" as the report', () => {
    const ex = [
      chat(1, 'Q', 'A'),
      chat(2, 'Q', 'A '), // one space more: different for both
      { ...chat(3, 'Q', 'A'), format: 'alpaca' as const }, // another format, same messages
      chat(4, 'q', 'A'),
      chat(6, 'Q', 'A'),
      text(8, 'Q\nA'),
    ];
    const report = buildReport({ examples: ex, errors: [], totalLines: ex.length });
    const fromReport = report.duplicateGroups.flatMap((g) => g.slice(1).map((l) => [l, g[0]]));
    const fromLint = lintExamples(ex).flagged.flatMap((f) =>
      f.flags.filter((g) => g.kind === 'duplicate').map((g) => [f.line, g.of]),
    );
    expect(fromLint).toEqual(fromReport);
    expect(fromLint).toEqual([
      [3, 1],
      [6, 1],
    ]);
  });
});

describe('lintExamples: near duplicates', () => {
  it('flags small edits, in English and Vietnamese, naming the earlier row', () => {
    const enEdit = kEnglishAnswer.replace('saves memory', 'saves a lot of memory');
    const viEdit = kVietnameseAnswer.replace('bước âm một', 'bước bằng âm một');
    expect(sim(kEnglishAnswer, enEdit)).toBeGreaterThanOrEqual(0.7);
    expect(sim(kVietnameseAnswer, viEdit)).toBeGreaterThanOrEqual(0.7);
    const ex = [
      chat(1, 'How do I reverse a list?', kEnglishAnswer),
      chat(2, 'Làm sao đảo ngược danh sách?', kVietnameseAnswer),
      chat(3, 'How do I reverse a list?', enEdit),
      chat(4, 'Làm sao đảo ngược danh sách?', viEdit),
      // case and whitespace do not count: the same words lowercased and re-spaced
      chat(5, 'HOW DO I   REVERSE A LIST?', kEnglishAnswer.toUpperCase()),
    ];
    const near = lintExamples(ex).flagged.map((f) => [f.line, f.flags[0].kind, f.flags[0].of]);
    expect(near).toEqual([
      [3, 'near_duplicate', 1],
      [4, 'near_duplicate', 2],
      [5, 'near_duplicate', 1],
    ]);
    expect(lintExamples(ex).flagged[0].flags[0].message).toMatch(
      /^similar to line 1: Jaccard similarity 0\.\d\d of word 5-grams \(threshold 0\.7\)$/,
    );
  });

  it('names the earliest truly similar earlier row, and never the first of a group', () => {
    const a = kBase.join(' ');
    const a1 = edit([10, 50], 'x'); // two changes from A
    const a2 = edit([10, 50, 30, 80], 'x'); // two more: close to A1, too far from A
    const a3 = edit([90], 'y'); // one change from A
    expect(sim(a, a1)).toBeCloseTo(86 / 106, 6);
    expect(sim(a1, a2)).toBeGreaterThanOrEqual(0.7);
    expect(sim(a, a2)).toBeLessThan(0.7); // 76 / 116 = 0.655
    const ex = [
      text(1, a),
      text(2, 'an unrelated row about something else'),
      text(3, a1),
      text(4, a2),
      text(5, a3),
    ];
    const of = Object.fromEntries(
      lintExamples(ex).flagged.map((f) => [
        f.line,
        f.flags.find((g) => g.kind === 'near_duplicate')?.of,
      ]),
    );
    expect(of).toEqual({ 3: 1, 4: 3, 5: 1 });
  });

  it('reports exact copies as near duplicates (similarity 1) when `duplicate` is skipped', () => {
    const ex = [text(1, kBase.join(' ')), text(2, 'other words'), text(3, kBase.join(' '))];
    const { flagged } = lintExamples(ex, { skip: ['duplicate'] });
    expect(flagged.map((f) => [f.line, f.flags])).toEqual([
      [
        3,
        [
          {
            kind: 'near_duplicate',
            message: 'similar to line 1: Jaccard similarity 1.00 of word 5-grams (threshold 0.7)',
            of: 1,
          },
        ],
      ],
    ]);
  });

  it('takes the threshold as an option', () => {
    const ex = [text(1, kBase.join(' ')), text(2, edit([10, 50], 'x'))]; // J = 0.81
    expect(kindsOf(ex, 2, { nearDuplicateThreshold: 0.8 })).toEqual(['near_duplicate']);
    expect(kindsOf(ex, 2, { nearDuplicateThreshold: 0.85 })).toEqual([]);
  });

  it('never flags on an estimate alone: every candidate is verified exactly', () => {
    // 40 rows, each J = 0.655 from row 0 and J <= 0.655 from one another: below 0.7
    const texts = [kBase.join(' ')];
    for (let r = 0; r < 40; r++) {
      const at = [
        5 + ((r * 3) % 10),
        30 + ((r * 7) % 10),
        55 + ((r * 11) % 10),
        80 + ((r * 13) % 10),
      ];
      texts.push(edit(at, `r${r}_`));
    }
    for (const t of texts.slice(1)) expect(sim(texts[0], t)).toBeLessThan(0.7);
    // 8 slots, every slot its own band, and no estimate filter: LSH proposes nearly every pair,
    // and with 8 slots many estimates reach 0.7 although no pair is that similar
    const { matches, stats } = findNearDuplicates(texts, {
      threshold: 0.7,
      numPerm: 8,
      rows: 1,
      margin: 1,
    });
    expect(stats.verified).toBeGreaterThan(100);
    expect(stats.rejectedEstimates).toBeGreaterThan(0);
    expect(matches.size).toBe(0);
  });

  it('finds pairs at the threshold with the default LSH settings', () => {
    // 300 rows, of which 100 edits of earlier rows at J = 0.81: all must be found
    const rows: string[] = [];
    for (let i = 0; i < 200; i++) rows.push(kBase.map((w) => `${w}_${i}`).join(' '));
    for (let i = 0; i < 100; i++) {
      const words = rows[i * 2].split(' ');
      words[10 + (i % 5)] = 'changed';
      words[60 + (i % 7)] = 'edited';
      rows.push(words.join(' '));
    }
    const { matches } = findNearDuplicates(rows, { threshold: 0.7 });
    expect([...matches.keys()]).toEqual(Array.from({ length: 100 }, (_, i) => 200 + i));
    for (const [i, m] of matches) expect(m.of).toBe((i - 200) * 2);
  });
  it('still finds a true near duplicate when a shared prompt makes every row a candidate', () => {
    // 300 rows: one 150-word prompt and 60 words of their own (J = 0.55 between any two), and
    // a last row that is row 150 with two words changed (J = 0.91 with it, 0.55 with the rest)
    const prompt = Array.from({ length: 150 }, (_, i) => `p${i}`).join(' ');
    const own = (r: number) => Array.from({ length: 60 }, (_, i) => `r${r}w${i}`);
    const rows = Array.from({ length: 300 }, (_, r) => `${prompt} ${own(r).join(' ')}`);
    const copy = own(150);
    copy[20] = 'changed';
    copy[40] = 'edited';
    rows.push(`${prompt} ${copy.join(' ')}`);
    expect(sim(rows[0], rows[1])).toBeLessThan(0.6);
    const { matches, stats } = findNearDuplicates(rows, { threshold: 0.7 });
    expect([...matches]).toEqual([[300, { of: 150, similarity: sim(rows[150], rows[300]) }]]);
    // bounded: a few verifications per row, not one per earlier row
    expect(stats.verified).toBeLessThan(300 * 13);
  });
});

describe('lintExamples: summary and options', () => {
  it('counts examples, flagged examples, and examples per kind checked', () => {
    const ex = [
      chat(1, 'How do I reverse a list?', kEnglishAnswer),
      chat(2, 'How do I reverse a list?', kEnglishAnswer),
      chat(3, 'Mail me?', 'Sure: jane.doe@example.com'),
      chat(4, 'Anything?', ''),
    ];
    const { summary, flagged } = lintExamples(ex);
    expect(summary).toEqual({
      examples: 4,
      flagged: 3,
      by_kind: {
        duplicate: 1,
        near_duplicate: 0,
        empty_answer: 1,
        refusal: 0,
        language_mismatch: 0,
        pii: 1,
        repetition: 0,
      },
    });
    // the JSON-lines shape: exactly these fields
    expect(JSON.parse(JSON.stringify(flagged[0]))).toEqual({
      line: 2,
      flags: [{ kind: 'duplicate', message: 'the same conversation as line 1', of: 1 }],
    });
    const withTokenizer = lintExamples(ex, {
      specialTokens: ['<|im_end|>'],
      tokens: { examples: [] },
      skip: ['pii'],
    });
    expect(Object.keys(withTokenizer.summary.by_kind)).toEqual(
      kLintKinds.filter((k) => k !== 'pii'),
    );
  });

  it('rejects a threshold outside (0, 1] and unknown kinds, saying why', () => {
    expect(() => lintExamples([], { nearDuplicateThreshold: 0 })).toThrow(LintOptionsError);
    expect(() => lintExamples([], { nearDuplicateThreshold: 1.5 })).toThrow(/must be in \(0, 1\]/);
    expect(() => lintExamples([], { nearDuplicateThreshold: Number.NaN })).toThrow(
      LintOptionsError,
    );
    // @ts-expect-error: not a kind
    expect(() => lintExamples([], { skip: ['dupes'] })).toThrow(/unknown lint kind "dupes"/);
    expect(lintExamples([], { nearDuplicateThreshold: 1 }).summary.examples).toBe(0);
  });
});
