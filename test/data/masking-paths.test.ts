// The token-mapping fallbacks of masking.ts, driven by tiny fake tokenizers whose behaviour is
// known exactly: a BPE-like merge across a mask boundary (a straddling token), and a tokenizer
// that prefixes every encode call (as SentencePiece does with its leading space), which defeats
// segment-wise and piece-wise tokenization and forces whole-prefix re-tokenization.
import { describe, expect, it } from 'vitest';
import { tokenizeExample, trainedRuns } from '../../src/data/masking';
import { resolveTemplate } from '../../src/data/templates';
import type { Tokenizer } from '../../src/data/tokenizer';
import { kIgnoreIndex, type Example } from '../../src/data/types';

const kEnd = '<e>';
const kEndId = 3;
const kPrefixId = 4;

/** Char-level ids (code + 100); ":" + next char merge into one id; `<e>` is an added token. */
function fakeTokenizer(prefixEveryCall: boolean): Tokenizer {
  const encodePiece = (s: string) => {
    const ids: number[] = [];
    for (let i = 0; i < s.length; i++) {
      if (s[i] === ':' && i + 1 < s.length) ids.push(100_000 + s.charCodeAt(++i));
      else ids.push(100 + s.charCodeAt(i));
    }
    return ids;
  };
  const decodeId = (id: number) =>
    id === kEndId
      ? kEnd
      : id === kPrefixId
        ? ''
        : id >= 100_000
          ? `:${String.fromCharCode(id - 100_000)}`
          : String.fromCharCode(id - 100);
  return {
    name: 'fake',
    encode: (text) => {
      const ids: number[] = prefixEveryCall ? [kPrefixId] : [];
      text.split(kEnd).forEach((piece, k) => {
        if (k > 0) ids.push(kEndId);
        ids.push(...encodePiece(piece));
      });
      return ids;
    },
    decode: (ids) => ids.map(decodeId).join(''),
    tokenToId: (t) => (t === kEnd ? kEndId : undefined),
    idToToken: (id) => decodeId(id),
    vocabSize: 200_000,
    bosToken: null,
    bosId: null,
    eosToken: kEnd,
    eosId: kEndId,
    addsBos: false,
    addedTokens: [kEnd],
    chatTemplate: `{% for m in messages %}{{ m.role }}:{{ m.content }}${kEnd}{% endfor %}`,
    specialTokensMap: { eos_token: kEnd },
  };
}

const ex: Example = {
  line: 1,
  format: 'messages',
  messages: [
    { role: 'user', content: 'hi' },
    { role: 'assistant', content: 'ok' },
    { role: 'user', content: 'more' },
    { role: 'assistant', content: 'yes' },
  ],
};

describe('token mapping fallbacks', () => {
  for (const prefix of [false, true]) {
    it(`${prefix ? 'prefix on every encode (whole-prefix path)' : 'merge across the boundary (piece-wise path)'}`, () => {
      const tok = fakeTokenizer(prefix);
      const tpl = resolveTemplate(tok);
      const r = tokenizeExample(tok, tpl, ex, { maxLength: 100 });
      expect(r.inputIds).toEqual(tok.encode(tpl.render(ex.messages)));
      const runs = trainedRuns(r).map((run) => tok.decode(run.map((t) => r.inputIds[t])));
      // ":o" and ":y" straddle header and answer: trained, so the answer is never cut short
      expect(runs).toEqual([':ok<e>', ':yes<e>']);
      r.labels.forEach((l, t) => expect(l === kIgnoreIndex || l === r.inputIds[t]).toBe(true));
      expect(r.roles.filter((x) => x === 'user').length).toBeGreaterThan(0);
    });
  }
});
