// Evaluation beyond the loss, through the engine and the CLI, on tiny random models:
// - per-token losses (eval --per-token) equal the float64 PyTorch reference token by token on every
//   family, with null at t = 0 and on untrained tokens, and their float64 mean is eval's loss;
// - `compare --json` keeps its contract (rows, then a summary of BLEU, ROUGE-L, exact, stopped,
//   mean length for base and tuned) and its greedy base answer equals `generate`'s.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { folderSource } from '../../src/cli/model-source.ts';
import { parseJsonl, prepareDataset, resolveTemplate } from '../../src/data/index.ts';
import { Engine } from '../../src/engine/index.ts';
import { initLora, resolveTargets } from '../../src/model/lora.ts';
import { exportAdapter } from '../../src/train/adapter.ts';
import { makeTinyModel, type TinyFamily } from '../fixtures/tiny-models.ts';
import { testDevice } from '../helpers/device.ts';
import { requireTorch, runTorchReferenceMany } from '../reference/torch.ts';

const chat = (q: string, a: string) => ({
  messages: [
    { role: 'user', content: q },
    { role: 'assistant', content: a },
  ],
});
const kRows = [
  chat('What is the capital of France?', 'Paris.'),
  chat('Name a colour.', 'Blue, like the sky.'),
  { instruction: 'Say hello', output: 'Hello there!' },
  { text: 'A plain text row, every token trained.' },
];

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['bin/sft-studio.mjs', ...args], {
    encoding: 'utf8',
    timeout: 240_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const acquired = await testDevice();
const torch = acquired ? requireTorch('per-token loss reference') : false;

describe.skipIf(!acquired)('per-token losses', () => {
  const families: TinyFamily[] = [
    'llama',
    'llama-tied',
    'llama3-rope',
    'mistral',
    'qwen2',
    'qwen3',
  ];
  it.skipIf(!torch)(
    'equal the float64 reference on every family',
    { timeout: 600_000 },
    async () => {
      const engine = await Engine.open(acquired!);
      for (const family of families) {
        const dir = await makeTinyModel(family);
        const model = await engine.loadModel(folderSource(dir));
        const tok = model.tok.tokenizer;
        const parse = parseJsonl(kRows.map((r) => JSON.stringify(r)).join('\n'));
        const data = prepareDataset(tok, resolveTemplate(tok), parse.examples, { maxLength: 64 });
        const r = await engine.evaluate(model, {
          adapter: null,
          examples: data.examples,
          maxLength: 64,
          perToken: true,
        });
        const plain = await engine.evaluate(model, {
          adapter: null,
          examples: data.examples,
          maxLength: 64,
        });
        const ref = await runTorchReferenceMany(
          dir,
          null,
          data.examples.map((e) => ({
            input_ids: [e.inputIds],
            labels: [e.labels],
            return_token_losses: true,
          })),
        );
        let sum = 0;
        let n = 0;
        r.perToken!.forEach((row, i) => {
          const ex = data.examples[i];
          expect(row.line).toBe(ex.line);
          expect(row.losses).toHaveLength(ex.inputIds.length);
          expect(row.losses[0]).toBeNull();
          row.losses.forEach((loss, t) => {
            if (t === 0 || ex.labels[t] === -100) {
              expect(loss, `${family} line ${row.line} token ${t}`).toBeNull();
              return;
            }
            const want = ref[i].token_losses![0][t - 1];
            expect(
              Math.abs(loss! - want),
              `${family} line ${row.line} token ${t}`,
            ).toBeLessThanOrEqual(1e-4 + 1e-3 * Math.abs(want));
            sum += loss!;
            n++;
          });
        });
        expect(r.tokens).toBe(n);
        expect(Math.abs(r.loss - sum / n)).toBeLessThan(1e-9);
        expect(Math.abs(r.loss - plain.loss)).toBeLessThan(1e-5);
        model.destroy();
      }
    },
  );
});

describe.skipIf(!acquired)('compare and eval --per-token (CLI)', () => {
  it(
    'contracts, and compare equals generate for the same prompt',
    { timeout: 600_000 },
    async () => {
      const dir = await makeTinyModel('qwen3');
      const work = await mkdtemp(join(tmpdir(), 'sft-compare-'));
      const data = join(work, 'data.jsonl');
      await writeFile(data, kRows.map((r) => JSON.stringify(r)).join('\n') + '\n');
      // A random adapter (B not zero, so tuned differs from base).
      const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as Record<
        string,
        number
      >;
      const dims = {
        layers: config.num_hidden_layers,
        hidden: config.hidden_size,
        intermediate: config.intermediate_size,
        heads: config.num_attention_heads,
        kvHeads: config.num_key_value_heads,
        headDim: config.head_dim ?? config.hidden_size / config.num_attention_heads,
      };
      const w = initLora(
        dims,
        { r: 4, alpha: 8, useRslora: false, targets: resolveTargets('all-linear') },
        7,
      );
      for (const layer of w.layers)
        for (const p of Object.values(layer)) p.b = p.b.map((_, i) => Math.sin(i) * 0.5);
      const files = exportAdapter(w, { baseModel: dir, dropout: 0 });
      const adapter = join(work, 'adapter');
      await import('node:fs/promises').then((fs) => fs.mkdir(adapter));
      await writeFile(
        join(adapter, 'adapter_model.safetensors'),
        files['adapter_model.safetensors'],
      );
      await writeFile(join(adapter, 'adapter_config.json'), files['adapter_config.json']);

      const cmp = cli([
        'compare',
        '--model',
        dir,
        '--adapter',
        adapter,
        '--data',
        data,
        '--max-new-tokens',
        '6',
        '--json',
      ]);
      expect(cmp.status, cmp.stderr).toBe(0);
      const lines = cmp.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const summary = (lines.pop() as { summary: Record<string, Record<string, number> | number> })
        .summary;
      expect(lines.map((l) => l.line)).toEqual([1, 2, 3]); // the text row has no assistant turn
      for (const l of lines) {
        expect(Object.keys(l)).toEqual([
          'line',
          'reference',
          'base',
          'base_stopped',
          'tuned',
          'tuned_stopped',
          'rougeL',
        ]);
      }
      expect(summary.examples).toBe(3);
      for (const k of ['bleu', 'rougeL', 'exact', 'stopped', 'mean_length']) {
        expect(Object.keys(summary[k] as object)).toEqual(['base', 'tuned']);
      }
      const gen = cli([
        'generate',
        '--model',
        dir,
        '--prompt',
        'What is the capital of France?',
        '--max-new-tokens',
        '6',
      ]);
      expect(gen.status, gen.stderr).toBe(0);
      expect(gen.stdout.replace(/\n$/, '')).toBe(lines[0].base);

      const perToken = join(work, 'tokens.jsonl');
      const ev = cli([
        'eval',
        '--model',
        dir,
        '--data',
        data,
        '--max-length',
        '64',
        '--per-token',
        perToken,
        '--json',
      ]);
      expect(ev.status, ev.stderr).toBe(0);
      const printed = JSON.parse(ev.stdout) as { loss: number; tokens: number };
      const prev = cli(['preview', '--model', dir, '--data', data, '--max-length', '64', '--json']);
      const previewed = prev.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { line: number; input_ids: number[]; labels: number[] });
      const rows = (await readFile(perToken, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { line: number; losses: (number | null)[] });
      expect(rows.map((r) => r.line)).toEqual(previewed.map((p) => p.line));
      let sum = 0;
      let n = 0;
      rows.forEach((r, i) => {
        expect(r.losses).toHaveLength(previewed[i].input_ids.length);
        r.losses.forEach((x, t) => {
          expect(x === null).toBe(t === 0 || previewed[i].labels[t] === -100);
          if (x !== null) {
            sum += x;
            n++;
          }
        });
      });
      expect(n).toBe(printed.tokens);
      expect(Math.abs(sum / n - printed.loss)).toBeLessThan(1e-6);
    },
  );
});
