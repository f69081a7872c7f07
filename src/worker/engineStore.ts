// Where a run survives a closed or reloaded tab, a lost GPU device or a crash: IndexedDB (available
// in workers). The store 'runs' holds the current run (its tokenized dataset as the preview showed
// it, the template, a SHA-256 of the dataset); the store 'checkpoints' holds its two newest
// checkpoints by step, each with the metrics so far and a SHA-256 of its bytes. Each checkpoint is
// written in ONE readwrite transaction with durability 'strict' (the new checkpoint, its digest and
// the deletion of the one it supersedes commit together or not at all); which ones are kept and
// which one a resume uses is checkpointSlots.ts. A third store keeps the kernel autotuning choices
// per adapter.
import type { TuneStore } from '../engine/index.ts';
import type { RunStorage, StoreOp, StoredKeys } from './checkpointSlots.ts';

const kDb = 'sft-studio';
const kRuns = 'runs';
const kCheckpoints = 'checkpoints';
const kTuneStore = 'tuning'; // kernel autotuning results per adapter (src/gpu/autotune.ts)
const kKey = 'current';
// v3: runs keep the tokenized dataset (v2 kept the file and tokenized it again).
// v4: checkpoints in their own store, two kept, each with a SHA-256 (a v3 run still resumes).
const kVersion = 4;

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(kDb, kVersion);
    req.onupgradeneeded = () => {
      for (const name of [kRuns, kTuneStore, kCheckpoints]) {
        if (!req.result.objectStoreNames.contains(name)) req.result.createObjectStore(name);
      }
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB could not be opened'));
  });
}

/** Runs `fn` in one transaction over `stores`; resolves when it has committed. */
async function transact<T>(
  stores: string[],
  mode: IDBTransactionMode,
  fn: (t: IDBTransaction) => () => T,
  durability: IDBTransactionDurability = 'default',
): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const t = db.transaction(stores, mode, { durability });
      const result = fn(t);
      t.oncomplete = () => resolve(result());
      t.onerror = () => reject(t.error ?? new Error('IndexedDB transaction failed'));
      t.onabort = () => reject(t.error ?? new Error('IndexedDB transaction aborted'));
    });
  } finally {
    db.close();
  }
}

async function tx<T>(
  mode: IDBTransactionMode,
  fn: (store: IDBObjectStore) => IDBRequest<T>,
  storeName: string,
): Promise<T> {
  return transact([storeName], mode, (t) => {
    const req = fn(t.objectStore(storeName));
    return () => req.result;
  });
}

/** Kernel tuning results survive reloads: the next session on this GPU starts without tuning. */
export const idbTuneStore: TuneStore = {
  get: async (key) => {
    try {
      const v: unknown = await tx('readonly', (s) => s.get(key), kTuneStore);
      return typeof v === 'string' ? v : null;
    } catch {
      return null; // no IndexedDB (private mode): tune again this session
    }
  },
  set: async (key, value) => {
    try {
      await tx('readwrite', (s) => s.put(value, key), kTuneStore);
    } catch {
      // Not persisted; the choices still apply to this session.
    }
  },
};

function apply(t: IDBTransaction, ops: StoreOp[]) {
  for (const op of ops) {
    if (op.kind === 'put-run') t.objectStore(kRuns).put(op.rec, kKey);
    else if (op.kind === 'put-checkpoint') t.objectStore(kCheckpoints).put(op.rec, op.rec.step);
    else t.objectStore(kCheckpoints).delete(op.step);
  }
}

/** The studio's runs in IndexedDB. */
export const idbRunStorage: RunStorage = {
  update: (plan) =>
    transact(
      [kRuns, kCheckpoints],
      'readwrite',
      (t) => {
        // Read the keys, then write, inside the same transaction: nothing can come between.
        const run = t.objectStore(kRuns).get(kKey);
        const steps = t.objectStore(kCheckpoints).getAllKeys();
        let pending = 2;
        const keys: StoredKeys = { runId: null, steps: [] };
        const read = () => {
          if (--pending > 0) return;
          const id = (run.result as { id?: unknown } | undefined)?.id;
          keys.runId = typeof id === 'string' ? id : null;
          keys.steps = steps.result.filter((k): k is number => typeof k === 'number');
          apply(t, plan(keys));
        };
        run.onsuccess = read;
        steps.onsuccess = read;
        return () => undefined;
      },
      'strict',
    ),
  readAll: () =>
    transact([kRuns, kCheckpoints], 'readonly', (t) => {
      const run = t.objectStore(kRuns).get(kKey);
      const checkpoints = t.objectStore(kCheckpoints).getAll();
      return () => ({ run: run.result as unknown, checkpoints: checkpoints.result as unknown[] });
    }),
  clear: () =>
    transact([kRuns, kCheckpoints], 'readwrite', (t) => {
      t.objectStore(kRuns).delete(kKey);
      t.objectStore(kCheckpoints).clear();
      return () => undefined;
    }),
};
