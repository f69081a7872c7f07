// Where each token of an encoding starts in the text, without encoding anything again, for the two
// common families of BPE tokenizers:
// - byte-level (GPT-2 style: Llama-3, Qwen2/3, SmolLM2): every byte of the UTF-8 text is one
//   character of a vocabulary entry (the GPT-2 `bytes_to_unicode` table);
// - SentencePiece-style (Llama-2, Mistral v0.1): the normalizer prepends "▁" to each piece of text
//   between added tokens and writes spaces as "▁"; bytes missing from the vocabulary are
//   `<0xNN>` tokens.
// An added token is its own content. The tokens laid end to end must spell the (normalized) text
// exactly, and that is checked character by character: when anything else changed the text (another
// normalizer, an added token's lstrip/rstrip), the answer is null and the caller falls back to
// re-tokenizing (masking.ts).

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

/** Offsets for a SentencePiece-style BPE (normalizer: Prepend "▁", Replace " " -> "▁"). */
export function sentencePieceOffsets(
  idToToken: (id: number) => string | undefined,
  addedTokens: ReadonlyMap<number, string>,
): TokenOffsets {
  const byteToken = /^<0x([0-9A-F]{2})>$/;
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  return (text, ids) => {
    const starts = new Int32Array(ids.length + 1);
    let at = 0; // position in text
    let sectionStart = true; // the next ordinary token begins a piece: it spells the prepended "▁"
    for (let t = 0; t < ids.length; ) {
      const added = addedTokens.get(ids[t]);
      if (added !== undefined) {
        if (!text.startsWith(added, at)) return null;
        starts[t++] = at;
        at += added.length;
        sectionStart = true;
        continue;
      }
      const token = idToToken(ids[t]);
      if (token === undefined) return null;
      let spelled = token;
      let count = 1;
      if (byteToken.test(token)) {
        // a run of byte tokens spells UTF-8 characters; later tokens of the run start mid-way
        const bytes: number[] = [];
        while (t + count <= ids.length) {
          const m = byteToken.exec(idToToken(ids[t + count - 1]) ?? '');
          if (!m || addedTokens.has(ids[t + count - 1])) break;
          bytes.push(parseInt(m[1], 16));
          count++;
        }
        count--;
        try {
          spelled = utf8.decode(new Uint8Array(bytes));
        } catch {
          return null; // bytes that are not whole characters
        }
      }
      starts[t] = at;
      for (let k = 1; k < count; k++) starts[t + k] = -1;
      let i = 0;
      if (sectionStart) {
        if (spelled[0] !== '\u2581') return null;
        i = 1;
        sectionStart = false;
      }
      for (; i < spelled.length; i++, at++) {
        const c = spelled[i] === '\u2581' ? ' ' : spelled[i];
        if (at >= text.length || text[at] !== c) return null;
      }
      t += count;
    }
    if (at !== text.length) return null;
    starts[ids.length] = text.length;
    return starts;
  };
}
