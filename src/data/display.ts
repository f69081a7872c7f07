// Per-token display text for token chips (UI preview, CLI). Decoding tokens one by one is wrong
// twice over: byte-level BPE splits multi-byte characters (Vietnamese, CJK, emoji) across tokens,
// and SentencePiece decoders drop the leading space of the first token. So each token is decoded
// after a few tokens of context and gets the text it adds; a token that ends mid-character gets
// "" and the token completing the character carries it. Joined, the texts equal decode(ids).
import type { Tokenizer } from './tokenizer';

const kContext = 3;

export function tokenTexts(tok: Tokenizer, ids: readonly number[]): string[] {
  const out: string[] = [];
  let done = 0; // tokens [0, done) have their text emitted
  for (let t = 0; t < ids.length; t++) {
    const ctx = Math.max(0, done - kContext);
    const before = tok.decode(ids.slice(ctx, done));
    const now = tok.decode(ids.slice(ctx, t + 1));
    // wait (at most 3 tokens) for the rest of a character split across tokens
    if (now.endsWith('\uFFFD') && t + 1 < ids.length && t + 1 - done < 4) {
      out.push('');
      continue;
    }
    out.push(
      now.startsWith(before) ? now.slice(before.length) : tok.decode(ids.slice(done, t + 1)),
    );
    done = t + 1;
  }
  return out;
}
