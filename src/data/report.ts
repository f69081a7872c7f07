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

/** A row the chat template failed on. */
export interface RenderFailure {
  line: number;
  error: string;
}
export type TokenCountsOrFailure = TokenCounts | RenderFailure;

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

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1) + 0.5))];
}

/**
 * Token statistics of a dataset: the one definition the CLI's report and the studio's Dataset step
 * both show. `items`: per valid row, its tokenized example, its counts, or the template's failure.
 */
export function tokenStats(
  items: readonly (TokenizeOutcome | TokenCountsOrFailure)[],
  maxLength: number,
  bins = 20,
): TokenStats {
  const lengths: number[] = [];
  const stats: TokenStats = {
    maxLength,
    counted: items.length,
    histogram: [],
    minLength: 0,
    maxSeen: 0,
    meanLength: 0,
    median: 0,
    p95: 0,
    totalTokens: 0,
    trainedTokens: 0,
    maskedTokens: 0,
    overMaxLength: 0,
    overMaxLengthLines: [],
    truncatedTrainedTokens: 0,
    excluded: [],
    renderErrors: [],
  };
  for (const item of items) {
    if ('error' in item) {
      stats.renderErrors.push({ line: item.line, error: item.error });
      stats.excluded.push({
        line: item.line,
        reason: item.error.startsWith('the chat template failed')
          ? item.error
          : `the chat template failed: ${item.error}`,
      });
      continue;
    }
    const o = 'inputIds' in item ? tokenCounts(item) : item;
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
    stats.maskedTokens += o.tokens - o.trainedTokens;
  }
  if (lengths.length > 0) {
    const sorted = [...lengths].sort((a, b) => a - b);
    const min = sorted[0];
    const max = sorted[sorted.length - 1];
    stats.minLength = min;
    stats.maxSeen = max;
    stats.meanLength = lengths.reduce((a, b) => a + b, 0) / lengths.length;
    stats.median = percentile(sorted, 0.5);
    stats.p95 = percentile(sorted, 0.95);
    // round bins covering [min, max] only
    const width = niceBinWidth(max - min + 1, bins);
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
  if (options.tokens) {
    const t = options.tokens;
    report.tokens = tokenStats(t.outcomes, t.maxLength, t.bins);
  }
  return report;
}
