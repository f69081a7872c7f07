// Curation of the dataset worker's rows (issue 12): the source of truth for what trains. Rows are
// dropped and restored (one by one or all of a flag), edited in place, or written by hand (new
// rows after the last row number); every step can be undone, last first. An edit changes the
// worker's example itself (the original is kept), so the preview, the report, the prompt set and
// training all read the edited row; a dropped row stays in the list, marked, and leaves the report,
// the token counts, the lint's duplicate search and the set `take-examples` hands to training.
// Changed rows are re-tokenized and re-linted one by one, never the whole set.
import {
  isLineError,
  normaliseLine,
  tokenCounts,
  type Example,
  type LineError,
  type TokenCountsOrFailure,
} from '../data/index.ts';
import type { LintFlag } from '../data/lint/index.ts';
import {
  crossFlags,
  mergeFlags,
  rowFlags,
  specialTokensOf,
  tokenFlags,
  type FlagsByLine,
} from './curationLint.ts';
import type { LoadedTokenizer, Renderer } from './dataApi.ts';
import { type CurationAction, type EditableExample, type PreviewSettings } from './protocol.ts';
import type { Dataset as CuratedDataset, Tokenized as TokenizedRows } from './datasetState.ts';
import { parseFacts } from './summary.ts';

// The worker's dataset and its tokens (datasetState.ts), under the names curation uses.
export type { CuratedDataset, TokenizedRows };

export interface CurationHost {
  dataset: CuratedDataset | null;
  tokenizer: LoadedTokenizer | null;
  renderer: Renderer | null;
  settings: PreviewSettings | null;
}

/** A request the current dataset cannot carry out (an unknown row, an invalid edit). */
export class CurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CurationError';
  }
}

export interface Curation {
  errors: LineError[];
  totalLines: number;
  /** Edited rows as they were read (a row written by hand has none). */
  originals: Map<number, Example>;
  byHand: Set<number>;
  /** Dropped rows, with the flags they had when dropped (the reason, kept for the export). */
  dropped: Map<number, LintFlag[]>;
  rows: FlagsByLine;
  rowsDone: boolean;
  /** special_tokens and truncated; null until the set is tokenized. */
  tokens: FlagsByLine | null;
  cross: FlagsByLine;
  undo: { label: string; revert: () => void }[];
  nextLine: number;
}

const curations = new WeakMap<CuratedDataset, Curation>();

/** The dataset's curation, or undefined before it started. */
export const curationState = (ds: CuratedDataset): Curation | undefined => curations.get(ds);

export function curationOf(ds: CuratedDataset): Curation {
  const c = curations.get(ds);
  if (!c)
    throw new CurationError('this dataset is not ready for curation yet: wait for it to load');
  return c;
}

/** Starts curating a dataset just read (nothing dropped, edited or added). */
export function startCuration(
  ds: CuratedDataset,
  parse: { errors: LineError[]; totalLines: number },
): void {
  let last = 0;
  for (const ex of ds.examples) last = Math.max(last, ex.line);
  for (const e of parse.errors) last = Math.max(last, e.line);
  curations.set(ds, {
    errors: parse.errors,
    totalLines: parse.totalLines,
    originals: new Map(),
    byHand: new Set(),
    dropped: new Map(),
    rows: new Map(),
    rowsDone: false,
    tokens: null,
    cross: new Map(),
    undo: [],
    nextLine: last + 1,
  });
}

/** A row's flags now: a dropped row's are those it had when dropped. */
export function flagsOf(c: Curation, line: number): LintFlag[] {
  return (
    c.dropped.get(line) ?? mergeFlags(c.cross.get(line), c.rows.get(line), c.tokens?.get(line))
  );
}

export function kept(ds: CuratedDataset, c: Curation): Example[] {
  return ds.examples.filter((ex) => !c.dropped.has(ex.line));
}

/** Re-derives what depends on the kept rows: the report's facts and the duplicate search. */
function refresh(ds: CuratedDataset, c: Curation, onlyDropped = false): void {
  const rows = kept(ds, c);
  ds.facts = parseFacts({ examples: rows, errors: c.errors, totalLines: c.totalLines });
  if (!c.rowsDone) {
    c.cross = new Map<number, LintFlag[]>();
    return;
  }
  // Dropping rows makes no two kept rows more alike: unless a kept row repeats a row now dropped
  // (its flag must point elsewhere, or go), the kept rows' duplicate flags stand, and the
  // duplicate search (seconds on 100k rows) is skipped.
  if (onlyDropped && ![...c.cross.values()].flat().some((f) => f.of && c.dropped.has(f.of))) {
    for (const line of c.dropped.keys()) c.cross.delete(line);
    return;
  }
  c.cross = crossFlags(rows);
}

/** The kept rows and their index by line (the Try step's prompt set takes no dropped row). */
export function keptRows(ds: CuratedDataset): [Example[], Map<number, number>] {
  const c = curations.get(ds);
  if (!c || c.dropped.size === 0) return [ds.examples, ds.byLine];
  const rows = kept(ds, c);
  return [rows, new Map(rows.map((ex, i) => [ex.line, i]))];
}

/** Token counts of the kept rows (the report's token statistics follow the curated set). */
export function keptCounts(
  ds: CuratedDataset,
  counts: readonly TokenCountsOrFailure[],
): TokenCountsOrFailure[] {
  const c = curations.get(ds);
  if (!c || c.dropped.size === 0) return counts.slice();
  return counts.filter((_, i) => i >= ds.examples.length || !c.dropped.has(ds.examples[i].line));
}

// ---------------------------------------------------------------------------------------------
// Lint passes

/** The per-row checks of every row, chunked (`onChunk` reports progress and says whether to go
 * on), then the duplicate search. False when stopped (another dataset replaced this one). */
export async function lintRows(
  ds: CuratedDataset,
  onChunk: (done: number, total: number) => Promise<boolean>,
): Promise<boolean> {
  const c = curationOf(ds);
  const kChunk = 500;
  for (let at = 0; at < ds.examples.length; at += kChunk) {
    const chunk = ds.examples.slice(at, at + kChunk);
    const found = rowFlags(chunk);
    for (const ex of chunk) {
      const f = found.get(ex.line);
      if (f) c.rows.set(ex.line, f);
      else c.rows.delete(ex.line);
    }
    const done = Math.min(ds.examples.length, at + kChunk);
    if (!(await onChunk(done, ds.examples.length))) return false;
  }
  c.rowsDone = true;
  refresh(ds, c);
  return true;
}

/** The token checks of every row, once the set is tokenized. */
export function lintTokens(host: CurationHost, ds: CuratedDataset): void {
  const c = curations.get(ds);
  const t = ds.tokenized;
  if (!c || !t || !host.tokenizer) return;
  const specials = specialTokensOf(host.tokenizer.tokenizer);
  c.tokens = tokenFlags(ds.examples, t.counts, specials, t.maxLength);
}

/** One row's per-row and token checks again (after an edit or an addition). */
function relintRow(host: CurationHost, ds: CuratedDataset, c: Curation, index: number): void {
  const ex = ds.examples[index];
  const f = rowFlags([ex]).get(ex.line);
  if (f) c.rows.set(ex.line, f);
  else c.rows.delete(ex.line);
  const t = ds.tokenized;
  if (!c.tokens || !t || !host.tokenizer) return;
  const specials = specialTokensOf(host.tokenizer.tokenizer);
  const tf = tokenFlags([ex], [t.counts[index]], specials, t.maxLength).get(ex.line);
  if (tf) c.tokens.set(ex.line, tf);
  else c.tokens.delete(ex.line);
}

// ---------------------------------------------------------------------------------------------
// Actions

/** Tokenizes row `index` again into the tokenized set (its old tokens stay unused in the builder). */
function retokenizeRow(host: CurationHost, ds: CuratedDataset, index: number): void {
  const t = ds.tokenized;
  if (!t || !host.renderer) return;
  if (t.setIndex.length < ds.examples.length) {
    const grown = new Int32Array(ds.examples.length).fill(-1);
    grown.set(t.setIndex);
    t.setIndex = grown;
  }
  const r = host.renderer.tokenize(ds.examples[index]);
  if ('error' in r) {
    t.counts[index] = r;
    t.setIndex[index] = -1;
  } else {
    t.counts[index] = tokenCounts(r.example);
    t.setIndex[index] = t.set.push(r.example);
  }
}

/** The editor's content as a row, checked the way a row of a file is (same messages). */
export function rowFrom(example: EditableExample, line: number, base?: Example): Example {
  const isText = base ? base.text !== undefined : example.text !== undefined;
  const value = isText ? { text: example.text ?? '' } : { messages: example.messages };
  const out = normaliseLine(value, line);
  if (isLineError(out)) {
    throw new CurationError(`line ${line}${out.field ? ` ${out.field}` : ''}: ${out.message}`);
  }
  if (!base) return out;
  return { ...base, messages: out.messages, ...(out.text !== undefined ? { text: out.text } : {}) };
}

const sameRow = (a: Example, b: Example) =>
  a.text === b.text && JSON.stringify(a.messages) === JSON.stringify(b.messages);

function setRow(host: CurationHost, ds: CuratedDataset, c: Curation, index: number, ex: Example) {
  ds.examples[index] = ex;
  retokenizeRow(host, ds, index);
  relintRow(host, ds, c, index);
}

function rowIndex(ds: CuratedDataset, line: number): number {
  const i = ds.byLine.get(line);
  if (i === undefined) throw new CurationError(`there is no valid row ${line} in this dataset`);
  return i;
}

const rowsLabel = (lines: number[]) =>
  lines.length === 1 ? `line ${lines[0]}` : `${lines.length} rows`;

function drop(ds: CuratedDataset, c: Curation, lines: number[], why: string): void {
  const fresh = lines.filter((l) => ds.byLine.has(l) && !c.dropped.has(l));
  if (fresh.length === 0) return;
  for (const l of fresh) c.dropped.set(l, flagsOf(c, l));
  c.undo.push({
    label: why === 'drop' ? `drop of ${rowsLabel(fresh)}` : `${why} (${rowsLabel(fresh)})`,
    revert: () => fresh.forEach((l) => c.dropped.delete(l)),
  });
}

function restore(c: Curation, lines: number[]): void {
  const saved = lines.flatMap((l) => {
    const f = c.dropped.get(l);
    return f ? [[l, f] as const] : [];
  });
  if (saved.length === 0) return;
  for (const [l] of saved) c.dropped.delete(l);
  c.undo.push({
    label: `restore ${rowsLabel(saved.map(([l]) => l))}`,
    revert: () => saved.forEach(([l, f]) => c.dropped.set(l, f)),
  });
}

function edit(
  host: CurationHost,
  ds: CuratedDataset,
  c: Curation,
  line: number,
  e: EditableExample,
) {
  const index = rowIndex(ds, line);
  const before = ds.examples[index];
  const next = rowFrom(e, line, before);
  if (sameRow(before, next)) return;
  const original = c.originals.get(line);
  setRow(host, ds, c, index, next);
  if (!c.byHand.has(line)) {
    if (!original) c.originals.set(line, before);
    else if (sameRow(original, next)) c.originals.delete(line);
  }
  c.undo.push({
    label: `edit of line ${line}`,
    revert: () => {
      setRow(host, ds, c, index, before);
      if (original) c.originals.set(line, original);
      else c.originals.delete(line);
    },
  });
}

function add(host: CurationHost, ds: CuratedDataset, c: Curation, e: EditableExample): number {
  const line = c.nextLine;
  const ex = rowFrom(e, line);
  ds.examples.push(ex);
  const index = ds.examples.length - 1;
  ds.byLine.set(line, index);
  c.byHand.add(line);
  c.nextLine++;
  const t = ds.tokenized;
  if (t) t.counts.length = ds.examples.length;
  setRow(host, ds, c, index, ex);
  c.undo.push({
    label: `new row ${line}`,
    // Undo is last-in first-out, so the row added last is the last row when this runs.
    revert: () => {
      ds.examples.pop();
      ds.byLine.delete(line);
      c.byHand.delete(line);
      c.rows.delete(line);
      c.tokens?.delete(line);
      c.nextLine = line;
      if (t && ds.tokenized === t) {
        t.counts.length = ds.examples.length;
        t.setIndex = t.setIndex.slice(0, ds.examples.length);
      }
    },
  });
  return line;
}

/** Carries out one step. Returns the row to show (an edited or new row) and whether the whole set
 * must be tokenized again (a row changed while tokenizing was under way). */
export function curate(
  host: CurationHost,
  ds: CuratedDataset,
  action: CurationAction,
): { select: number | null; retokenize: boolean } {
  const c = curationOf(ds);
  let select: number | null = null;
  let changedRows = false;
  switch (action.op) {
    case 'drop':
      drop(ds, c, action.lines, 'drop');
      break;
    case 'restore':
      restore(c, action.lines);
      break;
    case 'drop-flag': {
      const lines = kept(ds, c)
        .filter((ex) => flagsOf(c, ex.line).some((f) => f.kind === action.flag))
        .map((ex) => ex.line);
      drop(ds, c, lines, `drop of every ${action.flag} row`);
      break;
    }
    case 'edit':
      edit(host, ds, c, action.line, action.example);
      select = action.line;
      changedRows = true;
      break;
    case 'add':
      select = add(host, ds, c, action.example);
      changedRows = true;
      break;
    case 'undo': {
      const step = c.undo.pop();
      if (!step) throw new CurationError('there is nothing to undo');
      step.revert();
      changedRows = true;
      break;
    }
  }
  refresh(ds, c, action.op === 'drop' || action.op === 'drop-flag');
  return { select, retokenize: changedRows && !ds.tokenized && host.renderer !== null };
}
