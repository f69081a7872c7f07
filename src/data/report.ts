// The dataset report, computed before anyone trains: what is in the file (formats, turns,
// duplicates, empty answers, bad lines by kind) and, once a tokenizer and template are chosen,
// what training will see (length histogram, examples over the max length, trained tokens that
// truncation loses, examples excluded because no trained token is left).
import { isTokenizeFailure, type TokenizeOutcome } from './masking';
import {
  kIgnoreIndex,
  type DatasetFormat,
  type DatasetReport,
  type Example,
  type ParseResult,
  type TokenStats,
} from './types';

export interface ReportOptions {
  /** Token statistics: the tokenizeAll() outcomes for parse.examples and the max length used. */
  tokens?: { maxLength: number; outcomes: readonly TokenizeOutcome[]; bins?: number };
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
  for (const o of outcomes) {
    if (isTokenizeFailure(o)) {
      stats.renderErrors.push({ line: o.line, error: o.error });
      stats.excluded.push({ line: o.line, reason: `the chat template failed: ${o.error}` });
      continue;
    }
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
    stats.totalTokens += o.inputIds.length;
    for (const l of o.labels) if (l !== kIgnoreIndex) stats.trainedTokens++;
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
