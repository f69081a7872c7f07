// The Hub source against a local HTTP server (node:http on 127.0.0.1, port 0) that serves fixture
// models in the resolve layout `/{org}/{name}/resolve/{revision}/{file}`, with Range support, a
// 404, a gated repo, and a response cut short of its Content-Length. Checks: loading matches the
// folder source; progress; the second load from the cache (memory and disk) contacts no server.
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskCache, folderSource, resolveModelSource } from '../../src/cli/model-source.ts';
import {
  hubSource,
  memoryCache,
  ModelFileNotFoundError,
  ModelSourceError,
  TruncatedDownloadError,
  type DownloadProgress,
  type ModelSource,
} from '../../src/model/source.ts';
import { loadModelConfig, loadWeights } from '../../src/model/weights.ts';
import { makeTinyModel } from '../fixtures/tiny-models.ts';

const repos: Record<string, string> = {}; // "org/name" → fixture dir
const log: string[] = []; // "METHOD path [range]" of every request
let server: Server;
let endpoint: string;
const tmp: string[] = [];

async function handle(req: IncomingMessage, res: ServerResponse) {
  const url = decodeURIComponent(req.url ?? '');
  log.push(`${req.method} ${url}${req.headers.range ? ` ${req.headers.range}` : ''}`);
  const m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url);
  if (m?.[1] === 'org/gated') {
    res.writeHead(401).end('unauthorized');
    return;
  }
  const dir = m && m[2] === 'main' ? repos[m[1]] : undefined;
  let body: Buffer;
  try {
    if (!dir || m![3].includes('..')) throw new Error('no such repo');
    body = await readFile(join(dir, m![3]));
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Entry not found');
    return;
  }
  if (m![1] === 'org/flaky' && m![3] === 'model.safetensors' && req.method === 'GET') {
    // Promise the whole file, send a third of it, hang up.
    res.writeHead(200, { 'content-length': String(body.length) });
    res.write(body.subarray(0, Math.floor(body.length / 3)), () => res.destroy());
    return;
  }
  const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
  if (range) {
    const part = body.subarray(Number(range[1]), Number(range[2]) + 1);
    res.writeHead(206, {
      'content-length': String(part.length),
      'content-range': `bytes ${range[1]}-${range[2]}/${body.length}`,
    });
    res.end(part);
    return;
  }
  res.writeHead(200, { 'content-length': String(body.length), 'accept-ranges': 'bytes' });
  res.end(req.method === 'HEAD' ? undefined : body);
}

beforeAll(async () => {
  repos['org/tiny-llama'] = await makeTinyModel('llama-tied');
  repos['org/tiny-qwen3-sharded'] = await makeTinyModel('qwen3', { sharded: true, dtype: 'bf16' });
  repos['org/flaky'] = repos['org/tiny-llama'];
  server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  for (const d of tmp) await rm(d, { recursive: true, force: true });
});

async function names(src: ModelSource): Promise<string[]> {
  const out: string[] = [];
  for await (const t of loadWeights(src))
    out.push(`${t.name}:${t.dtype}:${Buffer.from(t.bytes).subarray(0, 64).toString('hex')}`);
  return out;
}

describe('hubSource', () => {
  it('loads a model through the cache, with progress; the second load is offline', async () => {
    const cache = memoryCache();
    const progress: DownloadProgress[] = [];
    const hub = hubSource({
      repo: 'org/tiny-llama',
      endpoint: `${endpoint}/`,
      cache,
      onProgress: (p) => progress.push(p),
    });
    expect(hub.name).toBe(`${endpoint}:org/tiny-llama@main`);
    log.length = 0;
    const first = await names(hub);
    expect(first).toEqual(await names(folderSource(repos['org/tiny-llama'])));
    expect(log.filter((l) => l.startsWith('GET'))).toEqual([
      'GET /org/tiny-llama/resolve/main/config.json',
      'GET /org/tiny-llama/resolve/main/model.safetensors',
    ]);
    const done = progress.filter((p) => p.file === 'model.safetensors' && p.done);
    expect(done).toHaveLength(1);
    expect(done[0].loaded).toBe(done[0].total);
    expect(done[0].loaded).toBe(
      (await readFile(join(repos['org/tiny-llama'], 'model.safetensors'))).length,
    );
    expect(progress.filter((p) => p.file === 'model.safetensors').length).toBeGreaterThan(2); // several chunks

    log.length = 0;
    progress.length = 0;
    const again = hubSource({
      repo: 'org/tiny-llama',
      endpoint,
      cache,
      onProgress: (p) => progress.push(p),
    });
    expect(await names(again)).toEqual(first);
    expect(log).toEqual([]); // the server was not contacted, not even for the index check
    expect(progress.every((p) => p.fromCache)).toBe(true);
  });

  it('reads a sharded bf16 model; without a cache it uses Range requests for tensors', async () => {
    const hub = hubSource({ repo: 'org/tiny-qwen3-sharded', endpoint });
    log.length = 0;
    expect(await names(hub)).toEqual(await names(folderSource(repos['org/tiny-qwen3-sharded'])));
    const gets = log.filter((l) => l.startsWith('GET'));
    expect(gets.filter((l) => l.includes('bytes=')).length).toBeGreaterThan(20);
    expect(gets.filter((l) => !l.includes('bytes=')).map((l) => l.split('/').pop())).toEqual([
      'config.json',
      'model.safetensors.index.json',
    ]);
    expect((await loadModelConfig(hub)).family).toBe('qwen3');
  });

  it('a missing file is a ModelFileNotFoundError naming the URL; exists() says false', async () => {
    const hub = hubSource({ repo: 'org/tiny-llama', endpoint, cache: memoryCache() });
    await expect(hub.readFile('tokenizer.model')).rejects.toThrow(ModelFileNotFoundError);
    await expect(hub.readFile('tokenizer.model')).rejects.toThrow(
      `tokenizer.model not found in ${endpoint}:org/tiny-llama@main: ${endpoint}/org/tiny-llama/resolve/main/tokenizer.model returned 404; check the repo id, the revision and the file name`,
    );
    expect(await hub.exists('tokenizer.model')).toBe(false);
    expect(await hub.exists('config.json')).toBe(true);
    const wrongRepo = hubSource({ repo: 'org/does-not-exist', endpoint });
    await expect(loadModelConfig(wrongRepo)).rejects.toThrow(
      /config\.json not found in .*org\/does-not-exist@main/,
    );
  });

  it('a download cut short of its Content-Length is a TruncatedDownloadError and is not cached', async () => {
    const cache = memoryCache();
    const hub = hubSource({ repo: 'org/flaky', endpoint, cache });
    const run = hub.readRange('model.safetensors', 0, 8);
    await expect(run).rejects.toThrow(TruncatedDownloadError);
    await expect(hub.readFile('model.safetensors')).rejects.toThrow(
      /model\.safetensors: download truncated: received \d+ of \d+ bytes/,
    );
    expect(cache.keys().some((k) => k.endsWith('/model.safetensors'))).toBe(false);
    // Same through the disk cache: the partial file is never committed.
    const dir = await mkdtemp(join(tmpdir(), 'sft-cache-'));
    tmp.push(dir);
    const disk = hubSource({ repo: 'org/flaky', endpoint, cache: diskCache(dir) });
    await expect(disk.size('model.safetensors')).rejects.toThrow(TruncatedDownloadError);
    expect(await readdir(dir)).toEqual([]); // no partial file, no leftover temporary
    expect(
      await diskCache(dir).get(`${endpoint}/org/flaky/resolve/main/model.safetensors`),
    ).toBeNull();
  });

  it('a short read is caught even when the transport does not fail', async () => {
    const full = new Uint8Array(100);
    const fakeFetch = (async () =>
      new Response(full.subarray(0, 60), { headers: { 'content-length': '100' } })) as typeof fetch;
    const hub = hubSource({ repo: 'org/x', fetch: fakeFetch });
    await expect(hub.readFile('model.safetensors')).rejects.toThrow(/received 60 of 100 bytes/);
  });

  it('gated repos and unreachable endpoints say what to do', async () => {
    await expect(
      hubSource({ repo: 'org/gated', endpoint }).readFile('config.json'),
    ).rejects.toThrow(/gated or private.*access token/);
    const down = hubSource({ repo: 'org/x', endpoint: 'http://127.0.0.1:1' });
    await expect(down.readFile('config.json')).rejects.toThrow(ModelSourceError);
    await expect(down.readFile('config.json')).rejects.toThrow(
      /could not reach http:\/\/127\.0\.0\.1:1/,
    );
    expect(() => hubSource({ repo: 'not a repo!' })).toThrow(/not a Hub repo id/);
  });
});

describe('Node disk cache and --model resolution', () => {
  it('the disk cache serves a second process-like load with no server contact', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sft-cache-'));
    tmp.push(dir);
    const first = resolveModelSource('org/tiny-qwen3-sharded', { cacheDir: dir, endpoint });
    const a = await names(first);
    log.length = 0;
    const second = hubSource({ repo: 'org/tiny-qwen3-sharded', endpoint, cache: diskCache(dir) });
    expect(await names(second)).toEqual(a);
    expect(log).toEqual([]);
    // A folder path resolves to the folder itself.
    expect(resolveModelSource(repos['org/tiny-llama']).name).toBe(repos['org/tiny-llama']);
    expect(() => resolveModelSource('./no/such/dir/x')).toThrow(
      /not a folder, and not a Hub repo id/,
    );
  });
});
