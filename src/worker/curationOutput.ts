// What leaves the dataset worker from a curated dataset: the table and report the UI shows, the
// token set training takes (kept rows only, edits in, rows written by hand in), the curated JSONL
// and the dropped-rows list for download, and an editor draft's tokens for its live preview.
import {
  pickExamples,
  tokenCounts,
  tokenStats,
  type Example,
  type ExampleSet,
} from '../data/index.ts';
import type { LintFlag } from '../data/lint/index.ts';
import type { CurationRecord } from '../engine/index.ts';
import { rowFlags, specialTokensOf, tokenFlags, mergeFlags } from './curationLint.ts';
import { keptCounts, rowFrom, type CuratedDataset, type CurationHost } from './datasetCuration.ts';
import {
  curationRecord,
  curationReport,
  droppedRows,
  fillCurationColumns,
} from './curationReport.ts';
import { tokenDetail } from './pieces.ts';
import type {
  CurationReport,
  DatasetSummary,
  EditableExample,
  ExampleDetail,
  ExampleTable,
} from './protocol.ts';
import { datasetSummary, exampleTable, tokenColumns } from './summary.ts';

/** The report of the curated set: dropped rows out, edited rows counted as they are now. */
export function curatedSummary(ds: CuratedDataset): DatasetSummary {
  const summary = datasetSummary(ds.name, ds.bytes, ds.errorLines, ds.facts);
  const t = ds.tokenized;
  if (t) summary.tokens = tokenStats(keptCounts(ds, t.counts), t.maxLength);
  return summary;
}

/** Every row (dropped ones marked) with its token counts, flags and curation state. */
export function curatedView(ds: CuratedDataset): {
  table: ExampleTable;
  summary: DatasetSummary;
  report: CurationReport;
} {
  const table = exampleTable(ds.examples, ds.facts);
  Object.assign(table, tokenColumns(ds.examples, ds.facts, ds.tokenized?.counts ?? null));
  fillCurationColumns(ds, table);
  return { table, summary: curatedSummary(ds), report: curationReport(ds) };
}

/** The kept rows' tokens, in row order, as one set (a copy: the worker keeps its own). */
export function curatedSet(
  ds: CuratedDataset,
  fingerprint: string,
): { set: ExampleSet; curation: CurationRecord } {
  const t = ds.tokenized;
  if (!t) throw new Error('The dataset is still being tokenized: wait for it to finish.');
  const dropped = droppedRows(ds);
  const picks: number[] = [];
  ds.examples.forEach((ex, i) => {
    const at = t.setIndex[i];
    if (at >= 0 && !dropped.has(ex.line)) picks.push(at);
  });
  const set = pickExamples(t.set.view(fingerprint), picks);
  return { set, curation: curationRecord(ds) };
}

function jsonlRow(ex: Example): string {
  const row: Record<string, unknown> =
    ex.text !== undefined ? { text: ex.text } : { messages: ex.messages };
  if (ex.category !== undefined) row.category = ex.category;
  return JSON.stringify(row);
}

/** The curated set as JSONL (messages format; text rows as {"text"}), and the dropped rows with
 * their flags ({"line", "flags"}, as `sft-studio lint --json` lists flagged rows). */
export function curatedJsonl(ds: CuratedDataset): { curated: string; dropped: string } {
  const dropped = droppedRows(ds);
  const keep = ds.examples.filter((ex) => !dropped.has(ex.line)).map(jsonlRow);
  const gone = [...dropped]
    .sort((a, b) => a[0] - b[0])
    .map(([line, flags]) => JSON.stringify({ line, flags }));
  const text = (lines: string[]) => (lines.length ? `${lines.join('\n')}\n` : '');
  return { curated: text(keep), dropped: text(gone) };
}

/** An editor draft's tokens and flags, as the preview shows a row (nothing is kept). */
export function draftDetail(
  host: CurationHost,
  line: number,
  draft: EditableExample,
  base: Example | undefined,
): { detail: ExampleDetail | null; flags: LintFlag[]; error: string } {
  let ex: Example;
  try {
    ex = rowFrom(draft, line, base);
  } catch (e) {
    return { detail: null, flags: [], error: e instanceof Error ? e.message : String(e) };
  }
  const flags = rowFlags([ex]).get(line);
  const { renderer, tokenizer } = host;
  if (!renderer || !tokenizer) {
    return {
      detail: null,
      flags: flags ?? [],
      error: 'Load a tokenizer in the Model step to see the tokens as you type.',
    };
  }
  const r = renderer.tokenize(ex);
  if ('error' in r) return { detail: null, flags: flags ?? [], error: r.error };
  const t = r.example;
  const maxLength = host.settings?.maxLength ?? t.inputIds.length;
  const tf = tokenFlags(
    [ex],
    [tokenCounts(t)],
    specialTokensOf(tokenizer.tokenizer),
    maxLength,
  ).get(line);
  const decode = (ids: number[]) => tokenizer.tokenizer.decode(ids);
  return {
    detail: tokenDetail(line, ex.format, t, decode, []),
    flags: mergeFlags(flags, tf),
    error: '',
  };
}
