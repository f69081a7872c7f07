// Node-side model sources: a local folder (ranges read with positioned reads, so tensors stream
// from disk one at a time), a disk cache folder for Hub downloads, and `resolveModelSource` that
// turns the CLI's `--model DIR|HUB_ID[@REVISION]` into a ModelSource.
// Environment: HF_ENDPOINT (Hub mirror), HF_TOKEN (gated repos), SFT_STUDIO_CACHE (cache folder,
// default ~/.cache/sft-studio/hub).
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, openAsBlob, statSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import {
  checkRange,
  hubSource,
  ModelFileNotFoundError,
  ModelSourceError,
  type DownloadProgress,
  type ModelCache,
  type ModelSource,
} from '../engine/index.ts';

/** A model folder on disk. */
export function folderSource(dir: string): ModelSource {
  const root = resolve(dir);
  const name = root;
  const full = (path: string) => {
    const p = resolve(root, path);
    if (p !== root && !p.startsWith(root + sep))
      throw new ModelSourceError(name, path, 'path escapes the model folder');
    return p;
  };
  const notFound = (path: string, e: unknown) => {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      return new ModelFileNotFoundError(name, path);
    return new ModelSourceError(name, path, (e as Error).message, { cause: e });
  };
  return {
    name,
    async readFile(path) {
      try {
        return new Uint8Array(await readFile(full(path)));
      } catch (e) {
        throw notFound(path, e);
      }
    },
    async readRange(path, start, end) {
      let fh;
      try {
        fh = await open(full(path), 'r');
      } catch (e) {
        throw notFound(path, e);
      }
      try {
        const { size } = await fh.stat();
        checkRange(name, path, start, end, size);
        const out = new Uint8Array(end - start);
        let at = 0;
        while (at < out.length) {
          const { bytesRead } = await fh.read(out, at, out.length - at, start + at);
          if (bytesRead === 0)
            throw new ModelSourceError(
              name,
              path,
              `file ended at ${start + at} while reading [${start}, ${end})`,
            );
          at += bytesRead;
        }
        return out;
      } finally {
        await fh.close();
      }
    },
    async size(path) {
      try {
        return (await stat(full(path))).size;
      } catch (e) {
        throw notFound(path, e);
      }
    },
    exists: async (path) => existsSync(full(path)),
  };
}

/**
 * Hub downloads cached as files in `dir` (one file per resolve URL, named by its hash, plus a
 * readable `index.jsonl` line per entry). Reads come back as disk-backed Blobs (fs.openAsBlob),
 * so a cached multi-GB shard is never loaded whole.
 */
export function diskCache(dir: string): ModelCache {
  const file = (key: string) =>
    join(dir, createHash('sha256').update(key).digest('hex').slice(0, 40));
  return {
    async get(key) {
      const f = file(key);
      if (!existsSync(f)) return null;
      return openAsBlob(f);
    },
    async put(key, data) {
      await mkdir(dir, { recursive: true });
      const f = file(key);
      const tmp = `${f}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
      try {
        const stream = data instanceof Blob ? data.stream() : data;
        await pipeline(Readable.fromWeb(stream as WebReadableStream), createWriteStream(tmp));
        await rename(tmp, f);
      } finally {
        await rm(tmp, { force: true });
      }
      await writeFile(
        join(dir, 'index.jsonl'),
        JSON.stringify({ key, file: f, bytes: (await stat(f)).size }) + '\n',
        { flag: 'a' },
      );
    },
  };
}

export function defaultCacheDir(): string {
  return process.env.SFT_STUDIO_CACHE ?? join(homedir(), '.cache', 'sft-studio', 'hub');
}

export interface ResolveOptions {
  cacheDir?: string;
  endpoint?: string;
  token?: string;
  onProgress?: (p: DownloadProgress) => void;
}

/**
 * `--model` → ModelSource: an existing folder is read in place; otherwise `org/name[@revision]`
 * is fetched from the Hub (HF_ENDPOINT or https://huggingface.co) through the disk cache.
 */
export function resolveModelSource(spec: string, opts: ResolveOptions = {}): ModelSource {
  if (existsSync(spec) && statSync(spec).isDirectory()) return folderSource(spec);
  const [repo, revision] = spec.split('@');
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo)) {
    throw new Error(`--model ${spec}: not a folder, and not a Hub repo id (org/name[@revision])`);
  }
  return hubSource({
    repo,
    revision: revision || 'main',
    endpoint: opts.endpoint ?? process.env.HF_ENDPOINT,
    token: opts.token ?? process.env.HF_TOKEN,
    cache: diskCache(opts.cacheDir ?? defaultCacheDir()),
    onProgress: opts.onProgress,
  });
}
