// Where the engine worker writes an export, chunk by chunk, so that a 1B model is never held twice
// in memory: a file in the origin-private file system (OPFS, written through a sync access handle,
// which only workers get) that the UI then saves as a File (a blob URL of an OPFS File is read from
// disk, not copied into memory); or a file or folder the user picked with the File System Access
// API (written through createWritable). A multi-file export (the merged model folder, the TRL
// project) into one file is a zip streamed with fflate, entries stored (safetensors and GGUF do
// not compress). fflate writes no ZIP64 records, so a zip over 4 GB is refused up front.
import { Zip, ZipPassThrough } from 'fflate';
import { EngineError } from '../engine/index.ts';
import type { ExportTarget } from './exportProtocol.ts';

/** One file being written, in order: chunks, then close. */
export interface FileWriter {
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

export interface ExportSink {
  /** The next file of the export (a single-file export has exactly one). */
  file(path: string): Promise<FileWriter>;
  /** Completes the export: the OPFS File to save, or null when written where the user picked. */
  finish(): Promise<File | null>;
  /** Drops what was written (an OPFS file is deleted, a picked file is left unchanged). */
  abort(): Promise<void>;
}

/** One output byte stream. */
interface ByteOut {
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<File | null>;
  abort(): Promise<void>;
}

/** A zip without ZIP64 holds at most 4 GiB; keep a margin for its headers. */
const kZipLimit = 2 ** 32 - (1 << 20);

const kOpfsDir = 'sft-studio-exports';
/** This session's OPFS file per export kind (older files of the kind are deleted). */
const offered = new Map<string, string>();

async function exportsDir(): Promise<FileSystemDirectoryHandle> {
  const root = await navigator.storage.getDirectory();
  return root.getDirectoryHandle(kOpfsDir, { create: true });
}

/** Deletes the previous export of this kind and any left by an earlier session. */
async function makeRoom(dir: FileSystemDirectoryHandle, kind: string): Promise<void> {
  const keep = new Set([...offered].filter(([k]) => k !== kind).map(([, name]) => name));
  const names: string[] = [];
  for await (const name of (dir as unknown as { keys(): AsyncIterable<string> }).keys())
    names.push(name);
  for (const name of names) {
    if (!keep.has(name)) await dir.removeEntry(name).catch(() => undefined);
  }
}

async function opfsOut(kind: string, name: string, bytes: number): Promise<ByteOut> {
  if (typeof navigator.storage?.getDirectory !== 'function') {
    throw new EngineError(
      'bad-input',
      'this browser has no origin-private file system to write the export into',
      'Use "Save to…" to pick where to write it, or a current Chrome or Edge.',
    );
  }
  const dir = await exportsDir();
  await makeRoom(dir, kind);
  const { quota, usage } = await navigator.storage.estimate();
  if (quota !== undefined && usage !== undefined && bytes > quota - usage) {
    throw new EngineError(
      'bad-input',
      `the export needs ${(bytes / 1e9).toFixed(2)} GB but the browser lets this page store ${((quota - usage) / 1e9).toFixed(2)} GB`,
      'Use "Save to…" to write it straight to a folder on disk, or free disk space.',
    );
  }
  const fileName = `${Date.now()}-${name}`;
  offered.set(kind, fileName);
  const handle = await dir.getFileHandle(fileName, { create: true });
  const access = await handle.createSyncAccessHandle();
  access.truncate(0);
  let at = 0;
  return {
    write(b) {
      at += access.write(b, { at });
      return Promise.resolve();
    },
    async close() {
      access.flush();
      access.close();
      return handle.getFile();
    },
    async abort() {
      access.close();
      offered.delete(kind);
      await dir.removeEntry(fileName).catch(() => undefined);
    },
  };
}

async function writableOut(handle: FileSystemFileHandle): Promise<ByteOut> {
  const w = await handle.createWritable();
  return {
    write: (b) => w.write(b as Uint8Array<ArrayBuffer>),
    close: async () => {
      await w.close();
      return null;
    },
    abort: () => w.abort(),
  };
}

/** A stream of files as one stored zip over `out`. */
function zipSink(out: ByteOut): ExportSink {
  const queue: Uint8Array[] = [];
  let failed: Error | null = null;
  const zip = new Zip((err, data) => {
    if (err) failed = err;
    else queue.push(data);
  });
  const drain = async () => {
    if (failed) throw failed;
    while (queue.length > 0) await out.write(queue.shift()!);
  };
  return {
    file(path) {
      const entry = new ZipPassThrough(path);
      zip.add(entry);
      return Promise.resolve({
        write: (b) => {
          entry.push(b);
          return drain();
        },
        close: () => {
          entry.push(new Uint8Array(0), true);
          return drain();
        },
      });
    },
    async finish() {
      zip.end();
      await drain();
      return out.close();
    },
    abort: () => {
      zip.terminate();
      return out.abort();
    },
  };
}

function singleSink(out: ByteOut): ExportSink {
  let opened = false;
  return {
    file() {
      if (opened) throw new Error('a single-file export has one file');
      opened = true;
      return Promise.resolve({ write: (b) => out.write(b), close: () => Promise.resolve() });
    },
    finish: () => out.close(),
    abort: () => out.abort(),
  };
}

/** Files into a new subfolder `name` of a folder the user picked. */
async function folderSink(parent: FileSystemDirectoryHandle, name: string): Promise<ExportSink> {
  const root = await parent.getDirectoryHandle(name, { create: true });
  const open: FileSystemWritableFileStream[] = [];
  return {
    async file(path) {
      const parts = path.split('/');
      let dir = root;
      for (const p of parts.slice(0, -1)) dir = await dir.getDirectoryHandle(p, { create: true });
      const handle = await dir.getFileHandle(parts[parts.length - 1], { create: true });
      const w = await handle.createWritable();
      open.push(w);
      return {
        write: (b) => w.write(b as Uint8Array<ArrayBuffer>),
        close: async () => {
          await w.close();
          open.splice(open.indexOf(w), 1);
        },
      };
    },
    finish: () => Promise.resolve(null),
    async abort() {
      for (const w of open.splice(0)) await w.abort().catch(() => undefined);
      await parent.removeEntry(name, { recursive: true }).catch(() => undefined);
    },
  };
}

/**
 * Opens where export `kind` goes. `name` is the file name (a zip's, for a multi-file export not
 * going to a folder, or the subfolder's); `bytes` its content size, checked against the zip limit
 * and the OPFS quota before anything is written.
 */
export async function openSink(
  target: ExportTarget,
  kind: string,
  name: string,
  multi: boolean,
  bytes: number,
): Promise<ExportSink> {
  if (target.kind === 'folder') {
    if (!multi) {
      const parent = target.handle;
      const out = await writableOut(await parent.getFileHandle(name, { create: true }));
      return singleSink({
        write: (b) => out.write(b),
        close: () => out.close(),
        abort: () => out.abort().then(() => parent.removeEntry(name).catch(() => undefined)),
      });
    }
    return folderSink(target.handle, name.replace(/\.zip$/, ''));
  }
  if (multi && bytes > kZipLimit) {
    throw new EngineError(
      'bad-input',
      `the export is ${(bytes / 1e9).toFixed(2)} GB, more than a zip file can hold (4 GB)`,
      'Use "Save to folder…" to write the files into a folder, or pick a smaller dtype.',
    );
  }
  const out =
    target.kind === 'file' ? await writableOut(target.handle) : await opfsOut(kind, name, bytes);
  return multi ? zipSink(out) : singleSink(out);
}
