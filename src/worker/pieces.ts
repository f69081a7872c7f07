// Display text for each token of an example, so that the preview can show one chip per token
// while the chips concatenated still read as the exact rendered text.
// Byte-level BPE splits multi-byte characters (Vietnamese diacritics, CJK, emoji) across tokens:
// decoding such a token alone gives U+FFFD. Those tokens are grouped with the following ones until
// the group decodes cleanly; the whole group's text goes on its last token, the others are marked
// `partial` with an empty piece. `tokenDetail` puts them together with the tokens as the preview's
// ExampleDetail, for a dataset row and an editor draft alike.
import type { DatasetFormat, TokenizedExample } from '../data/index.ts';
import type { ExampleDetail, ExampleFlag } from './protocol.ts';

export type DecodeFn = (ids: number[]) => string;

const kReplacement = '\uFFFD';

export function tokenPieces(
  ids: number[],
  decode: DecodeFn,
): { pieces: string[]; partial: boolean[] } {
  const pieces: string[] = new Array<string>(ids.length).fill('');
  const partial: boolean[] = new Array<boolean>(ids.length).fill(false);
  let start = 0;
  for (let i = 0; i < ids.length; i++) {
    const text = decode(ids.slice(start, i + 1));
    // A group stays open while it ends in an incomplete character; cap it at 4 tokens (a UTF-8
    // character has at most 4 bytes) so a genuine U+FFFD in the data cannot swallow the rest.
    if (text.endsWith(kReplacement) && i - start < 3 && i + 1 < ids.length) {
      partial[i] = true;
      continue;
    }
    pieces[i] = text;
    start = i + 1;
  }
  return { pieces, partial };
}

/** One tokenized example as the token preview shows it. */
export function tokenDetail(
  line: number,
  format: DatasetFormat,
  t: TokenizedExample,
  decode: DecodeFn,
  flags: ExampleFlag[],
): ExampleDetail {
  const { pieces, partial } = tokenPieces(t.inputIds, decode);
  return {
    line,
    format,
    inputIds: t.inputIds,
    labels: t.labels,
    roles: t.roles,
    pieces,
    partial,
    fullLength: t.fullLength,
    truncatedTrainedTokens: t.truncatedTrainedTokens,
    flags,
  };
}
