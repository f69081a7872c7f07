// The speed-ups of masking.ts must change nothing: token offsets from spelling the tokens
// (offsets.ts) and the memo of template pieces give exactly what the re-tokenizing path gives,
// on every fixture and sample dataset, for every real tokenizer and template the tests use.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseJsonl } from '../../src/data/jsonl';
import { tokenizeAll } from '../../src/data/masking';
import { resolveTemplate, type ChatTemplate } from '../../src/data/templates';
import type { Tokenizer } from '../../src/data/tokenizer';
import type { Example } from '../../src/data/types';
import { lenmlTokenizer } from './lenml';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const datasets = [
  ...readdirSync(new URL('test/fixtures/data/', root))
    .filter((f) => f.endsWith('.jsonl'))
    .map((f) => `test/fixtures/data/${f}`),
  ...readdirSync(new URL('public/samples/', root)).map((f) => `public/samples/${f}`),
];
const examples: Example[] = datasets.flatMap((f) => parseJsonl(read(f)).examples);
const llama32 = read('test/fixtures/data/llama-3.2-chat-template.jinja');

const setups: [string, () => Tokenizer, boolean][] = [
  ['llama3', () => lenmlTokenizer('llama3'), true],
  [
    'llama3_1 + Llama-3.2 template',
    () => lenmlTokenizer('llama3_1', { chat_template: llama32 }),
    true,
  ],
  ['qwen3', () => lenmlTokenizer('qwen3'), true],
  ['qwen3 + ChatML built-in', () => lenmlTokenizer('qwen3', { chat_template: null }), true],
  ['llama2 + Mistral built-in', () => lenmlTokenizer('llama2'), false],
];

/** The same tokenizer without offsets and with a cold memo (a new object for every call). */
function reference(tok: Tokenizer, tpl: ChatTemplate, ex: Example) {
  const plain: Tokenizer = { ...tok, tokenOffsets: undefined };
  return tokenizeAll(plain, tpl, [ex], { maxLength: 64 })[0];
}

describe('fast paths give exactly the re-tokenizing results', () => {
  for (const [name, load, withOffsets] of setups) {
    it(name, () => {
      const tok = load();
      expect(tok.tokenOffsets !== undefined).toBe(withOffsets);
      let encodes = 0;
      const counted: Tokenizer = {
        ...tok,
        encode: (text) => {
          encodes++;
          return tok.encode(text);
        },
      };
      const tpl = resolveTemplate(counted);
      const expected = examples.map((ex) => reference(tok, tpl, ex));
      // twice: the second pass hits the memo of template pieces everywhere
      for (let pass = 0; pass < 2; pass++) {
        encodes = 0;
        expect(tokenizeAll(counted, tpl, examples, { maxLength: 64 })).toEqual(expected);
      }
      // with offsets, every example is encoded once: the new path is the one the check covered
      if (withOffsets) expect(encodes).toBe(examples.length);
    });
  }
});

describe('token offsets', () => {
  const cases: [string, Tokenizer, string][] = [
    ['qwen3', lenmlTokenizer('qwen3'), 'Phở Gia Truyền <|im_end|>\n𓀀ꙮ ok  x'],
    ['llama3', lenmlTokenizer('llama3'), '<|begin_of_text|>Hà Nội 𓀀ꙮ<|eot_id|>\n\n x '],
  ];
  for (const [name, tok, text] of cases) {
    it(`${name}: start of every token; -1 for a token starting inside a character`, () => {
      const ids = tok.encode(text);
      const starts = tok.tokenOffsets?.(text, ids) ?? null;
      expect(starts).not.toBeNull();
      if (!starts) return;
      expect(starts).toHaveLength(ids.length + 1);
      expect(starts[ids.length]).toBe(text.length);
      expect(starts.includes(-1)).toBe(true); // a rare character is split into bytes
      // the tokens between two known starts spell the text between them
      const known = [...starts.keys()].filter((t) => starts[t] !== -1);
      for (let k = 0; k + 1 < known.length; k++) {
        const [a, b] = [known[k], known[k + 1]];
        const piece = text.slice(starts[a], starts[b]);
        expect(tok.decode(ids.slice(a, b))).toBe(piece);
      }
    });
  }

  const tok = lenmlTokenizer('qwen3');
  const offsets = tok.tokenOffsets;
  if (!offsets) throw new Error('qwen3 is a byte-level tokenizer');

  it('null when the tokens do not spell the text (a normalizer changed it, or other ids)', () => {
    const decomposed = 'Cafe\u0301'; // NFC composes it before tokenizing
    expect(offsets(decomposed, tok.encode(decomposed))).toBeNull();
    expect(offsets('abc', tok.encode('abd'))).toBeNull();
    expect(offsets('abc', [])).toBeNull();
    expect(offsets('', [])).toEqual(new Int32Array([0]));
  });
});
