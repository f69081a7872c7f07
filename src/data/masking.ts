// Tokenization and loss masks: Example -> input_ids + labels (Hugging Face convention: unshifted,
// same length as input_ids, -100 = not trained).
//
// - Chat formats: the conversation is rendered by the chat template once; spans.ts says which
//   characters each assistant turn trains (content plus end-of-turn token; headers, system and
//   user turns, and a trailing generation prompt are masked). The rendered text is tokenized as a
//   whole, exactly as `apply_chat_template(tokenize=True)` would, and character spans are mapped
//   onto those tokens (a token that straddles a boundary is trained if any of its characters is).
//   Mapping, cheapest first: where the tokens start, from their spelling (byte-level tokenizers,
//   offsets.ts: no second encode); else re-encoding segment by segment (the template's own text
//   memoized); else re-encoding up to each boundary (`locate`).
// - `text` format: BOS (if the tokenizer adds one) + text + EOS, every token but BOS trained.
// - BOS: added only when the tokenizer normally adds it and the template did not render it, so
//   there is never a double BOS.
// - Too long: cut at the end to maxLength; labels stay aligned. Trained tokens lost are counted;
//   an example left with no trained token is marked `excluded` (the report lists it by line).
import { renderConversation, type CharSpan } from './spans';
import type { ChatTemplate } from './templates';
import type { Tokenizer } from './tokenizer';
import { kIgnoreIndex, type Example, type Role, type TokenizedExample } from './types';

export interface MaskOptions {
  /** Keep at most this many tokens (cut at the end). */
  maxLength: number;
}

/** A line that could not be tokenized (the template raised, or rendered nothing to train). */
export interface TokenizeFailure {
  line: number;
  error: string;
}
export type TokenizeOutcome = TokenizedExample | TokenizeFailure;

export function isTokenizeFailure(x: TokenizeOutcome): x is TokenizeFailure {
  return 'error' in x;
}

interface Segment extends CharSpan {
  trained: boolean;
  role: Role | 'template';
  /** Inside a message's content (unique text), rather than text the template itself wrote. */
  content: boolean;
}

/** Cut [0, length) at every span edge; each piece knows whether it is trained and whose it is. */
function segmentsOf(
  length: number,
  contents: (CharSpan | null)[],
  roles: Role[],
  trained: CharSpan[],
): Segment[] {
  const cuts = new Set<number>([0, length]);
  for (const s of [...trained, ...contents]) {
    if (s) {
      cuts.add(s.start);
      cuts.add(s.end);
    }
  }
  const sorted = [...cuts].sort((a, b) => a - b);
  const out: Segment[] = [];
  for (let k = 0; k + 1 < sorted.length; k++) {
    const start = sorted[k];
    const end = sorted[k + 1];
    if (end === start) continue;
    const isTrained = trained.some((t) => t.start <= start && end <= t.end);
    const j = contents.findIndex((c) => c !== null && c.start <= start && end <= c.end);
    const role: Role | 'template' = isTrained ? 'assistant' : j !== -1 ? roles[j] : 'template';
    out.push({ start, end, trained: isTrained, role, content: j !== -1 });
  }
  return out;
}

/** Does `ids` hold `piece` at `offset`? */
function continues(piece: readonly number[], ids: readonly number[], offset: number): boolean {
  if (offset + piece.length > ids.length) return false;
  for (let i = 0; i < piece.length; i++) if (piece[i] !== ids[offset + i]) return false;
  return true;
}

// The text a template writes around contents (headers, end-of-turn tokens, a fixed system block)
// repeats from one example to the next: remember its tokenization. Encoding is a pure function of
// the text, so a hit gives exactly what `tok.encode` would. Bounded: cleared when full.
const kMemoEntries = 1024;
const kMemoChars = 4096;
const templatePieces = new WeakMap<Tokenizer, Map<string, readonly number[]>>();

function encodeTemplatePiece(tok: Tokenizer, piece: string): readonly number[] {
  if (piece.length > kMemoChars) return tok.encode(piece);
  let memo = templatePieces.get(tok);
  if (memo === undefined) templatePieces.set(tok, (memo = new Map<string, readonly number[]>()));
  let ids = memo.get(piece);
  if (ids === undefined) {
    ids = tok.encode(piece);
    if (memo.size >= kMemoEntries) memo.clear();
    memo.set(piece, ids);
  }
  return ids;
}

function arraysEqual(a: number[], b: number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const addedTokenRe = new WeakMap<Tokenizer, RegExp | null>();

/** Regex matching any added token, longest first (how tokenizers split them out of the text). */
function addedTokenPattern(tok: Tokenizer): RegExp | null {
  let re = addedTokenRe.get(tok);
  if (re === undefined) {
    const tokens = [...tok.addedTokens]
      .filter((t) => t.length > 0)
      .sort((a, b) => b.length - a.length);
    const escaped = tokens.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    re = escaped.length ? new RegExp(escaped.join('|'), 'g') : null;
    addedTokenRe.set(tok, re);
  }
  return re;
}

interface Boundary {
  /** Index of the first token at or after the character position. */
  token: number;
  /** The token at `token` also holds characters before the position. */
  straddle: boolean;
}

/** Common-prefix length of a tokenization of a prefix with the reference ids from `offset`. */
function matchPrefix(prefix: number[], ids: number[], offset: number): Boundary {
  let k = 0;
  while (k < prefix.length && offset + k < ids.length && prefix[k] === ids[offset + k]) k++;
  return { token: offset + k, straddle: k !== prefix.length };
}

/**
 * Token index of each character position in `positions` (sorted). Tokenizers split added tokens
 * out of the text first and tokenize the pieces between them independently; when re-tokenizing
 * those pieces reproduces `ids`, a position only needs its own piece re-tokenized up to it.
 * Otherwise the whole text up to each position is re-tokenized (exact, slower).
 */
function locate(tok: Tokenizer, text: string, ids: number[], positions: number[]): Boundary[] {
  const pieces: { start: number; end: number; tok: number; ids: number[] }[] = [];
  const re = addedTokenPattern(tok);
  let last = 0;
  let count = 0;
  const push = (start: number, end: number, pieceIds: number[]) => {
    pieces.push({ start, end, tok: count, ids: pieceIds });
    count += pieceIds.length;
  };
  if (re) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      if (m.index > last) push(last, m.index, tok.encode(text.slice(last, m.index)));
      const id = tok.tokenToId(m[0]);
      push(m.index, m.index + m[0].length, id === undefined ? tok.encode(m[0]) : [id]);
      last = m.index + m[0].length;
    }
  }
  if (last < text.length) push(last, text.length, tok.encode(text.slice(last)));
  const piecewise = arraysEqual(
    pieces.flatMap((p) => p.ids),
    ids,
  );
  let p = 0;
  return positions.map((pos) => {
    if (pos <= 0) return { token: 0, straddle: false };
    if (pos >= text.length) return { token: ids.length, straddle: false };
    if (!piecewise) return matchPrefix(tok.encode(text.slice(0, pos)), ids, 0);
    while (pieces[p].end <= pos) p++;
    const piece = pieces[p];
    if (pos === piece.start) return { token: piece.tok, straddle: false };
    return matchPrefix(tok.encode(text.slice(piece.start, pos)), ids, piece.tok);
  });
}

/**
 * Exact path without re-encoding: when the tokenizer tells where its tokens start (offsets.ts)
 * and every segment starts on a token, each token takes its segment's attributes. False (nothing
 * written) when a segment edge falls inside a token or the tokenizer cannot tell.
 */
function byOffsets(
  tok: Tokenizer,
  text: string,
  ids: number[],
  segments: Segment[],
  trained: boolean[],
  roles: (Role | 'template')[],
): boolean {
  const starts = tok.tokenOffsets?.(text, ids);
  if (!starts) return false;
  const from: number[] = [];
  let t = 0;
  for (const s of segments) {
    if (t >= ids.length || starts[t] !== s.start) return false;
    from.push(t);
    t++;
    while (t < ids.length && starts[t] < s.end) t++; // -1: a token starting mid-character
  }
  if (t !== ids.length) return false;
  from.push(ids.length);
  segments.forEach((s, k) => {
    trained.fill(s.trained, from[k], from[k + 1]);
    roles.fill(s.role, from[k], from[k + 1]);
  });
  return true;
}

/**
 * Tokenize `text` as a whole and give every token the attributes of the segment it comes from.
 * Fast path: tokenizing segment by segment gives the same ids (true whenever boundaries fall on
 * token boundaries, the usual case at special tokens and pre-tokenizer splits). Otherwise each
 * boundary is located by re-tokenizing up to it (see `locate`).
 */
function tokenizeSegments(tok: Tokenizer, text: string, segments: Segment[]) {
  const ids = tok.encode(text);
  const trained = new Array<boolean>(ids.length).fill(false);
  const roles = new Array<Role | 'template'>(ids.length).fill('template');
  if (byOffsets(tok, text, ids, segments, trained, roles)) return { ids, trained, roles };
  // Segment by segment, stopping at the first piece that does not continue `ids` (the same
  // answer as comparing the concatenation, without encoding the rest of a doomed attempt).
  let t = 0;
  let segmentwise = true;
  for (const s of segments) {
    const piece = s.content
      ? tok.encode(text.slice(s.start, s.end))
      : encodeTemplatePiece(tok, text.slice(s.start, s.end));
    if (!continues(piece, ids, t)) {
      segmentwise = false;
      break;
    }
    trained.fill(s.trained, t, t + piece.length);
    roles.fill(s.role, t, t + piece.length);
    t += piece.length;
  }
  if (segmentwise && t === ids.length) return { ids, trained, roles };
  trained.fill(false);
  roles.fill('template');
  const bounds = locate(
    tok,
    text,
    ids,
    segments.map((s) => s.start),
  );
  bounds.push({ token: ids.length, straddle: false });
  segments.forEach((s, k) => {
    const from = bounds[k].token;
    const to = bounds[k + 1].token;
    for (let t = from; t < to; t++) if (!trained[t]) roles[t] = s.role;
    if (!s.trained) return;
    // a token straddling either edge holds trained characters: train it
    const end = Math.min(ids.length, to + (bounds[k + 1].straddle ? 1 : 0));
    for (let t = from; t < end; t++) {
      trained[t] = true;
      roles[t] = 'assistant';
    }
  });
  return { ids, trained, roles };
}

function finish(
  example: Example,
  ids: number[],
  trained: boolean[],
  roles: (Role | 'template')[],
  options: MaskOptions,
): TokenizedExample {
  const fullLength = ids.length;
  const keep = Math.max(0, Math.min(fullLength, Math.floor(options.maxLength)));
  let lost = 0;
  for (let t = keep; t < fullLength; t++) if (trained[t]) lost++;
  const inputIds = ids.slice(0, keep);
  const labels = inputIds.map((id, t) => (trained[t] ? id : kIgnoreIndex));
  const out: TokenizedExample = {
    line: example.line,
    inputIds,
    labels,
    roles: roles.slice(0, keep),
    fullLength,
    truncatedTrainedTokens: lost,
  };
  // Label 0 is never a next-token target (labels are unshifted): it alone does not train.
  if (!labels.some((l, t) => t > 0 && l !== kIgnoreIndex)) {
    out.excluded =
      lost > 0
        ? `no trained token left after truncation to ${keep} tokens (the example has ${fullLength})`
        : 'no trained token: the template rendered no assistant answer';
  }
  return out;
}

/** Prepend BOS when the tokenizer adds one and the text did not already start with it. */
function withBos(tok: Tokenizer, ids: number[], trained: boolean[], roles: (Role | 'template')[]) {
  if (!tok.addsBos || tok.bosId === null || ids[0] === tok.bosId) return;
  ids.unshift(tok.bosId);
  trained.unshift(false);
  roles.unshift('template');
}

/** Tokenize one example with its loss mask. Throws (TemplateError...) when the template fails. */
export function tokenizeExample(
  tok: Tokenizer,
  template: ChatTemplate,
  example: Example,
  options: MaskOptions,
): TokenizedExample {
  if (example.format === 'text' || example.text !== undefined) {
    const ids = tok.encode(example.text ?? '');
    if (tok.eosId !== null) ids.push(tok.eosId);
    const trained = ids.map(() => true);
    const roles = ids.map((): Role | 'template' => 'assistant');
    withBos(tok, ids, trained, roles);
    return finish(example, ids, trained, roles, options);
  }
  const r = renderConversation(tok, template, example.messages);
  const segments = segmentsOf(r.text.length, r.contents, r.roles, r.trained);
  const { ids, trained, roles } = tokenizeSegments(tok, r.text, segments);
  withBos(tok, ids, trained, roles);
  return finish(example, ids, trained, roles, options);
}

/** Tokenize many examples; a template error on one line never stops the others. */
export function tokenizeAll(
  tok: Tokenizer,
  template: ChatTemplate,
  examples: readonly Example[],
  options: MaskOptions & { onProgress?: (done: number, total: number) => void },
): TokenizeOutcome[] {
  const out: TokenizeOutcome[] = [];
  examples.forEach((ex, i) => {
    try {
      out.push(tokenizeExample(tok, template, ex, options));
    } catch (e) {
      out.push({ line: ex.line, error: e instanceof Error ? e.message : String(e) });
    }
    if (options.onProgress && (i % 256 === 255 || i === examples.length - 1)) {
      options.onProgress(i + 1, examples.length);
    }
  });
  return out;
}

/** The trained tokens as runs of consecutive positions (for checks and display). */
export function trainedRuns(ex: Pick<TokenizedExample, 'labels'>): number[][] {
  const runs: number[][] = [];
  let cur: number[] | null = null;
  ex.labels.forEach((l, t) => {
    if (l === kIgnoreIndex) cur = null;
    else {
      if (cur === null) runs.push((cur = []));
      cur.push(t);
    }
  });
  return runs;
}
