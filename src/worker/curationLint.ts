// The quality lint (src/data/lint) as the dataset worker runs it on a dataset being curated. The
// per-row checks (empty answer, refusal, language, pii, repetition) depend on the row alone, so
// they run once per row, in chunks with progress, and again only for a row that is edited or
// added. The token checks (special tokens, truncated) run once the set is tokenized. The two
// duplicate kinds compare rows, so they are found again over the kept rows after every change:
// dropping the first of two identical rows makes the second the first.
import { kLintKinds, lintExamples, type LintFlag, type LintKind } from '../data/lint/index.ts';
import type { Example, TokenCounts, TokenCountsOrFailure } from '../data/index.ts';

const kCross: readonly LintKind[] = ['duplicate', 'near_duplicate'];
const kToken: readonly LintKind[] = ['special_tokens', 'truncated'];

/** Rows per chunk of the per-row pass: a few tens of milliseconds between progress messages. */
const kChunk = 500;

export type FlagsByLine = Map<number, LintFlag[]>;

function byLine(result: ReturnType<typeof lintExamples>): FlagsByLine {
  return new Map(result.flagged.map((x) => [x.line, x.flags]));
}

/** The per-row checks of some rows (no tokenizer needed). */
export function rowFlags(examples: readonly Example[]): FlagsByLine {
  return byLine(lintExamples(examples, { skip: [...kCross] }));
}

/**
 * The per-row checks of every row, in chunks: `onChunk` reports progress and lets queued messages
 * through; it returns false when the work is superseded (another dataset), which stops the pass.
 * Returns null when stopped.
 */
export async function rowFlagsChunked(
  examples: readonly Example[],
  onChunk: (done: number) => Promise<boolean>,
): Promise<FlagsByLine | null> {
  const out: FlagsByLine = new Map();
  for (let at = 0; at < examples.length; at += kChunk) {
    for (const [line, flags] of rowFlags(examples.slice(at, at + kChunk))) out.set(line, flags);
    if (!(await onChunk(Math.min(examples.length, at + kChunk)))) return null;
  }
  return out;
}

/** Duplicates and near duplicates among these (the kept) rows. */
export function crossFlags(examples: readonly Example[]): FlagsByLine {
  return byLine(lintExamples(examples, { skip: kLintKinds.filter((k) => !kCross.includes(k)) }));
}

/** What the token checks need from the tokenizer: its special token strings. */
export function specialTokensOf(t: {
  addedTokens: readonly string[];
  bosToken?: string | null;
  eosToken?: string | null;
}): string[] {
  const all = [...t.addedTokens, t.bosToken, t.eosToken];
  return [...new Set(all.filter((s): s is string => typeof s === 'string' && s.length > 0))];
}

/** Special tokens written as text, and trained tokens lost to the max length. */
export function tokenFlags(
  examples: readonly Example[],
  counts: readonly TokenCountsOrFailure[],
  specialTokens: readonly string[],
  maxLength: number,
): FlagsByLine {
  const facts = counts.filter((c): c is TokenCounts => !('error' in c));
  return byLine(
    lintExamples(examples, {
      skip: kLintKinds.filter((k) => !kToken.includes(k)),
      specialTokens,
      tokens: { examples: facts, maxLength },
    }),
  );
}

/** One row's flags from the three passes, in kLintKinds order. */
export function mergeFlags(...parts: (LintFlag[] | undefined)[]): LintFlag[] {
  const all = parts.flatMap((p) => p ?? []);
  return all.sort((a, b) => kLintKinds.indexOf(a.kind) - kLintKinds.indexOf(b.kind));
}

/** A row's flags as bits (bit k: kLintKinds[k]). */
export function flagBits(flags: readonly LintFlag[]): number {
  let bits = 0;
  for (const f of flags) bits |= 1 << kLintKinds.indexOf(f.kind);
  return bits;
}

/** The kinds a curation has checked: the row and duplicate kinds, the token kinds once tokenized. */
export function checkedKinds(rowsDone: boolean, tokensDone: boolean): LintKind[] {
  return kLintKinds.filter((k) => (kToken.includes(k) ? tokensDone : rowsDone));
}
