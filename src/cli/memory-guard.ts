// Refuses, before reading, a local dataset file whose examples cannot fit in this Node process.
// The CLI keeps every example it reads (training shuffles over all of them): about 2.3 bytes of JS
// heap per byte of JSON Lines text (test/bench/big-jsonl.ts: a 1 GB file held 2.3 GB of heap).
// Without this check V8 dies after minutes of reading with a native "heap out of memory" trace; with
// it, the user learns at once what to do: read fewer rows, split the file, or give Node more heap.
import { getHeapStatistics } from 'node:v8';

/** Heap bytes per byte of uncompressed text once its examples are kept (2.3 measured, plus margin). */
export const kHeapPerTextByte = 2.5;

export class DatasetTooLargeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetTooLargeError';
  }
}

const gb = (n: number) =>
  n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(1)} GB` : `${Math.round(n / 2 ** 20)} MB`;

/**
 * Throws DatasetTooLargeError when reading all of `file` (`bytes` of uncompressed text) would need
 * more heap than this process has left. Compressed files (gzip, Parquet) are not judged: their
 * expansion is unknown before reading.
 */
export function checkFitsInHeap(
  command: string,
  file: string,
  bytes: number,
  heap: { heap_size_limit: number; used_heap_size: number } = getHeapStatistics(),
): void {
  const needed = bytes * kHeapPerTextByte;
  const left = heap.heap_size_limit - heap.used_heap_size;
  if (needed <= left) return;
  const suggestedMb = Math.ceil((needed + heap.used_heap_size) / 2 ** 20 / 1024) * 1024 + 1024;
  throw new DatasetTooLargeError(
    `${command}: --data ${file}: ${gb(bytes)} of text needs about ${gb(needed)} of memory once read ` +
      `(every example is kept), more than this process has left (${gb(left)} of ` +
      `${gb(heap.heap_size_limit)}). Read the first rows with --limit N, split the file, or give ` +
      `Node more memory: NODE_OPTIONS=--max-old-space-size=${suggestedMb}`,
  );
}
