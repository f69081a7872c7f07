// GPU failures injected into `sft-studio train` through the fault hook (SFT_STUDIO_FAULTS,
// src/train/faults.ts), on the tiny model, as a user meets them:
// - device lost in the middle of step 5 / an out-of-memory allocation in step 5: exit 3 / 4 with
//   what happened and what to change (no stack trace), the checkpoint of step 4 kept, no adapter
//   written; `--resume` without the fault then finishes with the uninterrupted run's adapter, and
//   metrics.jsonl holds steps 1..N once each with the uninterrupted run's values;
// - NaN gradients in one step: the step is skipped (adapter and AdamW state unchanged by it,
//   `skipped: 1` in its metrics line), the run goes on and exits 0;
// - NaN steps in a row: the run stops after kMaxNonFiniteSteps of them (exit 5), naming the steps
//   and the learning rate, with the last checkpoint kept.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '../../src/train/checkpoint.ts';
import { kMaxNonFiniteSteps } from '../../src/train/step-guard.ts';
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

let model = '';
let data = '';
let work = '';

function train(out: string, opts: { faults?: string; extra?: string[] } = {}) {
  const args = [
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
    ...(opts.extra ?? []),
  ];
  const env = { ...process.env };
  delete env.SFT_STUDIO_FAULTS;
  if (opts.faults) env.SFT_STUDIO_FAULTS = opts.faults;
  return spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 300_000, env });
}

type Row = Record<string, number | null>;
const metrics = async (dir: string): Promise<Row[]> =>
  (await readFile(join(dir, 'metrics.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Row);
const strip = (rows: Row[]) => rows.map(({ elapsed_s: _e, ...rest }) => rest);
const same = (a: Float32Array, b: Float32Array) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
const checkpoints = (dir: string) => readdirSync(dir).filter((f) => f.startsWith('checkpoint-'));
// A stack frame line ("    at fn (file:line:col)") anywhere in the output.
const kStackFrame = /^\s+at .+[:(]/m;

const device = await testDevice();

describe.skipIf(!device)('train with injected GPU faults', () => {
  let full = '';

  beforeAll(async () => {
    model = await makeTinyModel('llama-tied');
    work = await mkdtemp(join(tmpdir(), 'sft-faults-'));
    data = join(work, 'data.jsonl');
    await writeFile(data, kRows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    full = join(work, 'full');
    const r = train(full);
    expect(r.status, r.stderr).toBe(0);
  }, 300_000);
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** A stopped run's stderr, exit status and kept checkpoint; then --resume must finish it. */
  async function stopsThenResumes(fault: string, exit: number, what: RegExp, change: RegExp) {
    const out = join(work, fault.replace(/[^a-z0-9]/g, '_'));
    const a = train(out, { faults: fault });
    expect(a.status, a.stderr).toBe(exit);
    expect(a.stderr).toMatch(/train: stopped after step 4: /);
    expect(a.stderr).toMatch(what);
    expect(a.stderr).toMatch(change);
    expect(a.stderr).toMatch(/the last checkpoint is kept: .*checkpoint-00000004\.safetensors/);
    expect(a.stderr).not.toMatch(kStackFrame);
    expect(existsSync(join(out, 'adapter_model.safetensors'))).toBe(false);
    expect(checkpoints(out)).toEqual([
      'checkpoint-00000002.safetensors',
      'checkpoint-00000004.safetensors',
    ]);

    const b = train(out, { extra: ['--resume'] });
    expect(b.status, b.stderr).toBe(0);
    expect(b.stderr).toMatch(/resuming from .*checkpoint-00000004\.safetensors \(step 4\)/);
    const adapterFull = await readFile(join(full, 'adapter_model.safetensors'));
    const adapterResumed = await readFile(join(out, 'adapter_model.safetensors'));
    expect(Buffer.compare(adapterFull, adapterResumed)).toBe(0);
    const rows = await metrics(out);
    expect(rows.map((r) => r.step)).toEqual(Array.from({ length: kSteps }, (_, i) => i + 1));
    expect(strip(rows)).toEqual(strip(await metrics(full)));
  }

  it('device lost mid-step: exit 3, checkpoint kept, --resume finishes the same run', async () => {
    await stopsThenResumes(
      'lose-device@5',
      3,
      /the GPU device was lost during steps? 5.*injected fault lose-device@5/,
      /--resume/,
    );
  }, 600_000);

  it('out of memory in a step: exit 4 with sizes and what to lower, then --resume', async () => {
    await stopsThenResumes(
      'oom@5',
      4,
      /ran out of memory during step 5 \(injected fault oom@5: an allocation of 1024\.0 MiB failed.*holds [\d.]+ MiB of device memory \(planned [\d.]+ MiB\)/,
      /what to change: .*max length.*micro-batch.*gradient checkpointing/,
    );
  }, 600_000);

  it('a NaN step is skipped, leaves the adapter unchanged, and the run goes on', async () => {
    const out = join(work, 'nan');
    const r = train(out, { faults: 'nan@3', extra: ['--steps', '3', '--save-steps', '1'] });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/step 3: skipped \(non-finite gradient norm \(NaN\).*\(1 so far\)\)/);
    const rows = await metrics(out);
    expect(rows.map((x) => [x.step, x.skipped ?? 0])).toEqual([
      [1, 0],
      [2, 0],
      [3, 1],
    ]);
    expect(existsSync(join(out, 'adapter_model.safetensors'))).toBe(true);
    // The two newest checkpoints, of steps 2 and 3, hold the same LoRA weights and AdamW moments.
    const [c2, c3] = await Promise.all(
      ['checkpoint-00000002.safetensors', 'checkpoint-00000003.safetensors'].map(async (f) =>
        decodeCheckpoint(new Uint8Array(await readFile(join(out, f)))),
      ),
    );
    expect(c3.step).toBe(3);
    expect(same(c3.params, c2.params)).toBe(true);
    expect(same(c3.m, c2.m)).toBe(true);
    expect(same(c3.v, c2.v)).toBe(true);
    // ...while a step that trains changes them (the comparison above can fail).
    const full2 = decodeCheckpoint(
      new Uint8Array(await readFile(join(full, 'checkpoint-00000008.safetensors'))),
    );
    expect(same(full2.params, c2.params)).toBe(false);
  }, 300_000);

  it(`${kMaxNonFiniteSteps} NaN steps in a row stop the run (exit 5)`, async () => {
    const out = join(work, 'diverged');
    const r = train(out, { faults: 'nan@2-8' });
    expect(r.status, r.stderr).toBe(5);
    const last = 1 + kMaxNonFiniteSteps;
    expect(r.stderr).toMatch(
      new RegExp(
        `stopped after step ${last}: the gradients were NaN or infinite in ` +
          `${kMaxNonFiniteSteps} steps in a row \\(steps 2-${last}\\).*learning rate \\(0\\.01\\)`,
      ),
    );
    expect(r.stderr).toMatch(/what to change: Start again with a lower learning rate/);
    // The streak ends while step 6's checkpoint is being taken: that one is never written.
    expect(r.stderr).toMatch(/the last checkpoint is kept: .*checkpoint-00000004\.safetensors/);
    expect(r.stderr).not.toMatch(kStackFrame);
    const rows = await metrics(out);
    expect(rows.map((x) => x.step)).toEqual(Array.from({ length: last }, (_, i) => i + 1));
    expect(rows.filter((x) => x.skipped === 1).length).toBe(kMaxNonFiniteSteps);
  }, 300_000);

  it('a malformed fault plan is refused with the syntax', () => {
    const r = train(join(work, 'bad'), { faults: 'explode@3' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/SFT_STUDIO_FAULTS="explode@3": unknown fault "explode"/);
    expect(r.stderr).not.toMatch(kStackFrame);
  }, 120_000);
});
