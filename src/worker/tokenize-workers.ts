// The dataset worker's tokenizing pool: for a big dataset (src/data kPoolThreshold examples or
// more) on a machine with several cores, the examples are tokenized by sub-workers
// (tokenize.worker.ts, one per core but one, at least two, at most eight) and merged back in row
// order (src/data/tokenize-pool.ts), so the ExampleSet, the preview and the statistics are the
// single-threaded ones. A new run (a new file, new settings, a new tokenizer) stops the one before
// at once; a sub-worker that cannot start (a Hub tokenizer unreachable from it, say) ends the run
// early and the dataset worker finishes the rest itself.
import {
  isTokenizeFailure,
  poolWorkers,
  runTokenizePool,
  unpackOutcomes,
  type Example,
  type PoolPort,
  type PoolReply,
  type PoolResult,
  type PoolWiring,
} from '../data/index.ts';
import type { LoadedTokenizer, Renderer } from './dataApi.ts';
import type { PreviewSettings, TokenizerSource } from './protocol.ts';

/** What a sub-worker needs to build the dataset worker's Renderer. */
export interface SubWorkerInit {
  source: TokenizerSource;
  settings: PreviewSettings;
}

/** Where each loaded tokenizer came from (a sub-worker loads it again from there). */
const sources = new WeakMap<LoadedTokenizer, TokenizerSource>();

export function rememberTokenizerSource(loaded: LoadedTokenizer, source: TokenizerSource): void {
  sources.set(loaded, source);
}

/** Sub-workers for `count` examples (0: tokenize in the dataset worker itself). */
export function subWorkers(count: number, loaded: LoadedTokenizer): number {
  if (!sources.has(loaded) || typeof Worker === 'undefined') return 0;
  const cores = navigator.hardwareConcurrency || 1;
  // The page's own thread needs a core too, where there are more than two.
  return poolWorkers(count, cores > 2 ? cores - 1 : cores);
}

function spawn(wiring: PoolWiring): PoolPort<SubWorkerInit> {
  const worker = new Worker(new URL('./tokenize.worker.ts', import.meta.url), {
    type: 'module',
    name: 'tokenize',
  });
  worker.onmessage = (e: MessageEvent<PoolReply>) => wiring.onReply(e.data);
  worker.onerror = (e) => {
    e.preventDefault();
    wiring.onFailure(e.message || 'a tokenizing worker failed to start');
  };
  return {
    post: (msg, transfer = []) => worker.postMessage(msg, { transfer }),
    terminate: () => worker.terminate(),
  };
}

let running: AbortController | null = null;

export interface PoolTokenizeOptions {
  examples: readonly Example[];
  workers: number;
  loaded: LoadedTokenizer;
  settings: PreviewSettings;
  /** Example i's result, as the dataset worker's Renderer gives it, strictly in row order. */
  onResult(i: number, r: ReturnType<Renderer['tokenize']>): void;
  /** After each chunk, with the examples done so far; false stops the run (superseded). */
  onProgress(done: number): boolean;
}

/** Tokenizes `examples` on sub-workers; `done` in the result says how far it got in row order. */
export async function tokenizeOnWorkers(opts: PoolTokenizeOptions): Promise<PoolResult> {
  running?.abort();
  const stop = new AbortController();
  running = stop;
  const source = sources.get(opts.loaded);
  if (!source) return { status: 'failed', done: 0, message: 'the tokenizer source is unknown' };
  try {
    return await runTokenizePool<SubWorkerInit>({
      examples: opts.examples,
      workers: opts.workers,
      init: { source, settings: opts.settings },
      spawn,
      signal: stop.signal,
      onChunk: (chunk) => {
        unpackOutcomes(chunk).forEach((o, j) => {
          opts.onResult(chunk.start + j, isTokenizeFailure(o) ? o : { example: o });
        });
        if (!opts.onProgress(chunk.start + chunk.count)) stop.abort();
      },
    });
  } finally {
    if (running === stop) running = null;
  }
}
