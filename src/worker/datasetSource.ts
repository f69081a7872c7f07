// Every dataset source the studio takes, opened as numbered rows with one progress report: a file
// the user picked, a sample fetched by URL (any kind src/data reads: JSONL, JSONL.gz, JSON,
// CSV/TSV, Parquet) and a Hugging Face Hub split (datasetHub.ts). Also keeps the first rows'
// values, for the columns and proposal of the mapping dialog (datasetReading.ts).
import { detectSourceFormat, openRows, type RowItem } from '../data/index.ts';
import { hubDatasetName, hubRows } from './datasetHub.ts';
import type { DatasetInput } from './protocol.ts';
import type { SourceFileProgress } from './sourceProtocol.ts';

export interface SourceProgress {
  bytes: number;
  totalBytes: number;
  rows: number;
  file?: SourceFileProgress;
}

export interface OpenedSource {
  name: string;
  rows: AsyncIterable<RowItem>;
  /** Bytes read so far (the file's size once read). */
  bytes: () => number;
}

/** Opens a dataset input as rows; `signal` aborts network reads (Cancel, or a newer load). */
export async function openSource(
  input: DatasetInput,
  signal: AbortSignal,
  onProgress: (p: SourceProgress) => void,
): Promise<OpenedSource> {
  if (input.kind === 'hub') {
    const done = new Map<number, number>();
    let bytes = 0;
    const rows = hubRows(input, signal, (p) => {
      done.set(p.fileIndex, p.bytes);
      bytes = [...done.values()].reduce((a, b) => a + b, 0);
      onProgress({
        bytes: p.bytes,
        totalBytes: Math.max(p.totalBytes, p.bytes),
        rows: p.rows,
        file: { index: p.fileIndex, count: p.files, name: p.file, fromCache: p.fromCache },
      });
    });
    return { name: hubDatasetName(input), rows, bytes: () => bytes };
  }
  let name: string;
  let data: Blob;
  if (input.kind === 'file') {
    name = input.file.name;
    data = input.file;
  } else {
    const res = await fetch(input.url, { signal });
    if (!res.ok) throw new Error(`Could not fetch ${input.url}: HTTP ${res.status}`);
    name = input.name;
    data = await res.blob();
  }
  // A sample's title names it; its URL says what kind of file it is.
  const path = (input.kind === 'url' ? input.url : name).replace(/[?#].*$/, '');
  const rows = openRows(
    { name, data },
    {
      // A file without a known extension (e.g. .txt) is read as JSON Lines, as it always was.
      format: detectSourceFormat(path) ?? 'jsonl',
      gzip: /\.gz$/i.test(path),
      onProgress: (p) =>
        onProgress({ bytes: p.bytes, totalBytes: Math.max(p.totalBytes, p.bytes), rows: p.rows }),
    },
  );
  return { name, rows, bytes: () => data.size };
}

/** Passes rows through, keeping the values of the first `n` object rows in `into`. */
export async function* keepFirstRows(
  rows: AsyncIterable<RowItem>,
  into: unknown[],
  n = 20,
): AsyncGenerator<RowItem> {
  for await (const item of rows) {
    if (into.length < n && 'value' in item && typeof item.value === 'object' && item.value) {
      into.push(item.value);
    }
    yield item;
  }
}
