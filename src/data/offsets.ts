// Where each token of an encoding starts in the text, for byte-level BPE tokenizers (GPT-2 style:
// Llama-3, Qwen2/3, SmolLM2), without encoding anything again. Every byte of the UTF-8 text is
// one character of a vocabulary entry (the GPT-2 `bytes_to_unicode` table) and an added token is
// its own content, so the tokens' bytes laid end to end must be the text's bytes exactly. That is
// checked, byte for byte: when a normalizer or an added token's lstrip/rstrip changed the text, the
// answer is null and the caller falls back to re-tokenizing (masking.ts).
//
// SentencePiece-style tokenizers (Llama-2, Mistral v0.1) are left to the re-tokenizing path on
// purpose: their tokens carry the space before a word ("▁user"), so a content that follows a
// space starts inside a token and the exact boundary needs re-tokenizing anyway.

/** GPT-2's bytes_to_unicode, inverted: vocabulary character code -> byte. */
function unicodeToBytes(): Map<number, number> {
  const bytes: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bytes.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bytes.push(b);
  for (let b = 0xae; b <= 0xff; b++) bytes.push(b);
  const map = new Map<number, number>(bytes.map((b) => [b, b]));
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!map.has(b)) map.set(256 + n++, b);
  }
  return map;
}

/**
 * Per token: the character offset in `text` where it starts, or -1 when it starts inside a
 * character (byte-level tokens may split a multi-byte character); one more entry for the end,
 * `text.length`. Null when the tokens do not spell `text` byte for byte.
 */
export type TokenOffsets = (text: string, ids: readonly number[]) => Int32Array | null;

/** Offsets for a byte-level tokenizer, given how to spell an id and which ids are added tokens. */
export function byteLevelOffsets(
  idToToken: (id: number) => string | undefined,
  addedTokens: ReadonlyMap<number, string>,
): TokenOffsets {
  const toByte = unicodeToBytes();
  const utf8 = new TextEncoder();
  const spelled = new Map<number, Uint8Array | null>();
  const spell = (id: number): Uint8Array | null => {
    let b = spelled.get(id);
    if (b !== undefined) return b;
    const added = addedTokens.get(id);
    const token = added === undefined ? idToToken(id) : undefined;
    if (added !== undefined) b = utf8.encode(added);
    else if (token === undefined) b = null;
    else {
      b = new Uint8Array(token.length);
      for (let i = 0; i < token.length && b !== null; i++) {
        const byte = toByte.get(token.charCodeAt(i));
        if (byte === undefined) b = null;
        else b[i] = byte;
      }
    }
    spelled.set(id, b);
    return b;
  };
  return (text, ids) => {
    const bytes = utf8.encode(text);
    // character offset of each byte that starts a character (-1 for continuation bytes)
    const charAt = new Int32Array(bytes.length + 1).fill(-1);
    for (let i = 0, c = 0; i < text.length; i++) {
      const code = text.codePointAt(i) ?? 0;
      charAt[c] = i;
      c += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
      if (code >= 0x10000) i++; // surrogate pair: one character, two UTF-16 units
    }
    charAt[bytes.length] = text.length;
    const starts = new Int32Array(ids.length + 1);
    let at = 0;
    for (let t = 0; t < ids.length; t++) {
      const b = spell(ids[t]);
      if (b === null || b.length === 0 || at + b.length > bytes.length) return null;
      for (let i = 0; i < b.length; i++) if (b[i] !== bytes[at + i]) return null;
      starts[t] = charAt[at];
      at += b.length;
    }
    if (at !== bytes.length) return null;
    starts[ids.length] = text.length;
    return starts;
  };
}
