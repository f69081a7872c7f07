// The prompt-set table's pure logic (no React, no store): its row shape, sorting, filtering, and
// the two downloads. JSONL follows `sft-studio compare --json` (one object per row with the same
// field names, then {"summary": ...} keyed by model), so files from the studio and the CLI read
// the same. CSV follows RFC 4180 (fields quoted when they hold a comma, a quote or a line break,
// quotes doubled, CRLF between records) with a UTF-8 BOM so spreadsheets read non-ASCII text right.
import type { SetAnswer, SetSummary } from '../../worker/engineProtocol.ts';

export interface SetRow {
  /** Dataset row (1-based), or the question's number in a pasted list. */
  line: number;
  /** The last user turn (what the table shows as the prompt). */
  prompt: string;
  /** Turns before it (system, earlier user and assistant turns): the model sees them too. */
  context: number;
  reference: string | null;
  /** Streamed text so far; final once the answer is set. */
  base: string;
  tuned: string;
  baseAnswer: SetAnswer | null;
  tunedAnswer: SetAnswer | null;
  /** Why the row was not generated, when it was not. */
  skipped: string | null;
}

export type SetSortKey =
  'line' | 'base-rouge' | 'tuned-rouge' | 'gain' | 'base-tokens' | 'tuned-tokens';
export interface SetSort {
  key: SetSortKey;
  dir: 'asc' | 'desc';
}

/** 'limit': either model hit the token limit; 'tuned-limit': the tuned one did; 'worse': the tuned
 * answer scores a lower ROUGE-L than the base one. */
export type SetShow = 'all' | 'limit' | 'tuned-limit' | 'worse';
export interface SetFilter {
  text: string;
  show: SetShow;
}

/** The value a row sorts by; null (unfinished, no reference) sorts last either way. */
function sortValue(r: SetRow, key: SetSortKey): number | null {
  const b = r.baseAnswer;
  const t = r.tunedAnswer;
  switch (key) {
    case 'line':
      return r.line;
    case 'base-rouge':
      return b?.rougeL ?? null;
    case 'tuned-rouge':
      return t?.rougeL ?? null;
    case 'gain':
      return t?.rougeL != null && b?.rougeL != null ? t.rougeL - b.rougeL : null;
    case 'base-tokens':
      return b?.tokens ?? null;
    case 'tuned-tokens':
      return t?.tokens ?? null;
  }
}

/** A sorted copy; ties keep line order (stable), rows without a value go last. */
export function sortRows(rows: readonly SetRow[], sort: SetSort): SetRow[] {
  const sign = sort.dir === 'asc' ? 1 : -1;
  return rows
    .map((r) => ({ r, v: sortValue(r, sort.key) }))
    .sort((x, y) => {
      if (x.v === null || y.v === null) {
        if (x.v === y.v) return x.r.line - y.r.line;
        return x.v === null ? 1 : -1;
      }
      return sign * (x.v - y.v) || x.r.line - y.r.line;
    })
    .map((x) => x.r);
}

export function filterRows(rows: readonly SetRow[], f: SetFilter): SetRow[] {
  const needle = f.text.trim().toLowerCase();
  return rows.filter((r) => {
    const b = r.baseAnswer;
    const t = r.tunedAnswer;
    if (f.show === 'limit' && !((b && !b.stopped) || (t && !t.stopped))) return false;
    if (f.show === 'tuned-limit' && !(t && !t.stopped)) return false;
    if (f.show === 'worse' && !(t?.rougeL != null && b?.rougeL != null && t.rougeL < b.rougeL))
      return false;
    if (!needle) return true;
    return [r.prompt, r.reference ?? '', r.base, r.tuned].some((s) =>
      s.toLowerCase().includes(needle),
    );
  });
}

/** The rows the table shows: filtered, then sorted. */
export function visibleRows(rows: readonly SetRow[], sort: SetSort, f: SetFilter): SetRow[] {
  return sortRows(filterRows(rows, f), sort);
}

const round = (x: number) => Number(x.toFixed(6));

/** The CLI's summary object: each metric keyed by model (src/data summaryByModel's shape). */
function summaryObject(s: SetSummary) {
  const by = (f: (m: SetSummary['base']) => number) => ({
    base: round(f(s.base)),
    tuned: round(f(s.tuned)),
  });
  const refs = s.withReference === s.examples && s.examples > 0;
  return {
    examples: s.examples,
    ...(refs
      ? { bleu: by((m) => m.bleu), rougeL: by((m) => m.rougeL), exact: by((m) => m.exact) }
      : {}),
    stopped: by((m) => m.stopped),
    mean_length: by((m) => m.meanLength),
  };
}

/** JSON lines: one object per finished row (as `compare --json`), then the summary. */
export function toJsonl(rows: readonly SetRow[], summary: SetSummary | null): string {
  const out: string[] = [];
  for (const r of rows) {
    if (!r.baseAnswer || !r.tunedAnswer) continue;
    const o: Record<string, unknown> = { line: r.line, prompt: r.prompt };
    if (r.reference !== null) o.reference = r.reference;
    o.base = r.baseAnswer.text;
    o.tuned = r.tunedAnswer.text;
    o.base_stopped = r.baseAnswer.stopped;
    o.tuned_stopped = r.tunedAnswer.stopped;
    o.base_tokens = r.baseAnswer.tokens;
    o.tuned_tokens = r.tunedAnswer.tokens;
    if (r.baseAnswer.rougeL !== null && r.tunedAnswer.rougeL !== null) {
      o.rougeL = { base: round(r.baseAnswer.rougeL), tuned: round(r.tunedAnswer.rougeL) };
    }
    out.push(JSON.stringify(o));
  }
  if (summary) out.push(JSON.stringify({ summary: summaryObject(summary) }));
  return out.map((l) => `${l}\n`).join('');
}

/** One CSV field: quoted when it holds a comma, a quote or a line break; quotes doubled. */
export function csvField(v: string | number | boolean | null): string {
  const s = v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const kCsvHeader = [
  'line',
  'prompt',
  'reference',
  'base',
  'tuned',
  'base_stopped',
  'tuned_stopped',
  'base_tokens',
  'tuned_tokens',
  'base_rougeL',
  'tuned_rougeL',
];

/** CSV of the finished rows, with a header line (RFC 4180, CRLF, UTF-8 BOM). */
export function toCsv(rows: readonly SetRow[]): string {
  const lines = [kCsvHeader.join(',')];
  for (const r of rows) {
    const b = r.baseAnswer;
    const t = r.tunedAnswer;
    if (!b || !t) continue;
    lines.push(
      [
        r.line,
        r.prompt,
        r.reference,
        b.text,
        t.text,
        b.stopped,
        t.stopped,
        b.tokens,
        t.tokens,
        b.rougeL === null ? null : round(b.rougeL),
        t.rougeL === null ? null : round(t.rougeL),
      ]
        .map(csvField)
        .join(','),
    );
  }
  return `\ufeff${lines.join('\r\n')}\r\n`;
}

/** Pasted questions, one per line (blank lines dropped), numbered from 1. */
export function parseQuestions(text: string): { line: number; question: string }[] {
  return text
    .split(/\r?\n/)
    .map((q) => q.trim())
    .filter((q) => q.length > 0)
    .map((question, i) => ({ line: i + 1, question }));
}
