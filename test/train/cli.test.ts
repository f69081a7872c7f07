// The CLI end to end on a tiny model with a real tokenizer: `train` writes a PEFT adapter and one
// metrics line per optimizer step, `eval --json` prints {"loss", "tokens"} over every trained
// label token (counted here independently with src/data), `generate` streams a reply.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  parseJsonl,
  resolveTemplate,
  tokenizeAll,
  tokenizerFromFiles,
} from '../../src/data/index.ts';
import type { TokenizedExample } from '../../src/data/types.ts';
import { makeTinyModel } from '../fixtures/tiny-models.ts';
import { testDevice } from '../helpers/device.ts';

const kData = [
  {
    messages: [
      { role: 'user', content: 'What is the capital of France?' },
      { role: 'assistant', content: 'Paris.' },
    ],
  },
  {
    messages: [
      { role: 'user', content: 'What is 2+2?' },
      { role: 'assistant', content: '4.' },
    ],
  },
  { instruction: 'Say hello', output: 'Hello!' },
  { prompt: 'Color of the sky?', completion: 'Blue.' },
  {
    messages: [
      { role: 'user', content: 'Name a fruit.' },
      { role: 'assistant', content: 'Apple.' },
    ],
  },
];

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/sft-studio.mjs', ...args], {
    encoding: 'utf8',
    timeout: 170_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const device = await testDevice();

describe.skipIf(!device)('cli', () => {
  it('train → eval → generate', { timeout: 300_000 }, async () => {
    const model = await makeTinyModel('llama-tied');
    const dir = await mkdtemp(join(tmpdir(), 'sft-cli-'));
    const data = join(dir, 'data.jsonl');
    await writeFile(data, kData.map((x) => JSON.stringify(x)).join('\n') + '\n');
    const out = join(dir, 'out');
    const train = cli([
      'train',
      '--model',
      model,
      '--data',
      data,
      '--out',
      out,
      '--steps',
      '3',
      '--lr',
      '1e-2',
      '--rank',
      '4',
      '--alpha',
      '8',
      '--max-length',
      '48',
      '--eval-split',
      '0.2',
      '--seed',
      '1',
    ]);
    expect(train.status, train.stderr).toBe(0);
    expect(train.stderr).toMatch(/step 3\/3 \| epoch/);
    const metrics = (await readFile(join(out, 'metrics.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, number>);
    expect(metrics.map((m) => m.step)).toEqual([1, 2, 3]);
    for (const m of metrics) {
      for (const k of ['loss', 'lr', 'grad_norm', 'tokens', 'elapsed_s', 'eval_loss']) {
        expect(Number.isFinite(m[k]), `${k} in ${JSON.stringify(m)}`).toBe(true);
      }
    }
    const config = JSON.parse(await readFile(join(out, 'adapter_config.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(config).toMatchObject({
      peft_type: 'LORA',
      r: 4,
      lora_alpha: 8,
      task_type: 'CAUSAL_LM',
    });

    const ev = cli(['eval', '--model', model, '--adapter', out, '--data', data, '--json']);
    expect(ev.status, ev.stderr).toBe(0);
    const res = JSON.parse(ev.stdout.trim()) as { loss: number; tokens: number };
    expect(Object.keys(res)).toEqual(['loss', 'tokens']);
    // The trained-token count, independently: every label after the HF shift that is not -100.
    const tok = tokenizerFromFiles(
      await readFile(join(model, 'tokenizer.json'), 'utf8'),
      await readFile(join(model, 'tokenizer_config.json'), 'utf8'),
    );
    const parsed = parseJsonl(await readFile(data, 'utf8'));
    const exs = tokenizeAll(tok, resolveTemplate(tok), parsed.examples, { maxLength: 2048 });
    const trained = (exs as TokenizedExample[]).reduce(
      (s, e) => s + e.labels.slice(1).filter((l) => l !== -100).length,
      0,
    );
    expect(res.tokens).toBe(trained);
    expect(res.loss).toBeGreaterThan(5);
    expect(res.loss).toBeLessThan(13);

    const gen = cli([
      'generate',
      '--model',
      model,
      '--adapter',
      out,
      '--prompt',
      'Hi',
      '--max-new-tokens',
      '4',
    ]);
    expect(gen.status, gen.stderr).toBe(0);
    expect(gen.stderr).toMatch(/\[4 tokens, length\]|\[\d tokens, stop\]/);
  });

  it('bench prints throughput, MFU, memory and a per-kernel profile', { timeout: 300_000 }, () => {
    const r = cli(['bench', '--layers', '1', '--max-length', '64', '--profile']);
    expect(r.status, r.stderr).toBe(0);
    const out = r.stdout;
    expect(out).toContain('Llama-3.2-1B @ 2048 tokens');
    expect(out).toMatch(/ALU probe: \d+\.\d+ GFLOP\/s/);
    expect(out).toMatch(/tokens\/s\s+\d+\.\d/);
    expect(out).toMatch(/MFU\s+\d+\.\d+% of the ALU probe/);
    expect(out).toMatch(/total\s+\d+\.\d+\s+\d+\.\d+/); // planned vs peak device memory
    expect(out).toContain('profile of one micro-batch');
    for (const kernel of ['matmul_forward', 'crossentropy_backward', 'attention_forward'])
      expect(out).toContain(kernel);
  });
});
