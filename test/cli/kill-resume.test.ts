// A run killed with SIGKILL mid-training and resumed with --resume finishes with the very adapter
// of an uninterrupted run (same seed and flags), and metrics.jsonl holds steps 1..N in order, each
// once, with the uninterrupted run's values (elapsed time aside).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTinyModel } from '../fixtures/tiny-models.ts';
import { testDevice } from '../helpers/device.ts';

const chat = (q: string, a: string) => ({
  messages: [
    { role: 'user', content: q },
    { role: 'assistant', content: a },
  ],
});
const kRows = [
  chat('What is the capital of France?', 'Paris.'),
  chat('What is 2+2?', '4.'),
  chat('Name a fruit.', 'Apple.'),
  chat('Colour of the sky?', 'Blue.'),
  chat('Opposite of hot?', 'Cold.'),
];
const kSteps = 8;

function trainArgs(model: string, data: string, out: string): string[] {
  return [
    'bin/sft-studio.mjs',
    'train',
    '--model',
    model,
    '--data',
    data,
    '--out',
    out,
    '--steps',
    String(kSteps),
    '--save-steps',
    '2',
    '--max-length',
    '48',
    '--rank',
    '4',
    '--alpha',
    '8',
    '--lr',
    '1e-2',
    '--warmup-ratio',
    '0',
    '--seed',
    '3',
    '--batch-size',
    '1',
    '--grad-accum',
    '2',
    '--no-packing',
  ];
}

type Row = Record<string, number>;
const metrics = async (dir: string): Promise<Row[]> =>
  (await readFile(join(dir, 'metrics.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Row);

const device = await testDevice();

describe.skipIf(!device)('kill -9, then --resume', () => {
  it("gives the uninterrupted run's adapter and metrics", { timeout: 900_000 }, async () => {
    const model = await makeTinyModel('llama-tied');
    const work = await mkdtemp(join(tmpdir(), 'sft-kill-'));
    const data = join(work, 'data.jsonl');
    await writeFile(data, kRows.map((r) => JSON.stringify(r)).join('\n') + '\n');

    const full = join(work, 'full');
    const a = spawnSync(process.execPath, trainArgs(model, data, full), {
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect(a.status, a.stderr).toBe(0);

    // Killed once the checkpoint of step 4 exists and at least one step after it was logged.
    const killed = join(work, 'killed');
    const child = spawn(process.execPath, trainArgs(model, data, killed), { stdio: 'ignore' });
    const t0 = Date.now();
    for (;;) {
      await new Promise((r) => setTimeout(r, 100));
      const ckpts = existsSync(killed)
        ? readdirSync(killed).filter((f) => f.startsWith('checkpoint-'))
        : [];
      const done = existsSync(join(killed, 'metrics.jsonl'))
        ? (await metrics(killed).catch(() => [])).length
        : 0;
      if (ckpts.includes('checkpoint-00000004.safetensors') && done >= 5) break;
      if (child.exitCode !== null) throw new Error('the run ended before it could be killed');
      if (Date.now() - t0 > 300_000) throw new Error('timed out waiting for step 5');
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(existsSync(join(killed, 'adapter_model.safetensors'))).toBe(false);

    const b = spawnSync(process.execPath, [...trainArgs(model, data, killed), '--resume'], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect(b.status, b.stderr).toBe(0);
    expect(b.stderr).toMatch(/resuming from .*checkpoint-0000000[4-9]\.safetensors/);

    const adapterA = await readFile(join(full, 'adapter_model.safetensors'));
    const adapterB = await readFile(join(killed, 'adapter_model.safetensors'));
    expect(Buffer.compare(adapterA, adapterB)).toBe(0);
    const ma = await metrics(full);
    const mb = await metrics(killed);
    expect(mb.map((r) => r.step)).toEqual(Array.from({ length: kSteps }, (_, i) => i + 1));
    const strip = (rows: Row[]) => rows.map(({ elapsed_s: _e, ...rest }) => rest);
    expect(strip(mb)).toEqual(strip(ma));
    // The two newest checkpoints are kept.
    expect(readdirSync(killed).filter((f) => f.startsWith('checkpoint-')).length).toBe(2);
  });
});
