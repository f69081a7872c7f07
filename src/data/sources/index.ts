// Open any dataset file as rows: the format from the name (or `format`), a common progress
// report, a row limit. `readExamples` goes on to read each row as an Example (mapping.ts), so a
// Parquet file, a CSV, a JSON array and a JSON Lines file holding the same rows give the same
// examples, with the same row numbers in their errors.
import { readRow, type ReadRowOptions } from '../mapping';
import { isLineError } from '../formats';
import type { Example, LineError, ParseResult, RowReading } from '../types';
import { toAsyncBuffer } from './bytes';
import { parquetRows } from './parquet';
import { delimitedRows, jsonlRows, jsonRows, type TextSourceContext } from './text';
import {
  DatasetSourceError,
  type AsyncBuffer,
  type OpenRowsOptions,
  type RowInput,
  type RowItem,
  type SourceFormat,
} from './types';

export * from './types';
export { toAsyncBuffer } from './bytes';
export { parquetColumns } from './parquet';

const kExtensions: [RegExp, SourceFormat][] = [
  [/\.(jsonl|ndjson)$/i, 'jsonl'],
  [/\.json$/i, 'json'],
  [/\.csv$/i, 'csv'],
  [/\.tsv$/i, 'tsv'],
  [/\.parquet$/i, 'parquet'],
];

/** The format a file name implies (a trailing `.gz` is looked through), or null. */
export function detectSourceFormat(name: string): SourceFormat | null {
  const base = name.replace(/[?#].*$/, '').replace(/\.gz$/i, '');
  for (const [re, format] of kExtensions) if (re.test(base)) return format;
  return null;
}

/** Count bytes read through a buffer (progress for range-read formats). */
function counting(buf: AsyncBuffer, onBytes: (n: number) => void): AsyncBuffer {
  let read = 0;
  return {
    byteLength: buf.byteLength,
    slice: async (start, end) => {
      const out = await buf.slice(start, end);
      read += out.byteLength;
      onBytes(Math.min(read, buf.byteLength));
      return out;
    },
  };
}

/** The rows of a dataset file, each with its 1-based row number, in order. */
export async function* openRows(
  input: RowInput,
  opts: OpenRowsOptions = {},
): AsyncGenerator<RowItem> {
  const format = opts.format ?? detectSourceFormat(input.name);
  if (format === null) {
    throw new DatasetSourceError(
      input.name,
      'unknown file type: expected .jsonl, .jsonl.gz, .json, .csv, .tsv or .parquet',
    );
  }
  const gzip = opts.gzip ?? /\.gz$/i.test(input.name);
  if (format === 'parquet' && gzip) {
    throw new DatasetSourceError(input.name, 'a Parquet file compresses itself: do not gzip it');
  }
  const raw = toAsyncBuffer(input.data);
  const limit = opts.limit ?? Infinity;
  const progress = {
    rows: 0,
    totalRows: null as number | null,
    bytes: 0,
    totalBytes: raw.byteLength,
  };
  const report = () => opts.onProgress?.({ ...progress });
  const onBytes = (n: number) => {
    progress.bytes = n;
    report();
  };
  const ctx: TextSourceContext = {
    name: input.name,
    buf: raw,
    gzip,
    rowOffset: opts.rowOffset ?? 0,
    limit,
    onBytes,
  };
  let rows: AsyncIterable<RowItem>;
  switch (format) {
    case 'jsonl':
      rows = jsonlRows(ctx);
      break;
    case 'json':
      rows = jsonRows(ctx);
      break;
    case 'csv':
    case 'tsv':
      rows = delimitedRows(ctx, format === 'csv' ? ',' : '\t');
      break;
    case 'parquet':
      rows = parquetRows({
        ...ctx,
        buf: counting(raw, onBytes),
        columns: opts.columns,
        onTotalRows: (n) => {
          progress.totalRows = Math.min(n, limit);
          report();
        },
      });
      break;
  }
  if (limit <= 0) return;
  try {
    for await (const item of rows) {
      progress.rows++;
      yield item;
      report();
      if (progress.rows >= limit) return;
    }
  } catch (e) {
    if (e instanceof DatasetSourceError) throw e;
    throw new DatasetSourceError(input.name, (e as Error).message, { cause: e });
  }
}

/** Read rows as Examples: what parseJsonl gives for a JSON Lines text, for any source. */
export interface ReadExamplesResult extends ParseResult {
  /** Top-level keys seen in the rows (the columns a mapping dialog offers). */
  columns: string[];
  /** How many examples were read through each recognised schema or the mapping. */
  readings: Partial<Record<RowReading, number>>;
}

export async function readExamples(
  rows: AsyncIterable<RowItem>,
  options: ReadRowOptions = {},
): Promise<ReadExamplesResult> {
  const examples: Example[] = [];
  const errors: LineError[] = [];
  const columns = new Set<string>();
  const readings: ReadExamplesResult['readings'] = {};
  let total = 0;
  for await (const item of rows) {
    total++;
    if ('error' in item) {
      errors.push({ line: item.row, ...item.error });
      continue;
    }
    if (typeof item.value === 'object' && item.value !== null && !Array.isArray(item.value)) {
      for (const k of Object.keys(item.value)) columns.add(k);
    }
    const outcome = readRow(item.value, item.row, options);
    if (isLineError(outcome)) errors.push(outcome);
    else {
      examples.push(outcome);
      if (outcome.readAs) readings[outcome.readAs] = (readings[outcome.readAs] ?? 0) + 1;
    }
  }
  return { examples, errors, totalLines: total, columns: [...columns], readings };
}
