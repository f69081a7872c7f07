// The CLI's run files in the output folder, written so that a kill -9 at any moment loses nothing
// that cannot be redone identically:
// - checkpoint-<step>.safetensors: each written to a temporary file, flushed to disk, then renamed
//   (a rename is atomic), so a checkpoint file is always complete; the two newest are kept, so a
//   damaged newest one (its checksum, src/train/checkpoint.ts, says so) has one to fall back on.
// - metrics.jsonl: one line per optimizer step, steps 1..N in order, each exactly once. A resumed
//   run first cuts the file back to its checkpoint's step; the steps it redoes replace the lost
//   ones (the trainer is deterministic: same seed, same values).
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readdirSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkpointInfo } from '../engine/index.ts';
import { writeAtomic } from './files.ts';

const kPattern = /^checkpoint-(\d+)\.safetensors$/;
/** A checkpoint's file name (zero-padded so the names sort by step). */
export const checkpointName = (step: number) =>
  `checkpoint-${String(step).padStart(8, '0')}.safetensors`;
/** The single checkpoint file of earlier versions, still read by --resume. */
const kLegacy = 'checkpoint.safetensors';
const kKeep = 2;

/** Checkpoint files in `dir`, newest first (the legacy single file last). */
export function listCheckpoints(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const steps = readdirSync(dir)
    .map((f) => kPattern.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(b[1]) - Number(a[1]))
    .map((m) => join(dir, m[0]));
  if (existsSync(join(dir, kLegacy))) steps.push(join(dir, kLegacy));
  return steps;
}

/** Saves the checkpoint of `step` and removes all but the two newest. */
export function saveCheckpoint(dir: string, step: number, bytes: Uint8Array): void {
  writeAtomic(join(dir, checkpointName(step)), bytes);
  for (const old of listCheckpoints(dir).slice(kKeep)) rmSync(old, { force: true });
}

export class ResumeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResumeError';
  }
}

/**
 * The newest checkpoint that reads back whole (checksum verified), falling back to older ones with
 * a warning for each damaged file. Throws ResumeError naming every file and what is wrong with it
 * when none can be used.
 */
export async function newestValidCheckpoint(
  dir: string,
  warn: (s: string) => void,
): Promise<{ path: string; bytes: Uint8Array; step: number }> {
  const files = listCheckpoints(dir);
  if (files.length === 0) throw new ResumeError(`--resume: no checkpoint in ${dir}`);
  const problems: string[] = [];
  for (const path of files) {
    const bytes = new Uint8Array(await readFile(path));
    try {
      const state = checkpointInfo(bytes);
      for (const p of problems) warn(`skipping ${p}`);
      return { path, bytes, step: state.step };
    } catch (e) {
      problems.push(`${path}: ${(e as Error).message}`);
    }
  }
  throw new ResumeError(
    `--resume: no usable checkpoint in ${dir}:\n${problems.map((p) => `  ${p}`).join('\n')}`,
  );
}

export type MetricsRow = Record<string, number>;

/** metrics.jsonl as rows by step: appended per step, rewritten atomically when one changes. */
export class MetricsLog {
  private rows: MetricsRow[] = [];

  constructor(private readonly path: string) {}

  /** Starts a new run (empty file) or continues one cut back to `upToStep`. */
  async open(upToStep: number | null): Promise<void> {
    this.rows = [];
    if (upToStep !== null && existsSync(this.path)) {
      for (const line of (await readFile(this.path, 'utf8')).split('\n')) {
        if (!line.trim()) continue;
        try {
          const row = JSON.parse(line) as MetricsRow;
          // Steps after the checkpoint are redone; a torn last line is dropped with them.
          if (row.step <= upToStep && row.step === this.rows.length + 1) this.rows.push(row);
        } catch {
          break;
        }
      }
    }
    this.rewrite();
  }

  /** Appends a step's line (fsync'd, so a kill after it keeps it). */
  append(row: MetricsRow): void {
    this.rows.push(row);
    const fd = openSync(this.path, 'a');
    try {
      writeSync(fd, `${JSON.stringify(row)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /** Adds fields to the line of `step` (eval loss arrives after its step). */
  update(step: number, fields: MetricsRow): void {
    const row = this.rows.find((r) => r.step === step);
    if (!row) return;
    Object.assign(row, fields);
    this.rewrite();
  }

  private rewrite(): void {
    writeAtomic(this.path, this.rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
  }
}
