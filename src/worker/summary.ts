// Turns the parse result and per-example token counts into the DatasetSummary and ExampleTable the
// UI shows. Pure functions: the worker calls them, tests can too.
import { buildReport } from '../data/report.ts';
import type { DatasetFormat, DatasetReport, Example, ParseResult } from '../data/types.ts';
import {
  kFlagBits,
  kFormats,
  type DatasetSummary,
  type ExampleFlag,
  type ExampleTable,
  type HistogramBin,
  type TokenColumns,
  type TokenStats,
} from './protocol.ts';

/** Per-example token counts kept by the worker (the token arrays themselves are not kept). */
export interface TokenCounts {
  tokens: number;
  trained: number;
  masked: number;
  fullLength: number;
  truncatedTrainedTokens: number;
  /** Why the example is excluded (no trained token left, or the template failed on it). */
  excluded?: string;
}

export interface ParseFacts {
  report: DatasetReport;
  /** Lines repeating an earlier line exactly (the first occurrence is not one). */
  duplicateLines: Set<number>;
  emptyAnswerLines: Set<number>;
}

/** The parse-level report from src/data (so the studio and the CLI count the same way). */
export function parseFacts(parse: ParseResult): ParseFacts {
  const report = buildReport(parse);
  return {
    report,
    duplicateLines: new Set(report.duplicateGroups.flatMap((g) => g.slice(1))),
    emptyAnswerLines: new Set(report.emptyAnswerLines),
  };
}

function shorten(text: string, n = 120): string {
  const flat = text
    .slice(0, 4 * n)
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > n ? `${flat.slice(0, n - 1)}…` : flat;
}

function previewOf(ex: Example): string {
  const firstUser = ex.messages.find((m) => m.role === 'user')?.content;
  return shorten(firstUser ?? ex.text ?? ex.messages[0]?.content ?? '');
}

/** Flags of example i from the parse facts and (when tokenized) its token counts. */
function flagBits(ex: Example, facts: ParseFacts, c: TokenCounts | undefined): number {
  let bits = 0;
  if (facts.duplicateLines.has(ex.line)) bits |= kFlagBits.duplicate;
  if (facts.emptyAnswerLines.has(ex.line)) bits |= kFlagBits['empty-answer'];
  if (c && c.fullLength > c.tokens) bits |= kFlagBits.truncated;
  if (c && c.trained === 0) bits |= kFlagBits.excluded;
  return bits;
}

export function flagList(bits: number): ExampleFlag[] {
  return (Object.keys(kFlagBits) as ExampleFlag[]).filter((f) => bits & kFlagBits[f]);
}

/** The columns that depend on tokenization (flags include the parse-level ones). */
export function tokenColumns(
  examples: Example[],
  facts: ParseFacts,
  counts: TokenCounts[] | null,
): TokenColumns {
  const n = examples.length;
  const cols: TokenColumns = {
    flags: new Uint8Array(n),
    tokens: new Int32Array(n).fill(-1),
    trained: new Int32Array(n).fill(-1),
  };
  for (let i = 0; i < n; i++) {
    const c = counts?.[i];
    cols.flags[i] = flagBits(examples[i], facts, c);
    if (c) {
      cols.tokens[i] = c.tokens;
      cols.trained[i] = c.trained;
    }
  }
  return cols;
}

export function exampleTable(examples: Example[], facts: ParseFacts): ExampleTable {
  const n = examples.length;
  const formatIndex = new Map(kFormats.map((f, i) => [f, i]));
  const table: ExampleTable = {
    count: n,
    line: new Int32Array(n),
    format: new Uint8Array(n),
    turns: new Uint16Array(n),
    previewText: '',
    previewStart: new Int32Array(n + 1),
    ...tokenColumns(examples, facts, null),
  };
  const previews: string[] = [];
  let offset = 0;
  for (let i = 0; i < n; i++) {
    const ex = examples[i];
    table.line[i] = ex.line;
    table.format[i] = formatIndex.get(ex.format) ?? 0;
    table.turns[i] = Math.min(65535, ex.messages.length);
    const p = previewOf(ex);
    previews.push(p);
    table.previewStart[i] = offset;
    offset += p.length;
  }
  table.previewStart[n] = offset;
  table.previewText = previews.join('');
  return table;
}

/** The typed arrays of a table or columns, to transfer rather than copy. */
export function transferables(cols: Partial<ExampleTable>): ArrayBuffer[] {
  return [
    cols.line,
    cols.format,
    cols.turns,
    cols.flags,
    cols.tokens,
    cols.trained,
    cols.previewStart,
  ]
    .filter((a) => a !== undefined)
    .map((a) => a.buffer as ArrayBuffer);
}

/** `bins` equal-width bins over [0, max], with round bin widths. */
export function histogram(values: number[], bins = 24): HistogramBin[] {
  if (values.length === 0) return [];
  let max = 0;
  for (const v of values) if (v > max) max = v;
  const raw = Math.max(1, (max + 1) / bins);
  const pow = 10 ** Math.floor(Math.log10(raw));
  const width = [1, 2, 2.5, 5, 10].map((m) => m * pow).find((w) => w >= raw) ?? raw;
  const n = Math.max(1, Math.ceil((max + 1) / width));
  const out: HistogramBin[] = Array.from({ length: n }, (_, i) => ({
    start: Math.round(i * width),
    end: Math.round((i + 1) * width),
    count: 0,
  }));
  for (const v of values) out[Math.min(n - 1, Math.floor(v / width))].count++;
  return out;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1) + 0.5))];
}

export function tokenStats(
  examples: Example[],
  counts: TokenCounts[],
  maxLength: number,
): TokenStats {
  const lengths = counts.map((c) => c.fullLength);
  const sorted = [...lengths].sort((a, b) => a - b);
  const stats: TokenStats = {
    maxLength,
    counted: counts.length,
    min: sorted[0] ?? 0,
    median: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    max: sorted[sorted.length - 1] ?? 0,
    mean: lengths.length ? lengths.reduce((a, b) => a + b, 0) / lengths.length : 0,
    histogram: histogram(lengths),
    overMaxLength: 0,
    lostTrainedTokens: 0,
    trainedTokens: 0,
    maskedTokens: 0,
    excluded: [],
  };
  counts.forEach((c, i) => {
    if (c.fullLength > c.tokens) stats.overMaxLength++;
    stats.lostTrainedTokens += c.truncatedTrainedTokens;
    stats.trainedTokens += c.trained;
    stats.maskedTokens += c.masked;
    if (c.trained === 0) {
      const reason =
        c.excluded ??
        (c.truncatedTrainedTokens > 0
          ? `every trained token is past the max length (${maxLength})`
          : 'no trained token');
      stats.excluded.push({ line: examples[i].line, reason });
    }
  });
  return stats;
}

export function datasetSummary(
  name: string,
  bytes: number,
  errorLines: number,
  facts: ParseFacts,
): DatasetSummary {
  const r = facts.report;
  const formats: DatasetSummary['formats'] = {};
  for (const [f, n] of Object.entries(r.countsByFormat) as [DatasetFormat, number][]) {
    if (n > 0) formats[f] = n;
  }
  const turns = Object.entries(r.turnsHistogram)
    .map(([t, count]) => ({ start: Number(t), end: Number(t) + 1, count }))
    .sort((a, b) => a.start - b.start);
  const total = turns.reduce((n, b) => n + b.count, 0);
  return {
    name,
    bytes,
    totalLines: r.totalLines,
    validExamples: r.validExamples,
    errorLines,
    formats,
    mixedFormats: r.mixedFormats,
    turns: {
      min: turns[0]?.start ?? 0,
      max: turns[turns.length - 1]?.start ?? 0,
      mean: total ? turns.reduce((n, b) => n + b.start * b.count, 0) / total : 0,
      histogram: turns,
    },
    duplicates: facts.duplicateLines.size,
    emptyAnswers: facts.emptyAnswerLines.size,
  };
}
