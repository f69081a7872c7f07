// Which studio checkpoints are kept and which one a resume uses, as pure logic over a small storage
// interface (IndexedDB implements it in engineStore.ts; the unit tests use a Map). A run is one
// record (its tokenized dataset, template and date, with a SHA-256 of the dataset) and up to two
// checkpoint records keyed by step, each with a SHA-256 of its bytes. Every save is one atomic
// transaction: the new checkpoint, its digest, and the deletion of the one it supersedes. Resume
// verifies the newest checkpoint (digest, then the checkpoint's own decode and CRC-32) and falls
// back to the previous one when it is damaged, saying so; when nothing whole is left it says what
// is wrong instead of starting from scratch.
import { checkpointInfo } from '../engine/index.ts';
import type { ExampleSet, SavedRun, TemplateChoice } from './engineProtocol.ts';

/** The run a set of checkpoints belongs to ('runs' / 'current'). */
export interface RunRecord {
  id: string;
  /** The tokenized dataset the run trains on. */
  examples: ExampleSet;
  /** SHA-256 of the dataset's arrays; null for a run saved before checksums existed. */
  examplesDigest: string | null;
  template: TemplateChoice;
  date: string;
}

/** One checkpoint ('checkpoints' / its step). */
export interface CheckpointRecord {
  runId: string;
  step: number;
  /** The run as it stood at this step (settings, metrics so far). */
  run: SavedRun;
  checkpoint: Uint8Array;
  /** SHA-256 of `checkpoint`; null for one saved before checksums existed. */
  digest: string | null;
}

export type StoreOp =
  | { kind: 'put-run'; rec: RunRecord }
  | { kind: 'put-checkpoint'; rec: CheckpointRecord }
  | { kind: 'delete-checkpoint'; step: number };

/** What a save sees inside its transaction. */
export interface StoredKeys {
  runId: string | null;
  steps: number[];
}

/** The storage the studio keeps runs in. `update` reads the keys and applies the ops `plan`
 * returns in ONE atomic transaction: after a crash, either all of them happened or none. */
export interface RunStorage {
  update(plan: (keys: StoredKeys) => StoreOp[]): Promise<void>;
  /** The run record and every checkpoint record, as stored (unverified). */
  readAll(): Promise<{ run: unknown; checkpoints: unknown[] }>;
  clear(): Promise<void>;
}

/** Checkpoints kept per run: the newest, and one to fall back on when the newest is damaged. */
export const kKeptCheckpoints = 2;

/** Hex SHA-256 of byte arrays, in order (Web Crypto: workers and Node alike). */
export async function sha256(parts: readonly ArrayBufferView[]): Promise<string> {
  let total = 0;
  for (const p of parts) total += p.byteLength;
  const all = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    all.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), at);
    at += p.byteLength;
  }
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', all));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** SHA-256 of a tokenized dataset (its arrays and fingerprint). */
export function examplesDigest(e: ExampleSet): Promise<string> {
  const head = new TextEncoder().encode(`${e.fingerprint}\n${e.count}\n`);
  return sha256([head, e.lines, e.offsets, e.ids, e.marks, e.fullLength, e.truncatedTrained]);
}

/**
 * The writes of one save: a new run replaces the old run and all its checkpoints; otherwise the
 * new checkpoint is kept with the newest earlier one. Checkpoints at or after the new step belong
 * to a future this run abandoned (it resumed from an earlier, whole checkpoint): they go.
 */
export function planSave(keys: StoredKeys, run: RunRecord, cp: CheckpointRecord): StoreOp[] {
  const ops: StoreOp[] = [];
  if (keys.runId !== run.id) {
    ops.push({ kind: 'put-run', rec: run });
    ops.push(...keys.steps.map((step) => ({ kind: 'delete-checkpoint' as const, step })));
  } else {
    const older = keys.steps.filter((s) => s < cp.step).sort((a, b) => b - a);
    const keep = new Set(older.slice(0, kKeptCheckpoints - 1));
    for (const step of keys.steps) {
      if (step !== cp.step && !keep.has(step)) ops.push({ kind: 'delete-checkpoint', step });
    }
  }
  ops.push({ kind: 'put-checkpoint', rec: cp });
  return ops;
}

/** Saves one checkpoint of `run` (digests first: a transaction cannot wait on them). */
export async function saveCheckpoint(
  storage: RunStorage,
  run: RunRecord,
  step: number,
  saved: SavedRun,
  bytes: Uint8Array,
): Promise<void> {
  const cp: CheckpointRecord = {
    runId: run.id,
    step,
    run: saved,
    checkpoint: bytes,
    digest: await sha256([bytes]),
  };
  await storage.update((keys) => planSave(keys, run, cp));
}

/** What a resume may use. */
export interface Resumable {
  run: RunRecord;
  /** The newest whole checkpoint; null when none is. */
  checkpoint: CheckpointRecord | null;
  /** The newest checkpoint's run, whole or not (what the banner names when nothing is usable). */
  newest: SavedRun;
  /** Set when a newer checkpoint was damaged and an older one is used: what happened. */
  warning: string | null;
  /** Set when the run cannot be resumed: what is wrong with what was saved. */
  problem: string | null;
}

/** Why a stored checkpoint cannot be used, or null when it is whole. */
async function damageOf(rec: CheckpointRecord): Promise<string | null> {
  if (!(rec.checkpoint instanceof Uint8Array)) return 'its bytes are missing';
  if (rec.digest !== null && (await sha256([rec.checkpoint])) !== rec.digest) {
    return `its SHA-256 does not match the one saved with it (${rec.checkpoint.length} bytes read back)`;
  }
  try {
    const info = checkpointInfo(rec.checkpoint);
    if (info.step !== rec.step) return `it holds step ${info.step}, not step ${rec.step}`;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  return null;
}

function isCheckpointRecord(x: unknown): x is CheckpointRecord {
  const r = x as Partial<CheckpointRecord> | null;
  return !!r && typeof r.step === 'number' && !!r.run && typeof r.runId === 'string';
}

/**
 * Turns what is stored into what a resume may use. A record from before checksums (v3: the run
 * and its one checkpoint together, `{run, checkpoint, examples, template, date}`) reads as a run
 * with one checkpoint and no digests (its checkpoint's own CRC-32 still applies).
 */
export function normalize(stored: { run: unknown; checkpoints: unknown[] }): {
  run: RunRecord;
  checkpoints: CheckpointRecord[];
} | null {
  const r = stored.run as
    (Partial<RunRecord> & { run?: SavedRun; checkpoint?: Uint8Array }) | null | undefined;
  if (!r?.examples || !r.template || r.date === undefined) return null;
  if (r.run && r.checkpoint) {
    const id = 'v3';
    return {
      run: { id, examples: r.examples, examplesDigest: null, template: r.template, date: r.date },
      checkpoints: [
        { runId: id, step: r.run.step, run: r.run, checkpoint: r.checkpoint, digest: null },
      ],
    };
  }
  if (typeof r.id !== 'string') return null;
  const run: RunRecord = {
    id: r.id,
    examples: r.examples,
    examplesDigest: r.examplesDigest ?? null,
    template: r.template,
    date: r.date,
  };
  const checkpoints = stored.checkpoints
    .filter(isCheckpointRecord)
    .filter((c) => c.runId === run.id)
    .sort((a, b) => b.step - a.step);
  return { run, checkpoints };
}

/** The saved run and its newest whole checkpoint (null when nothing is saved). */
export async function loadResumable(storage: RunStorage): Promise<Resumable | null> {
  const got = normalize(await storage.readAll());
  if (!got || got.checkpoints.length === 0) return null;
  const { run, checkpoints } = got;
  const newest = checkpoints[0].run;
  if (run.examplesDigest !== null && (await examplesDigest(run.examples)) !== run.examplesDigest) {
    return {
      run,
      checkpoint: null,
      newest,
      warning: null,
      problem:
        'the saved run cannot be resumed: its tokenized dataset is damaged (its SHA-256 does not match the one saved with it)',
    };
  }
  const damaged: string[] = [];
  for (const cp of checkpoints) {
    const why = await damageOf(cp);
    if (why === null) {
      const warning =
        damaged.length === 0
          ? null
          : `${damaged.join('. ')}. Resume uses the checkpoint at step ${cp.step} instead.`;
      return { run, checkpoint: cp, newest, warning, problem: null };
    }
    damaged.push(`The checkpoint at step ${cp.step} is damaged: ${why}`);
  }
  return {
    run,
    checkpoint: null,
    newest,
    warning: null,
    problem: `the saved run cannot be resumed, no checkpoint of it is whole. ${damaged.join('. ')}`,
  };
}
