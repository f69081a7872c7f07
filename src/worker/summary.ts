// Turns the parse result and per-example token counts into the DatasetSummary and ExampleTable the
// UI shows. Pure functions: the worker calls them, tests can too.
import { buildReport, type TokenCountsOrFailure } from '../data/report.ts';
import type { DatasetFormat, DatasetReport, Example, ParseResult } from '../data/types.ts';
import {
  kFlagBits,
  kFormats,
  type DatasetSummary,
  type ExampleFlag,
  type ExampleTable,
  type TokenColumns,
} from './protocol.ts';

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
function flagBits(ex: Example, facts: ParseFacts, c: TokenCountsOrFailure | undefined): number {
  let bits = 0;
  if (facts.duplicateLines.has(ex.line)) bits |= kFlagBits.duplicate;
  if (facts.emptyAnswerLines.has(ex.line)) bits |= kFlagBits['empty-answer'];
  if (c && 'error' in c) return bits | kFlagBits.excluded;
  if (c && c.fullLength > c.tokens) bits |= kFlagBits.truncated;
  if (c && c.excluded !== undefined) bits |= kFlagBits.excluded;
  return bits;
}

export function flagList(bits: number): ExampleFlag[] {
  return (Object.keys(kFlagBits) as ExampleFlag[]).filter((f) => bits & kFlagBits[f]);
}

/** The columns that depend on tokenization (flags include the parse-level ones). */
export function tokenColumns(
  examples: Example[],
  facts: ParseFacts,
  counts: readonly (TokenCountsOrFailure | undefined)[] | null,
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
    if (c && !('error' in c)) {
      cols.tokens[i] = c.tokens;
      cols.trained[i] = c.trainedTokens;
    } else if (c) {
      cols.tokens[i] = 0;
      cols.trained[i] = 0;
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
    // filled by the curation (datasetCuration.ts) once the lint has run
    lint: new Uint16Array(n),
    curation: new Uint8Array(n),
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
    cols.lint,
    cols.curation,
  ]
    .filter((a) => a !== undefined)
    .map((a) => a.buffer as ArrayBuffer);
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
