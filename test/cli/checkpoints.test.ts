// The CLI's run files survive crashes: checkpoints written atomically with a checksum, the two
// newest kept, a damaged newest one skipped for the one before (with a warning), none usable an
// error naming each file; metrics.jsonl cut back to the resumed step, torn lines dropped.
import { existsSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkpointName,
  listCheckpoints,
  MetricsLog,
  newestValidCheckpoint,
  ResumeError,
  saveCheckpoint,
} from '../../src/cli/checkpoints.ts';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/train/checkpoint.ts';
import { resolveHyper } from '../../src/train/config.ts';

function checkpoint(step: number): Uint8Array {
  const n = 64;
  const v = (k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * k + step));
  return encodeCheckpoint({
    step,
    totalSteps: 10,
    seqLen: 32,
    hyper: resolveHyper({}),
    spec: { r: 4, alpha: 8, useRslora: false, targets: ['q_proj'] },
    baseModel: 'tiny',
    elapsedSeconds: step,
    params: v(1),
    m: v(2),
    v: v(3),
  });
}

const tmp = () => mkdtemp(join(tmpdir(), 'sft-ckpt-'));

describe('checkpoint files', () => {
  it('atomic writes, the two newest kept, newest first', async () => {
    const dir = await tmp();
    for (const s of [1, 2, 3, 4]) saveCheckpoint(dir, s, checkpoint(s));
    expect(readdirSync(dir).sort()).toEqual([checkpointName(3), checkpointName(4)]);
    expect(listCheckpoints(dir)).toEqual([
      join(dir, checkpointName(4)),
      join(dir, checkpointName(3)),
    ]);
    const found = await newestValidCheckpoint(dir, () => {});
    expect(found.step).toBe(4);
  });

  it('a checksum catches flipped bytes; resume falls back to the previous checkpoint', async () => {
    const dir = await tmp();
    saveCheckpoint(dir, 5, checkpoint(5));
    saveCheckpoint(dir, 6, checkpoint(6));
    const newest = join(dir, checkpointName(6));
    const bytes = readFileSync(newest);
    bytes[bytes.length - 100] ^= 0x40; // one bit in the AdamW state
    writeFileSync(newest, bytes);
    expect(() => decodeCheckpoint(new Uint8Array(bytes))).toThrow(/checksum mismatch/);
    const warnings: string[] = [];
    const found = await newestValidCheckpoint(dir, (w) => warnings.push(w));
    expect(found.step).toBe(5);
    expect(warnings.join('\n')).toContain(newest);
    expect(warnings.join('\n')).toMatch(/checksum mismatch/);
  });

  it('no usable checkpoint: an error naming every file and what is wrong', async () => {
    const dir = await tmp();
    saveCheckpoint(dir, 1, checkpoint(1));
    saveCheckpoint(dir, 2, checkpoint(2));
    truncateSync(join(dir, checkpointName(2)), 300);
    writeFileSync(join(dir, checkpointName(1)), 'not a checkpoint');
    const err = await newestValidCheckpoint(dir, () => {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResumeError);
    const msg = (err as Error).message;
    expect(msg).toContain(join(dir, checkpointName(2)));
    expect(msg).toContain(join(dir, checkpointName(1)));
    expect(msg).toMatch(/damaged or truncated/);
    await expect(newestValidCheckpoint(await tmp(), () => {})).rejects.toThrow(/no checkpoint/);
  });
});

describe('metrics.jsonl', () => {
  it('one line per step in order; an eval loss joins its step; resume cuts back and redoes', async () => {
    const dir = await tmp();
    const path = join(dir, 'metrics.jsonl');
    const log = new MetricsLog(path);
    await log.open(null);
    for (let s = 1; s <= 5; s++) log.append({ step: s, loss: 1 / s });
    log.update(4, { eval_loss: 0.5 });
    const rows = () =>
      readFileSync(path, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, number>);
    expect(rows().map((r) => r.step)).toEqual([1, 2, 3, 4, 5]);
    expect(rows()[3].eval_loss).toBe(0.5);
    // A kill -9 leaves a torn line after step 5; the checkpoint was at step 3.
    writeFileSync(path, readFileSync(path, 'utf8') + '{"step": 6, "lo');
    const resumed = new MetricsLog(path);
    await resumed.open(3);
    expect(rows().map((r) => r.step)).toEqual([1, 2, 3]);
    for (let s = 4; s <= 6; s++) resumed.append({ step: s, loss: 1 / s });
    expect(rows().map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(existsSync(`${path}.tmp-${process.pid}`)).toBe(false);
  });
});
