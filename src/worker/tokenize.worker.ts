// One tokenizing sub-worker of the dataset worker (tokenize-workers.ts starts up to eight): builds
// the tokenizer and chat template from the same source and settings as the dataset worker
// (dataApi.ts), then answers chunks of examples with exactly what the dataset worker's own
// Renderer would give (src/data/tokenize-pool.ts `servePool`), packed for a transfer.
import { servePool, type PoolRequest } from '../data/index.ts';
import { loadTokenizerFrom, makeRenderer } from './dataApi.ts';
import type { SubWorkerInit } from './tokenize-workers.ts';

const serve = servePool<SubWorkerInit>(
  (msg, transfer) => postMessage(msg, { transfer }),
  async (init) => {
    const renderer = makeRenderer(await loadTokenizerFrom(init.source), init.settings);
    return (examples) =>
      examples.map((ex) => {
        const r = renderer.tokenize(ex);
        return 'error' in r ? r : r.example;
      });
  },
);

self.onmessage = (e: MessageEvent<PoolRequest<SubWorkerInit>>) => serve(e.data);
