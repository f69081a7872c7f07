// The download cache behind the Hub source: an injectable key → Blob store, so the second load of
// a model is offline. Blobs (not byte arrays) so a host can hand back disk-backed data (Cache
// Storage responses, Node's fs.openAsBlob) that the loader slices tensor by tensor. Keys are the
// resolve URLs. The Node folder cache lives in src/cli/model-source.ts.

export interface ModelCache {
  /** The cached file, or null when absent. */
  get(key: string): Promise<Blob | null>;
  /**
   * Store a file. Downloads arrive as a stream that errors if the transfer is cut short: the
   * cache must then reject and keep nothing under `key` (write aside, commit at the end).
   */
  put(key: string, data: ReadableStream<Uint8Array> | Blob): Promise<void>;
}

/** A cache in memory (tests; a session without persistent storage). */
export function memoryCache(): ModelCache & { keys(): string[] } {
  const map = new Map<string, Blob>();
  return {
    get: async (key) => map.get(key) ?? null,
    put: async (key, data) => {
      map.set(key, data instanceof Blob ? data : await new Response(data).blob());
    },
    keys: () => [...map.keys()],
  };
}

/**
 * Cache Storage (window or worker scope): responses are stored on disk by the browser and
 * `response.blob()` gives a disk-backed Blob, so large shards are not held in memory.
 */
export function cacheStorageCache(cacheName = 'sft-studio-models'): ModelCache {
  const open = () => {
    if (typeof caches === 'undefined')
      throw new Error('Cache Storage is not available in this context');
    return caches.open(cacheName);
  };
  return {
    get: async (key) => {
      const hit = await (await open()).match(key);
      return hit ? hit.blob() : null;
    },
    // Cache.put reads the stream to its end and stores nothing if it errors.
    put: async (key, data) => {
      await (await open()).put(key, new Response(data));
    },
  };
}
