// Row sources for text files: JSON Lines (streamed line by line, gzipped or not), JSON (an array
// of rows, each numbered by its 1-based element; or JSON Lines under a .json name) and CSV/TSV
// with a header row (papaparse: quoted fields may hold newlines and delimiters; rows numbered
// from 1 after the header; a row whose field count differs from the header's is that row's error).
import Papa from 'papaparse';
import { createLineSplitter, parseJsonlValue } from '../jsonl';
import { textChunks, wholeText } from './bytes';
import { DatasetSourceError, type AsyncBuffer, type RowItem } from './types';

export interface TextSourceContext {
  name: string;
  buf: AsyncBuffer;
  gzip: boolean;
  rowOffset: number;
  limit: number;
  onBytes: (done: number) => void;
}

/** Rows of JSON Lines text chunks: one per non-blank physical line, numbered by that line. */
async function* linesOf(chunks: AsyncIterable<string> | Iterable<string>, rowOffset: number) {
  const ready: RowItem[] = [];
  const splitter = createLineSplitter((raw, line) => {
    const parsed = parseJsonlValue(raw, line + rowOffset);
    if (parsed === null) return;
    if ('value' in parsed) ready.push({ row: line + rowOffset, value: parsed.value });
    else {
      const { line: row, ...error } = parsed;
      ready.push({ row, error });
    }
  });
  for await (const chunk of chunks) {
    splitter.push(chunk);
    yield* ready.splice(0);
  }
  splitter.end();
  yield* ready.splice(0);
}

export function jsonlRows(ctx: TextSourceContext): AsyncIterable<RowItem> {
  return linesOf(textChunks(ctx.buf, ctx.gzip, ctx.onBytes), ctx.rowOffset);
}

/** A .json file: a JSON array (one row per element), or JSON Lines when it is not an array. */
export async function* jsonRows(ctx: TextSourceContext): AsyncGenerator<RowItem> {
  const text = await wholeText(ctx.buf, ctx.gzip, ctx.onBytes);
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trimStart()[0] !== '[') {
    yield* linesOf([body], ctx.rowOffset);
    return;
  }
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (e) {
    throw new DatasetSourceError(
      ctx.name,
      `not valid JSON (${(e as Error).message}); a .json dataset is an array of rows, or JSON Lines`,
      { cause: e },
    );
  }
  const rows = value as unknown[];
  for (let i = 0; i < rows.length && i < ctx.limit; i++) {
    yield { row: ctx.rowOffset + i + 1, value: rows[i] };
  }
}

/** CSV or TSV with a header row; every value is a string (as written in the file). */
export async function* delimitedRows(
  ctx: TextSourceContext,
  delimiter: ',' | '\t',
): AsyncGenerator<RowItem> {
  let text = await wholeText(ctx.buf, ctx.gzip, ctx.onBytes);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const parsed = Papa.parse<Record<string, string>>(text, {
    header: true,
    delimiter,
    skipEmptyLines: 'greedy',
  });
  const header = parsed.meta.fields ?? [];
  if (header.length === 0) {
    throw new DatasetSourceError(ctx.name, 'no header row: the first row must name the columns');
  }
  const errors = new Map<number, Papa.ParseError>();
  for (const e of parsed.errors)
    if (e.row !== undefined && !errors.has(e.row)) errors.set(e.row, e);
  for (let i = 0; i < parsed.data.length && i < ctx.limit; i++) {
    const row = ctx.rowOffset + i + 1;
    const record = parsed.data[i];
    const extra = (record as { __parsed_extra?: unknown[] }).__parsed_extra;
    const fields = header.filter((h) => record[h] !== undefined).length + (extra?.length ?? 0);
    const e = errors.get(i);
    if (e?.type === 'FieldMismatch' || fields !== header.length) {
      yield {
        row,
        error: {
          field: '',
          kind: 'fields',
          message: `row has ${fields} fields, the header has ${header.length} (${header.map((h) => `"${h}"`).join(', ')})`,
        },
      };
    } else if (e) {
      yield { row, error: { field: '', kind: 'fields', message: `${e.message} (${e.code})` } };
    } else {
      yield { row, value: record };
    }
  }
}
