// A local dataset too big for the Node heap is refused before reading, with a message that says
// what to do, instead of V8 dying minutes later with a native trace; `--limit` still reads it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkFitsInHeap,
  DatasetTooLargeError,
  kHeapPerTextByte,
} from '../../src/cli/memory-guard';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'memory-guard-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('checkFitsInHeap', () => {
  const heap = { heap_size_limit: 4 * 2 ** 30, used_heap_size: 2 ** 30 };
  it('lets through what fits in the heap left, refuses what does not', () => {
    const fits = Math.floor((3 * 2 ** 30) / kHeapPerTextByte);
    expect(() => checkFitsInHeap('train', 'a.jsonl', fits, heap)).not.toThrow();
    expect(() => checkFitsInHeap('train', 'a.jsonl', fits + 1024, heap)).toThrow(
      DatasetTooLargeError,
    );
  });
  it('the message names the file, the sizes and the ways out', () => {
    let message = '';
    try {
      checkFitsInHeap('train', 'big.jsonl', 2 * 2 ** 30, heap);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('train: --data big.jsonl: 2.0 GB of text needs about 5.0 GB');
    expect(message).toContain('(3.0 GB of 4.0 GB)');
    expect(message).toContain('--limit N');
    expect(message).toMatch(/NODE_OPTIONS=--max-old-space-size=\d+/);
  });
});

describe('sft-studio lint on a file bigger than the heap allows', () => {
  it('exit 2 with the message before reading; --limit reads it', () => {
    // 110 MB of rows; a 160 MB heap cannot keep them (110 MB × 2.5), but can stream the first ten
    const row = JSON.stringify({ prompt: 'x'.repeat(200), completion: 'y'.repeat(200) }) + '\n';
    const file = join(dir, 'big.jsonl');
    writeFileSync(file, row.repeat(Math.ceil(110e6 / row.length)));
    const env = { ...process.env, NO_COLOR: '1', NODE_OPTIONS: '--max-old-space-size=160' };
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['bin/sft-studio.mjs', 'lint', '--data', file, ...args], {
        cwd: root,
        encoding: 'utf8',
        env,
        timeout: 120_000,
      });
    const refused = run('--json');
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain(`lint: --data ${file}:`);
    expect(refused.stderr).toContain('--limit N');
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    const limited = run('--json', '--limit', '10');
    expect(limited.status).toBe(0);
    expect(limited.stdout).toContain('"summary"');
  }, 120_000);
});
