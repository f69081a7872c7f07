// Where model files come from. Everything that reads a model (config, tokenizer, safetensors
// headers, tensor bytes) goes through ModelSource, so the same loader streams from a folder the
// user picked in the browser (File/Blob), from the Hub (fetch, with a cache), or from a local
// folder in Node (src/cli/model-source.ts). Ranges let a 1B checkpoint be read tensor by tensor
// without ever holding the whole file in memory.
export { hubSource, type HubSourceOptions, type DownloadProgress } from './io/hub.ts';
export { memoryCache, cacheStorageCache, type ModelCache } from './io/cache.ts';
export { TruncatedDownloadError, kDefaultEndpoint } from './io/hub.ts';
export {
  checkRange,
  ModelFileNotFoundError,
  ModelSourceError,
  type ModelSource,
} from './io/base.ts';
import {
  checkRange,
  ModelFileNotFoundError,
  ModelSourceError,
  type ModelSource,
} from './io/base.ts';

/** Read the text of a file (config.json, tokenizer.json, …). */
export async function readText(src: ModelSource, path: string): Promise<string> {
  return new TextDecoder().decode(await src.readFile(path));
}

/** Read and parse a JSON file, naming the file when it is not valid JSON. */
export async function readJson(src: ModelSource, path: string): Promise<unknown> {
  const text = await readText(src, path);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ModelSourceError(src.name, path, `not valid JSON (${(e as Error).message})`);
  }
}

/**
 * Files the user picked or dropped (a folder pick gives `webkitRelativePath` = "folder/file";
 * the leading folder is stripped), or any map of relative path → Blob. Ranges use Blob.slice,
 * so only the bytes asked for are read.
 */
export function blobSource(
  name: string,
  files: Iterable<File> | ReadonlyMap<string, Blob> | Record<string, Blob>,
): ModelSource {
  const map = new Map<string, Blob>();
  if (files instanceof Map) {
    for (const [k, v] of files as ReadonlyMap<string, Blob>) map.set(k, v);
  } else if (Symbol.iterator in files) {
    for (const f of files as Iterable<File>) {
      const rel = f.webkitRelativePath || f.name;
      map.set(rel.includes('/') ? rel.slice(rel.indexOf('/') + 1) : rel, f);
    }
  } else {
    for (const [k, v] of Object.entries(files)) map.set(k, v);
  }
  const get = (path: string): Blob => {
    const blob = map.get(path);
    if (!blob)
      throw new ModelFileNotFoundError(
        name,
        path,
        `the picked files are: ${[...map.keys()].join(', ') || '(none)'}`,
      );
    return blob;
  };
  return {
    name,
    readFile: async (path) => new Uint8Array(await get(path).arrayBuffer()),
    readRange: async (path, start, end) => {
      const blob = get(path);
      checkRange(name, path, start, end, blob.size);
      return new Uint8Array(await blob.slice(start, end).arrayBuffer());
    },
    size: async (path) => get(path).size,
    exists: async (path) => map.has(path),
  };
}

/** In-memory source of byte arrays (tests, generated models). */
export function bytesSource(name: string, files: Record<string, Uint8Array>): ModelSource {
  const blobs: Record<string, Blob> = {};
  for (const [k, v] of Object.entries(files)) blobs[k] = new Blob([v as Uint8Array<ArrayBuffer>]);
  return blobSource(name, blobs);
}
