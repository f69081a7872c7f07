// Row source for Parquet files (hyparquet): every codec pyarrow and `datasets` write (snappy,
// zstd, gzip; brotli and lz4 too, via hyparquet-compressors), nested list/struct columns (a
// `messages` column of list<struct<role, content>> comes back as an array of objects), and
// several row groups, read one row group at a time through the AsyncBuffer: the footer first,
// then only the column chunks of the row groups needed (up to `limit` rows, `columns` only).
// Rows are numbered from 1 across row groups (and from rowOffset + 1, for a split's later files).
import { parquetMetadataAsync, parquetReadObjects, toJson, type FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { DatasetSourceError, type AsyncBuffer, type RowItem } from './types';

export interface ParquetSourceContext {
  name: string;
  buf: AsyncBuffer;
  rowOffset: number;
  limit: number;
  columns?: string[];
  /** Called with the total row count once the footer is read. */
  onTotalRows: (rows: number) => void;
}

async function metadataOf(name: string, buf: AsyncBuffer): Promise<FileMetaData> {
  try {
    return await parquetMetadataAsync(buf);
  } catch (e) {
    throw new DatasetSourceError(name, `not a readable Parquet file (${(e as Error).message})`, {
      cause: e,
    });
  }
}

/** Top-level column names of a Parquet file (for a mapping dialog), from its footer only. */
export async function parquetColumns(name: string, buf: AsyncBuffer): Promise<string[]> {
  const meta = await metadataOf(name, buf);
  // schema[0] is the root; its num_children first-level fields follow in depth-first order
  const out: string[] = [];
  let i = 1;
  const skip = (): void => {
    const el = meta.schema[i++];
    for (let c = 0; c < (el.num_children ?? 0); c++) skip();
  };
  while (i < meta.schema.length) {
    out.push(meta.schema[i].name);
    skip();
  }
  return out;
}

export async function* parquetRows(ctx: ParquetSourceContext): AsyncGenerator<RowItem> {
  const metadata = await metadataOf(ctx.name, ctx.buf);
  const total = Number(metadata.num_rows);
  ctx.onTotalRows(total);
  const want = Math.min(total, ctx.limit);
  let groupStart = 0;
  for (const group of metadata.row_groups) {
    if (groupStart >= want) break;
    const groupEnd = groupStart + Number(group.num_rows);
    const rowEnd = Math.min(groupEnd, want);
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({
        file: ctx.buf,
        metadata,
        rowStart: groupStart,
        rowEnd,
        columns: ctx.columns,
        compressors,
      });
    } catch (e) {
      throw new DatasetSourceError(
        ctx.name,
        `could not read rows ${groupStart + 1}-${rowEnd} (${(e as Error).message})`,
        { cause: e },
      );
    }
    for (let i = 0; i < rows.length; i++) {
      yield { row: ctx.rowOffset + groupStart + i + 1, value: toJson(rows[i]) };
    }
    groupStart = groupEnd;
  }
}
