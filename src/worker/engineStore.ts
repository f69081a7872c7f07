// Where a run survives a closed or reloaded tab: IndexedDB (available in workers), one record
// with the latest checkpoint bytes, what the run needs to start again (the tokenized dataset as the
// preview showed it, the template) and the metrics so far. Written every
// `checkpointEvery` steps and when the run stops; removed when the user discards it. A second
// object store keeps the kernel autotuning choices per adapter.
import type { TuneStore } from '../engine/index.ts';
import type { ExampleSet, SavedRun, TemplateChoice } from './engineProtocol.ts';

export interface StoredRun {
  run: SavedRun;
  checkpoint: Uint8Array;
  /** The tokenized dataset the run trains on. */
  examples: ExampleSet;
  template: TemplateChoice;
  date: string;
}

const kDb = 'sft-studio';
const kStore = 'runs';
const kTuneStore = 'tuning'; // kernel autotuning results per adapter (src/gpu/autotune.ts)
const kKey = 'current';
// v3: runs keep the tokenized dataset (v2 kept the file and tokenized it again).

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(kDb, 3);
    req.onupgradeneeded = () => {
      for (const name of [kStore, kTuneStore]) {
        if (!req.result.objectStoreNames.contains(name)) req.result.createObjectStore(name);
      }
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB could not be opened'));
  });
}

async function tx<T>(
  mode: IDBTransactionMode,
  fn: (store: IDBObjectStore) => IDBRequest<T>,
  storeName = kStore,
): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const t = db.transaction(storeName, mode);
      const req = fn(t.objectStore(storeName));
      t.oncomplete = () => resolve(req.result);
      t.onerror = () => reject(t.error ?? new Error('IndexedDB transaction failed'));
      t.onabort = () => reject(t.error ?? new Error('IndexedDB transaction aborted'));
    });
  } finally {
    db.close();
  }
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

export async function saveRun(rec: StoredRun): Promise<void> {
  await tx('readwrite', (s) => s.put(rec, kKey));
}

export async function loadRun(): Promise<StoredRun | null> {
  try {
    const rec = (await tx('readonly', (s) => s.get(kKey))) as Partial<StoredRun> | undefined;
    // A run saved by an older studio (without its tokenized dataset) cannot be resumed as it is.
    return rec && rec.examples && rec.run && rec.checkpoint ? (rec as StoredRun) : null;
  } catch {
    return null;
  }
}

export async function clearRun(): Promise<void> {
  await tx('readwrite', (s) => s.delete(kKey));
}
