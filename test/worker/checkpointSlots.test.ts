// The studio's checkpoint keeping and resume choice (src/worker/checkpointSlots.ts) over an
// in-memory storage whose `update` is atomic like an IndexedDB transaction: two checkpoints are
// kept, a damaged newest one (flipped byte, truncated) is detected by its SHA-256 and the previous
// one is used with a warning naming the step, nothing whole left gives a problem (never a silent
// start from scratch), a v3 record without digests still resumes and its damage is still caught
// by the checkpoint's own CRC-32. IndexedDB itself is covered by the e2e tests.
import { describe, expect, it } from 'vitest';
import {
  examplesDigest,
  loadResumable,
  planSave,
  saveCheckpoint,
  type RunRecord,
  type RunStorage,
  type StoreOp,
} from '../../src/worker/checkpointSlots.ts';
import { encodeCheckpoint } from '../../src/train/checkpoint.ts';
import { kDefaultTrain } from '../../src/train/config.ts';
import type { ExampleSet, SavedRun } from '../../src/worker/engineProtocol.ts';
import { kDefaultSettings } from '../../src/engine/settings.ts';

/** Map-backed storage: `update` applies all of a plan's ops or, when the plan throws, none. */
class MemoryStorage implements RunStorage {
  run: unknown = undefined;
  checkpoints = new Map<number, unknown>();
  update(plan: Parameters<RunStorage['update']>[0]): Promise<void> {
    const id = (this.run as { id?: unknown } | undefined)?.id;
    const ops: StoreOp[] = plan({
      runId: typeof id === 'string' ? id : null,
      steps: [...this.checkpoints.keys()],
    });
    for (const op of ops) {
      if (op.kind === 'put-run') this.run = structuredClone(op.rec);
      else if (op.kind === 'put-checkpoint')
        this.checkpoints.set(op.rec.step, structuredClone(op.rec));
      else this.checkpoints.delete(op.step);
    }
    return Promise.resolve();
  }
  readAll() {
    return Promise.resolve({ run: this.run, checkpoints: [...this.checkpoints.values()] });
  }
  clear() {
    this.run = undefined;
    this.checkpoints.clear();
    return Promise.resolve();
  }
  /** The stored checkpoint bytes of `step`, to damage them as a disk would. */
  bytes(step: number): Uint8Array {
    return (this.checkpoints.get(step) as { checkpoint: Uint8Array }).checkpoint;
  }
  setBytes(step: number, b: Uint8Array) {
    (this.checkpoints.get(step) as { checkpoint: Uint8Array }).checkpoint = b;
  }
}

const examples: ExampleSet = {
  fingerprint: 'fp',
  count: 2,
  lines: Int32Array.from([1, 2]),
  offsets: Int32Array.from([0, 3, 5]),
  ids: Int32Array.from([5, 6, 7, 8, 9]),
  marks: Uint8Array.from([0, 0x83, 0x83, 2, 0x83]),
  fullLength: Int32Array.from([3, 2]),
  truncatedTrained: Int32Array.from([0, 0]),
};

async function runRecord(id: string): Promise<RunRecord> {
  return {
    id,
    examples,
    examplesDigest: await examplesDigest(examples),
    template: { kind: 'model' },
    date: '',
  };
}

function checkpointBytes(step: number): Uint8Array {
  const n = 6;
  const fill = (k: number) => Float32Array.from({ length: n }, (_, i) => step + k + i / 10);
  return encodeCheckpoint({
    step,
    totalSteps: 100,
    seqLen: 64,
    hyper: kDefaultTrain,
    spec: { r: 1, alpha: 2, useRslora: false, targets: ['q_proj'] },
    baseModel: 'tiny',
    elapsedSeconds: step,
    params: fill(0),
    m: fill(1),
    v: fill(2),
  });
}

function savedRun(step: number): SavedRun {
  return {
    step,
    totalSteps: 100,
    savedAt: 0,
    modelName: 'tiny',
    modelKind: 'files',
    datasetName: 'd.jsonl',
    settings: { ...kDefaultSettings },
    history: Array.from({ length: step }, (_, i) => ({ step: i + 1, loss: 1, lr: 1e-3 })),
  };
}

async function saveSteps(storage: RunStorage, run: RunRecord, steps: number[]) {
  for (const s of steps) await saveCheckpoint(storage, run, s, savedRun(s), checkpointBytes(s));
}

describe('studio checkpoints', () => {
  it('keeps the two newest checkpoints of a run', async () => {
    const storage = new MemoryStorage();
    await saveSteps(storage, await runRecord('a'), [10, 20, 30, 40]);
    expect([...storage.checkpoints.keys()].sort((a, b) => a - b)).toEqual([30, 40]);
    const r = await loadResumable(storage);
    expect(r?.checkpoint?.step).toBe(40);
    expect(r?.checkpoint?.run.history).toHaveLength(40);
    expect(r?.warning).toBeNull();
    expect(r?.problem).toBeNull();
  });

  it('a new run replaces the previous run and all of its checkpoints', async () => {
    const storage = new MemoryStorage();
    await saveSteps(storage, await runRecord('a'), [10, 20]);
    await saveSteps(storage, await runRecord('b'), [5]);
    expect([...storage.checkpoints.keys()]).toEqual([5]);
    expect((storage.run as RunRecord).id).toBe('b');
  });

  it('falls back to the previous checkpoint when the newest has a flipped byte', async () => {
    const storage = new MemoryStorage();
    await saveSteps(storage, await runRecord('a'), [20, 40]);
    const b = storage.bytes(40);
    b[b.length - 5] ^= 0x10;
    const r = await loadResumable(storage);
    expect(r?.checkpoint?.step).toBe(20);
    expect(r?.warning).toMatch(/checkpoint at step 40 is damaged: its SHA-256 does not match/);
    expect(r?.warning).toMatch(/Resume uses the checkpoint at step 20/);
    expect(r?.newest.step).toBe(40);
  });

  it('falls back when the newest is truncated', async () => {
    const storage = new MemoryStorage();
    await saveSteps(storage, await runRecord('a'), [20, 40]);
    storage.setBytes(40, storage.bytes(40).slice(0, 100));
    const r = await loadResumable(storage);
    expect(r?.checkpoint?.step).toBe(20);
    expect(r?.warning).toMatch(/step 40 is damaged.*100 bytes read back/);
  });

  it('says what is wrong, and resumes nothing, when no checkpoint is whole', async () => {
    const storage = new MemoryStorage();
    await saveSteps(storage, await runRecord('a'), [20, 40]);
    storage.setBytes(40, storage.bytes(40).slice(0, 10));
    storage.bytes(20)[200] ^= 1;
    const r = await loadResumable(storage);
    expect(r?.checkpoint).toBeNull();
    expect(r?.problem).toMatch(/cannot be resumed, no checkpoint of it is whole/);
    expect(r?.problem).toMatch(/step 40 is damaged/);
    expect(r?.problem).toMatch(/step 20 is damaged/);
  });

  it('refuses a run whose saved tokenized dataset is damaged', async () => {
    const storage = new MemoryStorage();
    await saveSteps(storage, await runRecord('a'), [20]);
    (storage.run as RunRecord).examples.ids[2] = 99;
    const r = await loadResumable(storage);
    expect(r?.checkpoint).toBeNull();
    expect(r?.problem).toMatch(/tokenized dataset is damaged/);
  });

  it('after resuming from an older checkpoint, a save drops the abandoned newer one', async () => {
    const storage = new MemoryStorage();
    const run = await runRecord('a');
    await saveSteps(storage, run, [20, 40]);
    // Resumed from 20 (40 was damaged), then paused at 30: keep 20 and 30, not the bad 40.
    await saveSteps(storage, run, [30]);
    expect([...storage.checkpoints.keys()].sort((a, b) => a - b)).toEqual([20, 30]);
    // Saving the same step again (a resume from 40 that pauses at once) keeps the previous one.
    expect(planSave({ runId: 'a', steps: [20, 40] }, run, { step: 40 } as never)).toEqual([
      { kind: 'put-checkpoint', rec: { step: 40 } },
    ]);
  });

  it('resumes a v3 record (no digests) and still catches its damage by the CRC-32', async () => {
    const storage = new MemoryStorage();
    storage.run = {
      run: savedRun(12),
      checkpoint: checkpointBytes(12),
      examples,
      template: { kind: 'model' },
      date: '',
    };
    const ok = await loadResumable(storage);
    expect(ok?.checkpoint?.step).toBe(12);
    expect(ok?.run.examplesDigest).toBeNull();
    const b = (storage.run as { checkpoint: Uint8Array }).checkpoint;
    b[b.length - 3] ^= 0x40;
    const bad = await loadResumable(storage);
    expect(bad?.checkpoint).toBeNull();
    expect(bad?.problem).toMatch(
      /step 12 is damaged: Cannot resume from this checkpoint: checksum/,
    );
  });

  it('has nothing to resume when nothing is saved', async () => {
    expect(await loadResumable(new MemoryStorage())).toBeNull();
  });
});
