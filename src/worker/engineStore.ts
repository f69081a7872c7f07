// Where a run survives a closed or reloaded tab: IndexedDB (available in workers), one record
// with the latest checkpoint bytes, what the run needs to start again (the hyperparameters, the
// dataset itself as a Blob or its sample URL, the template) and the metrics so far. Written every
// `checkpointEvery` steps and when the run stops; removed when the user discards it. A second
// object store keeps the kernel autotuning choices per adapter.
import type { TuneStore } from '../gpu/autotune.ts';
import type { DatasetInput, SavedRun, TemplateChoice } from './engineProtocol.ts';

export interface StoredRun {
  run: SavedRun;
  checkpoint: Uint8Array;
  /** The JSONL itself (a Blob copy of the File) or the sample's URL. */
  dataset: { kind: 'blob'; blob: Blob; name: string } | { kind: 'url'; url: string; name: string };
  template: TemplateChoice;
  date: string;
}

const kDb = 'sft-studio';
const kStore = 'runs';
const kTuneStore = 'tuning'; // kernel autotuning results per adapter (src/gpu/autotune.ts)
const kKey = 'current';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(kDb, 2);
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

export function datasetRecord(input: DatasetInput): StoredRun['dataset'] {
  return input.kind === 'file'
    ? { kind: 'blob', blob: input.file, name: input.file.name }
    : { kind: 'url', url: input.url, name: input.name };
}

export function datasetInputOf(d: StoredRun['dataset']): DatasetInput {
  return d.kind === 'url'
    ? { kind: 'url', url: d.url, name: d.name }
    : { kind: 'file', file: new File([d.blob], d.name, { type: 'application/jsonl' }) };
}

export async function saveRun(rec: StoredRun): Promise<void> {
  await tx('readwrite', (s) => s.put(rec, kKey));
}

export async function loadRun(): Promise<StoredRun | null> {
  try {
    return ((await tx('readonly', (s) => s.get(kKey))) as StoredRun | undefined) ?? null;
  } catch {
    return null;
  }
}

export async function clearRun(): Promise<void> {
  await tx('readwrite', (s) => s.delete(kKey));
}
