// The curated set as the UI reads it: the report (flags counted over the kept rows, the curation
// record, the diversity view), the table's lint and curation columns, and one row's content and
// flags for the example detail and the editor. Reads datasetCuration.ts's state, changes nothing.
import type { LintFlag } from '../data/lint/index.ts';
import type { CurationRecord } from '../engine/index.ts';
import { checkedKinds, flagBits } from './curationLint.ts';
import {
  curationOf,
  curationState,
  flagsOf,
  kept,
  type CuratedDataset,
  type Curation,
} from './datasetCuration.ts';
import { diversityOf } from './diversity.ts';
import {
  kRowByHand,
  kRowDropped,
  kRowEdited,
  type CurationReport,
  type ExampleCuration,
  type ExampleTable,
} from './protocol.ts';

function record(ds: CuratedDataset, c: Curation): CurationRecord {
  const byFlag: Record<string, number> = {};
  let unflagged = 0;
  for (const flags of c.dropped.values()) {
    if (flags.length === 0) unflagged++;
    for (const f of flags) byFlag[f.kind] = (byFlag[f.kind] ?? 0) + 1;
  }
  let edited = 0;
  let added = 0;
  for (const ex of ds.examples) {
    if (c.dropped.has(ex.line)) continue;
    if (c.byHand.has(ex.line)) added++;
    else if (c.originals.has(ex.line)) edited++;
  }
  return {
    dropped: c.dropped.size,
    droppedByFlag: byFlag,
    droppedUnflagged: unflagged,
    edited,
    added,
  };
}

/** The run's record of what curation changed (empty before curation started). */
export function curationRecord(ds: CuratedDataset): CurationRecord {
  const c = curationState(ds);
  return c
    ? record(ds, c)
    : { dropped: 0, droppedByFlag: {}, droppedUnflagged: 0, edited: 0, added: 0 };
}

export function curationReport(ds: CuratedDataset): CurationReport {
  const c = curationOf(ds);
  const rows = kept(ds, c);
  const flags: CurationReport['flags'] = {};
  const checked = checkedKinds(c.rowsDone, c.tokens !== null);
  for (const k of checked) flags[k] = 0;
  for (const ex of rows)
    for (const f of flagsOf(c, ex.line)) flags[f.kind] = (flags[f.kind] ?? 0) + 1;
  return {
    record: record(ds, c),
    kept: rows.length,
    flags,
    checked,
    diversity: diversityOf(rows),
    undo: c.undo.at(-1)?.label ?? null,
  };
}

/** Fills the table's lint and curation columns. */
export function fillCurationColumns(ds: CuratedDataset, table: ExampleTable): void {
  const c = curationOf(ds);
  for (let i = 0; i < table.count; i++) {
    const line = table.line[i];
    table.lint[i] = flagBits(flagsOf(c, line));
    table.curation[i] =
      (c.dropped.has(line) ? kRowDropped : 0) |
      (c.byHand.has(line) ? kRowByHand : c.originals.has(line) ? kRowEdited : 0);
  }
}

export function exampleCuration(ds: CuratedDataset, line: number): ExampleCuration | null {
  const c = curationState(ds);
  const i = ds.byLine.get(line);
  if (!c || i === undefined) return null;
  const ex = ds.examples[i];
  return {
    line,
    format: ex.format,
    example: ex.text !== undefined ? { messages: [], text: ex.text } : { messages: ex.messages },
    flags: flagsOf(c, line),
    dropped: c.dropped.has(line),
    edited: c.originals.has(line) && !c.byHand.has(line),
    byHand: c.byHand.has(line),
  };
}

/** Dropped rows (line → the flags they had when dropped); empty before curation started. */
export function droppedRows(ds: CuratedDataset): ReadonlyMap<number, LintFlag[]> {
  return curationState(ds)?.dropped ?? new Map<number, LintFlag[]>();
}
