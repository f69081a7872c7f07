// The per-example quality lint's public surface (src/data/index.ts re-exports it when the CLI
// and the studio are wired): lintExamples, its types, and the building blocks tests and tools use.
export { lintExamples } from './lint';
export { kLintKinds, kDefaultNearDuplicateThreshold, LintOptionsError } from './types';
export type {
  LintFlag,
  LintKind,
  LintOptions,
  LintResult,
  LintSummary,
  LintTokenFacts,
  LintedExample,
} from './types';
export { findNearDuplicates } from './near-duplicates';
export type {
  NearDuplicateMatch,
  NearDuplicateOptions,
  NearDuplicateStats,
} from './near-duplicates';
export { jaccard, shingleSet, wordsOf } from './minhash';
export { findPii, luhnValid } from './pii';
export { refusalPhrase } from './refusal';
export { findRepetition } from './repetition';
export { languageOf, asksForLanguage } from './language';
