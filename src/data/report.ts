// The dataset report, computed before anyone trains: what is in the file (formats, turns,
// duplicates, empty answers, bad lines by kind) and, once a tokenizer and template are chosen,
// what training will see (length histogram, examples over the max length, trained tokens that
// truncation loses, examples excluded because no trained token is left).
import type { TokenizeOutcome } from './masking';
import {
  kIgnoreIndex,
  type DatasetFormat,
  type DatasetReport,
  type Example,
  type ParseResult,
  type TokenizedExample,
  type TokenStats,
} from './types';

/**
 * All the token statistics need of one tokenized example, without its token arrays (a worker
 * tokenizing 100k lines keeps these, not the arrays). `tokenCounts` makes one from an example.
 */
export interface TokenCounts {
  line: number;
  /** Tokens before truncation, tokens kept, trained tokens kept, trained tokens truncation loses. */
  fullLength: number;
  tokens: number;
  trainedTokens: number;
  truncatedTrainedTokens: number;
  /** Why the example is excluded from training (no trained token left). */
  excluded?: string;
}

export interface ReportOptions {
  /**
   * Token statistics: for each of parse.examples its tokenizeAll() outcome, or just its counts
   * (same report either way), and the max length used.
   */
  tokens?: {
    maxLength: number;
    outcomes: readonly (TokenizeOutcome | TokenCounts)[];
    bins?: number;
  };
}

export function tokenCounts(ex: TokenizedExample): TokenCounts {
  let trainedTokens = 0;
  for (const l of ex.labels) if (l !== kIgnoreIndex) trainedTokens++;
  const c: TokenCounts = {
    line: ex.line,
    fullLength: ex.fullLength,
    tokens: ex.inputIds.length,
    trainedTokens,
    truncatedTrainedTokens: ex.truncatedTrainedTokens,
  };
  if (ex.excluded !== undefined) c.excluded = ex.excluded;
  return c;
}

const kFormats: DatasetFormat[] = ['messages', 'alpaca', 'prompt_completion', 'sharegpt', 'text'];

/** Identity of an example for duplicate detection: the normalised content, whatever the format. */
function exampleKey(ex: Example): string {
  return ex.text !== undefined ? `t:${ex.text}` : `m:${JSON.stringify(ex.messages)}`;
}

/** A round bin width (1, 2 or 5 times a power of ten) giving at most `bins` bins up to `max`. */
export function niceBinWidth(max: number, bins: number): number {
  const raw = Math.max(1, max / Math.max(1, bins));
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

function tokenStats(tokens: NonNullable<ReportOptions['tokens']>): TokenStats {
  const { maxLength, outcomes } = tokens;
  const lengths: number[] = [];
  const stats: TokenStats = {
    maxLength,
    histogram: [],
    minLength: 0,
    maxSeen: 0,
    meanLength: 0,
    totalTokens: 0,
    trainedTokens: 0,
    overMaxLength: 0,
    overMaxLengthLines: [],
    truncatedTrainedTokens: 0,
    excluded: [],
    renderErrors: [],
  };
  for (const outcome of outcomes) {
    if ('error' in outcome) {
      stats.renderErrors.push({ line: outcome.line, error: outcome.error });
      stats.excluded.push({
        line: outcome.line,
        reason: `the chat template failed: ${outcome.error}`,
      });
      continue;
    }
    const o = 'inputIds' in outcome ? tokenCounts(outcome) : outcome;
    lengths.push(o.fullLength);
    if (o.fullLength > maxLength) {
      stats.overMaxLength++;
      stats.overMaxLengthLines.push(o.line);
      stats.truncatedTrainedTokens += o.truncatedTrainedTokens;
    }
    if (o.excluded !== undefined) {
      stats.excluded.push({ line: o.line, reason: o.excluded });
      continue;
    }
    stats.totalTokens += o.tokens;
    stats.trainedTokens += o.trainedTokens;
  }
  if (lengths.length > 0) {
    let min = Infinity;
    let max = 0;
    let sum = 0;
    for (const n of lengths) {
      min = Math.min(min, n);
      max = Math.max(max, n);
      sum += n;
    }
    stats.minLength = min;
    stats.maxSeen = max;
    stats.meanLength = sum / lengths.length;
    // round bins covering [min, max] only
    const width = niceBinWidth(max - min + 1, tokens.bins ?? 20);
    const first = Math.floor(min / width);
    const counts = new Array<number>(Math.floor(max / width) - first + 1).fill(0);
    for (const n of lengths) counts[Math.floor(n / width) - first]++;
    stats.histogram = counts.map((count, i) => ({
      binStart: (first + i) * width,
      binEnd: (first + i + 1) * width,
      count,
    }));
  }
  return stats;
}

/** Build the report from a parse result (and token outcomes when a tokenizer is chosen). */
export function buildReport(parse: ParseResult, options: ReportOptions = {}): DatasetReport {
  const countsByFormat = Object.fromEntries(kFormats.map((f) => [f, 0])) as Record<
    DatasetFormat,
    number
  >;
  const turnsHistogram: Record<number, number> = {};
  const seen = new Map<string, number[]>();
  const emptyAnswerLines: number[] = [];
  for (const ex of parse.examples) {
    countsByFormat[ex.format]++;
    const turns = ex.messages.length;
    turnsHistogram[turns] = (turnsHistogram[turns] ?? 0) + 1;
    const key = exampleKey(ex);
    const lines = seen.get(key);
    if (lines) lines.push(ex.line);
    else seen.set(key, [ex.line]);
    if (ex.messages.some((m) => m.role === 'assistant' && m.content.trim() === '')) {
      emptyAnswerLines.push(ex.line);
    }
  }
  const errorsByKind: DatasetReport['errorsByKind'] = {};
  for (const e of parse.errors) {
    const kind = e.kind ?? 'other';
    errorsByKind[kind] = (errorsByKind[kind] ?? 0) + 1;
  }
  const report: DatasetReport = {
    totalLines: parse.totalLines,
    validExamples: parse.examples.length,
    invalidLines: parse.errors.length,
    countsByFormat,
    mixedFormats: kFormats.filter((f) => countsByFormat[f] > 0).length > 1,
    turnsHistogram,
    duplicateGroups: [...seen.values()].filter((g) => g.length > 1),
    emptyAnswerLines,
    errorsByKind,
  };
  if (options.tokens) report.tokens = tokenStats(options.tokens);
  return report;
}
