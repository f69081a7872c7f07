// Streaming generated text token by token without printing half characters.
// A character can span several tokens: byte-fallback SentencePiece (Llama 2) spells an emoji as
// four byte tokens, byte-level BPE (Llama 3, Qwen) splits rare letters and emoji between tokens.
// Decoding a prefix that ends inside such a character gives a trailing U+FFFD. Cutting each
// re-decoded string at the previous string's length prints that U+FFFD and never replaces it
// (for a surrogate pair, the U+FFFD and then a lone low surrogate). Here the incomplete
// character is held back until the tokens that complete it arrive, so every piece is final.
//
// Cost: each token decodes a short window (a few tokens of context before the first token whose
// text is not yet final, through the new one), not the whole output. That is exact for the
// decoders of our tokenizers because (1) UTF-8 decoding is prefix-stable: appending bytes only
// changes a trailing incomplete character, and (2) SentencePiece's leading-space strip (the
// `Strip` decoder, or Metaspace on the first token) applies equally to the window with and
// without the new tokens as long as the context decodes to something. A context that decodes to
// "" is widened; if the window ever disagrees with itself, the full output is decoded instead.

/** Decode token ids to text, e.g. `(ids) => tok.decode(ids, { skipSpecialTokens: true })`. */
export type DecodeFn = (ids: number[]) => string;

const kReplacement = '\uFFFD';
/** Tokens of context decoded before the pending ones (as in display.ts). */
const kContext = 3;
/** A UTF-8 character has at most 4 bytes and every token adds at least one: after 4 tokens on
 * the same trailing U+FFFD it is a genuine U+FFFD (or invalid bytes), and is emitted. */
const kMaxCharTokens = 4;
/** Bound on the tokens whose text is not yet final, so that a long run of genuine U+FFFD (from a
 * model emitting stray bytes) cannot make each step decode an ever longer window. */
const kMaxPending = 64;

export class TextStreamer {
  private readonly ids: number[] = [];
  /** Tokens [0, done) have all their text emitted. */
  private done = 0;
  /** Text of tokens [done, end) already emitted (the part before a held character). */
  private sent = '';
  /** Total emitted length, for the full-decode fallback. */
  private emitted = 0;
  /** The text before the held U+FFFD at the last push, and how many tokens it has been held. */
  private heldPrefix: string | null = null;
  private heldTokens = 0;
  /** Cache of the context's decoded text, keyed by its token range. */
  private contextKey = '';
  private contextText = '';
  /** Times streaming could not be exact: the window disagreed with itself (then the full output
   * is decoded) or printed text would have to be taken back. Tests check it stays 0. */
  fallbacks = 0;

  constructor(private readonly decode: DecodeFn) {}

  /** Add one generated token; returns the text that became final (often "", never half a character). */
  push(id: number): string {
    this.ids.push(id);
    const pending = this.pendingText();
    const count = this.ids.length - this.done;
    if (pending.endsWith(kReplacement) && count < kMaxPending) {
      const prefix = pending.slice(0, -1);
      this.heldTokens = prefix === this.heldPrefix ? this.heldTokens + 1 : 1;
      this.heldPrefix = prefix;
      if (this.heldTokens < kMaxCharTokens) return this.emit(prefix, false);
    }
    return this.emit(pending, true);
  }

  /** End of the output: everything still held, a trailing U+FFFD included. */
  flush(): string {
    if (this.done === this.ids.length) return '';
    return this.emit(this.pendingText(), true);
  }

  /** Text of tokens [done, end): the window's decode minus its context's. */
  private pendingText(): string {
    let start = Math.max(0, this.done - kContext);
    let context = this.decodeContext(start);
    // SentencePiece strips the first space of a decode: the context must absorb it.
    while (context === '' && start > 0) {
      start = Math.max(0, start - kContext);
      context = this.decodeContext(start);
    }
    const text = this.decode(this.ids.slice(start));
    if (text.startsWith(context)) return text.slice(context.length);
    this.fallbacks++;
    return this.decode(this.ids).slice(this.emitted - this.sent.length);
  }

  private decodeContext(start: number): string {
    const key = `${start}:${this.done}`;
    if (key !== this.contextKey) {
      this.contextKey = key;
      this.contextText = start < this.done ? this.decode(this.ids.slice(start, this.done)) : '';
    }
    return this.contextText;
  }

  /** Emit what `text` (text of the pending tokens) adds to what was sent; `final` closes them. */
  private emit(text: string, final: boolean): string {
    if (!text.startsWith(this.sent)) this.fallbacks++; // cannot take back printed text
    const out = text.slice(this.sent.length);
    this.emitted += out.length;
    if (final) {
      this.done = this.ids.length;
      this.sent = '';
      this.heldPrefix = null;
      this.heldTokens = 0;
    } else {
      this.sent = text;
    }
    return out;
  }
}
