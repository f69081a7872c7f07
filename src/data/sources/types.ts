// What every row source yields, and what it is opened from. A source turns a dataset file (JSON
// Lines, JSON, CSV/TSV, Parquet, gzipped JSON Lines) into plain JSON rows, each with its 1-based
// row number, so that one parser (formats.ts, mapping.ts) reads rows from any file the same way.
// Bytes are reached through hyparquet's AsyncBuffer (byteLength + slice), which a File/Blob, an
// HTTP range reader and a Node file handle can all provide: a source reads only what it needs.
import type { AsyncBuffer } from 'hyparquet';
import type { LineError } from '../types';

export type { AsyncBuffer };

/** One row of a dataset file: its value (a plain JSON value), or what is wrong with it. */
export type RowItem = { row: number; value: unknown } | { row: number; error: RowError };

/** A bad row: the same shape as a line error, without the line (the item carries the row). */
export type RowError = Omit<LineError, 'line'>;

export type SourceFormat = 'jsonl' | 'json' | 'csv' | 'tsv' | 'parquet';

/** A dataset file: its name (the extension picks the format) and a way to read its bytes. */
export interface RowInput {
  name: string;
  data: Uint8Array | Blob | AsyncBuffer;
}

export interface RowProgress {
  /** Rows yielded so far (values and errors, blank JSON Lines not counted). */
  rows: number;
  /** Total rows when the file says (Parquet), else null. */
  totalRows: number | null;
  /** Bytes of the file read so far, and its size. */
  bytes: number;
  totalBytes: number;
}

export interface OpenRowsOptions {
  /** Stop after this many rows (values and errors). */
  limit?: number;
  /** Override the format the name implies. */
  format?: SourceFormat;
  /** Whether the bytes are gzip-compressed; default: the name ends in `.gz`. */
  gzip?: boolean;
  /** Number the rows from here + 1 (a split stored as several files counts on across them). */
  rowOffset?: number;
  /** Parquet: read only these top-level columns (the others' bytes are never fetched). */
  columns?: string[];
  onProgress?: (p: RowProgress) => void;
}

/** A file that cannot be read as a dataset at all (as opposed to one bad row in it). */
export class DatasetSourceError extends Error {
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${message}`, options);
    this.name = 'DatasetSourceError';
  }
}

export function isRowError(item: RowItem): item is { row: number; error: RowError } {
  return 'error' in item;
}
