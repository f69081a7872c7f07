// The per-example quality lint: flags the rows of an SFT set worth a look before training
// (duplicates, near duplicates, empty answers, refusals, answers in the wrong language, literal
// special tokens, truncated answers, personal data, loops). Pure data code: runs in the dataset
// Web Worker and in the CLI; the tokenizer facts come in as options.
import { findNearDuplicates } from './near-duplicates';
import {
  emptyAnswer,
  languageMismatch,
  pii,
  refusal,
  repetition,
  specialTokenMatcher,
  specialTokens,
  truncated,
} from './checks';
import { exampleKey, exampleText, turnsOf } from './turns';
import {
  kDefaultNearDuplicateThreshold,
  kLintKinds,
  LintOptionsError,
  type LintFlag,
  type LintKind,
  type LintOptions,
  type LintResult,
  type LintTokenFacts,
} from './types';
import type { Example } from '../types';

/** The kinds a run checks: all, less `skip`, less those whose tokenizer facts are missing. */
function kindsToCheck(options: LintOptions): Set<LintKind> {
  for (const k of options.skip ?? []) {
    if (!kLintKinds.includes(k)) {
      throw new LintOptionsError(`unknown lint kind "${k}" (known: ${kLintKinds.join(', ')})`);
    }
  }
  const kinds = new Set<LintKind>(kLintKinds.filter((k) => !options.skip?.includes(k)));
  if (options.specialTokens === undefined) kinds.delete('special_tokens');
  if (options.tokens === undefined) kinds.delete('truncated');
  return kinds;
}

function threshold(options: LintOptions): number {
  const t = options.nearDuplicateThreshold ?? kDefaultNearDuplicateThreshold;
  if (!(t > 0 && t <= 1)) {
    throw new LintOptionsError(
      `near-duplicate threshold must be in (0, 1], got ${t}: it is a Jaccard similarity ` +
        `(the default, ${kDefaultNearDuplicateThreshold}, flags rows sharing ~70% of their word 5-grams)`,
    );
  }
  return t;
}

/** Lint the valid examples of a dataset; returns the flagged ones (input order) and a summary. */
export function lintExamples(examples: readonly Example[], options: LintOptions = {}): LintResult {
  const kinds = kindsToCheck(options);
  const t = threshold(options);
  const flags: LintFlag[][] = examples.map(() => []);

  // exact duplicates: the report's notion of the same conversation (with `duplicate` skipped,
  // they are left to the near-duplicate search, which finds them at similarity 1)
  const isDuplicate = new Array<boolean>(examples.length).fill(false);
  if (kinds.has('duplicate')) {
    const first = new Map<string, Example>();
    examples.forEach((ex, i) => {
      const key = exampleKey(ex);
      const original = first.get(key);
      if (original === undefined) {
        first.set(key, ex);
        return;
      }
      isDuplicate[i] = true;
      const what = ex.text !== undefined ? 'text' : 'conversation';
      flags[i].push({
        kind: 'duplicate',
        message: `the same ${what} as line ${original.line}`,
        of: original.line,
      });
    });
  }

  // near duplicates among the rest (an exact duplicate is flagged once, as a duplicate)
  if (kinds.has('near_duplicate')) {
    const texts = examples.map((ex, i) => (isDuplicate[i] ? null : exampleText(ex)));
    const { matches } = findNearDuplicates(texts, { threshold: t });
    for (const [i, m] of matches) {
      const of = examples[m.of].line;
      flags[i].push({
        kind: 'near_duplicate',
        message:
          `similar to line ${of}: Jaccard similarity ${m.similarity.toFixed(2)} of word ` +
          `5-grams (threshold ${t})`,
        of,
      });
    }
  }

  const facts = new Map<number, LintTokenFacts>();
  for (const f of options.tokens?.examples ?? []) facts.set(f.line, f);
  const matcher = kinds.has('special_tokens')
    ? specialTokenMatcher(options.specialTokens ?? [])
    : null;

  examples.forEach((ex, i) => {
    const turns = turnsOf(ex);
    const add = (f: LintFlag | null) => {
      if (f) flags[i].push(f);
    };
    if (kinds.has('empty_answer')) add(emptyAnswer(turns));
    if (kinds.has('refusal')) add(refusal(turns));
    if (kinds.has('language_mismatch')) add(languageMismatch(turns));
    if (kinds.has('special_tokens')) add(specialTokens(turns, matcher));
    if (kinds.has('truncated')) add(truncated(facts.get(ex.line), options.tokens?.maxLength));
    if (kinds.has('pii')) add(pii(turns));
    if (kinds.has('repetition')) add(repetition(turns));
  });

  const byKind: Partial<Record<LintKind, number>> = {};
  for (const k of kLintKinds) if (kinds.has(k)) byKind[k] = 0;
  const flagged: LintResult['flagged'] = [];
  examples.forEach((ex, i) => {
    if (flags[i].length === 0) return;
    for (const f of flags[i]) byKind[f.kind] = (byKind[f.kind] ?? 0) + 1;
    flagged.push({ line: ex.line, flags: flags[i] });
  });
  return {
    flagged,
    summary: { examples: examples.length, flagged: flagged.length, by_kind: byKind },
  };
}
