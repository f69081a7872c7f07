// JSON Lines are streamed: openRows reads a file in bounded slices and yields rows as it goes, so
// a big file is never held whole as text. The file here is 50 MB made up on the fly by an
// AsyncBuffer (fixed-length lines, so any byte range can be produced), which records every slice
// asked of it. A reader that took the whole text first would fail each check: its first row would
// come after all 50 MB were read, its slices could be any size, and its heap would hold 50 MB.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { openRows, type AsyncBuffer } from '../../src/data/index.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const kLineBytes = 500;
const kRows = 100_000; // 50 MB
const MiB = 2 ** 20;

/** One line of exactly kLineBytes ASCII bytes, newline included. */
function makeLine(): Uint8Array {
  const head = JSON.stringify({
    messages: [
      { role: 'user', content: 'What does a streaming reader keep in memory?' },
      { role: 'assistant', content: 'One slice of the file and the line it is in.' },
    ],
    pad: '',
  });
  const line = `${head.slice(0, -2)}${'x'.repeat(kLineBytes - head.length - 1)}"}\n`;
  expect(line.length).toBe(kLineBytes);
  return new TextEncoder().encode(line);
}

describe('openRows streams JSON Lines', () => {
  it('reads a 50 MB file in bounded slices, yielding rows before the rest is read', async () => {
    const line = makeLine();
    const size = kLineBytes * kRows;
    const slices: number[] = [];
    let read = 0;
    const buf: AsyncBuffer = {
      byteLength: size,
      slice(start, end = size) {
        const out = new Uint8Array(end - start);
        for (let i = 0; i < out.length; i++) out[i] = line[(start + i) % kLineBytes];
        slices.push(out.length);
        read = Math.max(read, end);
        return Promise.resolve(out.buffer);
      },
    };
    gc();
    const heap0 = process.memoryUsage().heapUsed;
    let heapRise = 0;
    let readAtFirstRow = -1;
    let rows = 0;
    for await (const item of openRows({ name: 'big.jsonl', data: buf })) {
      rows++;
      expect(item.row).toBe(rows);
      if (rows === 1) readAtFirstRow = read;
      if (rows % 20_000 === 0) {
        gc();
        heapRise = Math.max(heapRise, process.memoryUsage().heapUsed - heap0);
      }
    }
    expect(rows).toBe(kRows);
    expect(read).toBe(size);
    // The first row came out of the first slice, not after the whole file.
    expect(readAtFirstRow).toBeGreaterThan(0);
    expect(readAtFirstRow).toBeLessThanOrEqual(MiB);
    expect(Math.max(...slices)).toBeLessThanOrEqual(MiB);
    expect(slices.length).toBeGreaterThanOrEqual(size / MiB);
    // Live heap while reading: far below the 50 MB a whole-text read would hold.
    console.log(`50 MB streamed: live heap rose at most ${(heapRise / MiB).toFixed(1)} MiB`);
    expect(heapRise).toBeLessThan(16 * MiB);
  }, 120_000);
});
