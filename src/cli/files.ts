// Writing the CLI's outputs so that a crash or a kill never leaves a half-written file behind: a
// temporary file (or folder) in the same place, flushed, then renamed (atomic on one filesystem).
// Byte arrays and strings go through writeAtomic; streamed exports (a merged model, a GGUF file),
// which must never be held whole in memory, through writeStreamAtomic and writeFolderAtomic.
import {
  closeSync,
  createWriteStream,
  existsSync,
  fsyncSync,
  openSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { once } from 'node:events';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from './args.ts';

/** Writes `data` to `path` atomically: temporary file, fsync, rename, fsync of the folder. */
export function writeAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    let at = 0;
    while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  try {
    const dir = openSync(join(path, '..'), 'r');
    fsyncSync(dir);
    closeSync(dir);
  } catch {
    // Some filesystems cannot fsync a folder; the rename itself is still atomic.
  }
}

const tmpName = (path: string) =>
  join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Date.now().toString(36)}`);

async function streamTo(path: string, chunks: AsyncIterable<Uint8Array>): Promise<number> {
  const out = createWriteStream(path);
  let n = 0;
  try {
    for await (const c of chunks) {
      n += c.byteLength;
      if (!out.write(c)) await once(out, 'drain');
    }
  } finally {
    out.end();
    await once(out, 'close');
  }
  return n;
}

/** Streams chunks to `path` through a temporary file; returns the bytes written. */
export async function writeStreamAtomic(
  path: string,
  chunks: AsyncIterable<Uint8Array>,
): Promise<number> {
  const full = resolve(path);
  await mkdir(dirname(full), { recursive: true });
  const tmp = tmpName(full);
  try {
    const n = await streamTo(tmp, chunks);
    await rename(tmp, full);
    return n;
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Writes a folder of streamed files through a temporary folder renamed into place; `dir` must
 * not hold files already. */
export async function writeFolderAtomic(
  dir: string,
  files: { path: string; chunks(): AsyncIterable<Uint8Array> }[],
  onFile?: (path: string, bytes: number) => void,
): Promise<void> {
  const full = resolve(dir);
  if (existsSync(full) && (await readdir(full)).length > 0)
    throw new UsageError(`--out ${dir}: the folder exists and is not empty; choose a new folder`);
  await mkdir(dirname(full), { recursive: true });
  const tmp = tmpName(full);
  await mkdir(tmp, { recursive: true });
  try {
    for (const f of files) {
      const n = await streamTo(join(tmp, f.path), f.chunks());
      onFile?.(f.path, n);
    }
    if (existsSync(full)) await rm(full, { recursive: true });
    await rename(tmp, full);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}
