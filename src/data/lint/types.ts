// The contract of the per-example quality lint: which kinds of problem it flags, what one flag
// and the summary look like, and its options. The CLI prints `LintedExample` and `LintSummary`
// as JSON lines, so their field names (snake_case `by_kind` included) are part of the contract.

/** Kinds of problem, in the order flags are listed for one example. */
export const kLintKinds = [
  'duplicate',
  'near_duplicate',
  'empty_answer',
  'refusal',
  'language_mismatch',
  'special_tokens',
  'truncated',
  'pii',
  'repetition',
] as const;

export type LintKind = (typeof kLintKinds)[number];

export interface LintFlag {
  kind: LintKind;
  /** One line saying what is wrong and where (which turn). */
  message: string;
  /** For duplicate and near_duplicate: the line of the earlier row this one repeats. */
  of?: number;
}

/** One flagged example: its 1-based source line and its flags (at most one per kind). */
export interface LintedExample {
  line: number;
  flags: LintFlag[];
}

export interface LintSummary {
  /** Valid examples linted. */
  examples: number;
  /** Examples with at least one flag. */
  flagged: number;
  /** Kind -> examples with that flag, for every kind that was checked (0 included). */
  by_kind: Partial<Record<LintKind, number>>;
}

export interface LintResult {
  /** Flagged examples only, in input order. */
  flagged: LintedExample[];
  summary: LintSummary;
}

/** What the lint needs to know of one tokenized example (TokenCounts and TokenizedExample fit). */
export interface LintTokenFacts {
  line: number;
  /** Trained (assistant) tokens that truncation to the max length drops. */
  truncatedTrainedTokens: number;
  /** Tokens before truncation, for the message. */
  fullLength?: number;
}

export interface LintOptions {
  /** Jaccard similarity of word 5-gram shingles at or above which rows are near duplicates. */
  nearDuplicateThreshold?: number;
  /**
   * The tokenizer's special token strings (addedTokens, bosToken, eosToken). Without them the
   * `special_tokens` check does not run.
   */
  specialTokens?: readonly string[];
  /** Per-example token facts. Without them the `truncated` check does not run. */
  tokens?: {
    examples: readonly LintTokenFacts[];
    /** The max length used, for the message. */
    maxLength?: number;
  };
  /** Kinds to leave out (e.g. `language_mismatch` on a code-switching dataset). */
  skip?: readonly LintKind[];
}

export const kDefaultNearDuplicateThreshold = 0.7;

/** Options the lint cannot work with (a threshold outside (0, 1], an unknown kind). */
export class LintOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LintOptionsError';
  }
}
