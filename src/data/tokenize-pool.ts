// Tokenizing a big dataset on several workers, host-neutral: the studio's dataset worker runs it
// over Web Workers (src/worker/tokenize-workers.ts), the CLI over Node worker threads
// (src/cli/tokenize-threads.ts); both only say how to start a worker and what it needs to build
// its tokenizer and template. The examples go out in contiguous chunks, handed to whichever worker
// is free (so a slow chunk does not stall the others), and come back packed (tokenize-packed.ts);
// a reorder buffer hands them on strictly in row order, so what the caller builds (the ExampleSet,
// the preview, `preview --json`) is the single-threaded result, example by example.
//
// A small set stays on one thread: each worker first loads the tokenizer library and builds its
// tokenizer (about 0.5-1 s, and a copy of the vocabulary each), which only pays off on thousands
// of examples.
import type { TokenizeOutcome } from './masking';
import { packedChunkBuffers, packOutcomes, type PackedChunk } from './tokenize-packed';
import type { Example } from './types';

/** Fewer examples than this are tokenized on the calling thread (start-up cost). */
export const kPoolThreshold = 2000;
/** More workers than this bring little (memory: each holds its own tokenizer). */
export const kMaxPoolWorkers = 8;

/** Host → worker. `init` comes first and once; each `chunk` is answered by one reply. */
export type PoolRequest<Init> =
  { kind: 'init'; init: Init } | { kind: 'chunk'; start: number; examples: Example[] };

/** Worker → host. */
export type PoolReply = { kind: 'chunk'; chunk: PackedChunk } | { kind: 'failed'; message: string };

/** One worker as the pool sees it; the host wires `onReply` / `onFailure` to its worker's events. */
export interface PoolPort<Init> {
  post(msg: PoolRequest<Init>, transfer?: ArrayBuffer[]): void;
  terminate(): void;
}

export interface PoolWiring {
  onReply(reply: PoolReply): void;
  /** The worker could not start, crashed, or exited. */
  onFailure(message: string): void;
}

export interface PoolOptions<Init> {
  examples: readonly Example[];
  init: Init;
  workers: number;
  /** Starts one worker and wires its events to `wiring`. */
  spawn(wiring: PoolWiring): PoolPort<Init>;
  /** Each chunk's outcomes, strictly in row order. */
  onChunk(chunk: PackedChunk): void;
  /** Stops the pool (its workers are terminated) when aborted. */
  signal?: AbortSignal;
  /** Examples per chunk (default: about 16 chunks per worker, 32 to 512 examples each). */
  chunkSize?: number;
}

/** How a pool run ended. `done` counts the examples handed to onChunk (a prefix of the set). */
export type PoolResult =
  | { status: 'done'; done: number }
  | { status: 'stopped'; done: number }
  | { status: 'failed'; done: number; message: string };

/** Workers for `count` examples: 0 means tokenize on the calling thread. `forced` (a setting such
 * as SFT_STUDIO_TOKENIZE_WORKERS) overrides both the core count and the size threshold. */
export function poolWorkers(count: number, hardwareThreads: number, forced?: number): number {
  if (forced !== undefined) return forced >= 2 && count > 0 ? Math.min(forced, count) : 0;
  if (count < kPoolThreshold) return 0;
  const n = Math.min(kMaxPoolWorkers, Math.floor(hardwareThreads));
  return n >= 2 ? n : 0;
}

export class TokenizeWorkersSettingError extends Error {
  constructor(name: string, value: string) {
    super(
      `${name}=${value}: expected a whole number of tokenizing workers (0 or 1: one thread, ` +
        `2 or more: that many workers, even for small datasets); unset it to choose by core count`,
    );
    this.name = 'TokenizeWorkersSettingError';
  }
}

/** A worker-count setting (e.g. an environment variable) as a number, undefined when unset. */
export function parseWorkersSetting(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (!/^\d+$/.test(value.trim())) throw new TokenizeWorkersSettingError(name, value);
  return Number(value.trim());
}

/** Runs the pool over `examples`; resolves when every chunk has been handed on in order, when
 * `signal` aborts, or when a worker fails (then `done` says where the caller should go on);
 * rejects with what `onChunk` throws. */
export function runTokenizePool<Init>(opts: PoolOptions<Init>): Promise<PoolResult> {
  const { examples, workers } = opts;
  const n = examples.length;
  const size =
    opts.chunkSize ?? Math.max(32, Math.min(512, Math.ceil(n / Math.max(1, workers * 16))));
  const ports: PoolPort<Init>[] = [];
  const waiting = new Map<number, PackedChunk>();
  let sent = 0;
  let done = 0;
  let finished = false;

  return new Promise<PoolResult>((resolve, reject) => {
    const end = () => {
      if (finished) return false;
      finished = true;
      opts.signal?.removeEventListener('abort', stop);
      for (const p of ports) p.terminate();
      return true;
    };
    const finish = (r: PoolResult) => {
      if (end()) resolve(r);
    };
    const stop = () => finish({ status: 'stopped', done });
    const give = (port: PoolPort<Init>) => {
      if (sent >= n) return;
      const start = sent;
      sent = Math.min(n, sent + size);
      port.post({ kind: 'chunk', start, examples: examples.slice(start, sent) });
    };
    const received = (port: PoolPort<Init>, chunk: PackedChunk) => {
      waiting.set(chunk.start, chunk);
      give(port);
      for (let next = waiting.get(done); next; next = waiting.get(done)) {
        waiting.delete(done);
        done += next.count;
        try {
          opts.onChunk(next);
        } catch (e) {
          // The caller's own error: the run ends with it (its workers stopped).
          if (end()) reject(e instanceof Error ? e : new Error(String(e)));
          return;
        }
        if (finished) return; // onChunk aborted the run
      }
      if (done >= n) finish({ status: 'done', done });
    };

    if (opts.signal?.aborted) return stop();
    opts.signal?.addEventListener('abort', stop);
    if (n === 0) return finish({ status: 'done', done });
    for (let w = 0; w < Math.max(1, workers) && !finished; w++) {
      let port: PoolPort<Init> | null = null;
      const wiring: PoolWiring = {
        onReply: (reply) => {
          if (finished || !port) return;
          if (reply.kind === 'failed') finish({ status: 'failed', done, message: reply.message });
          else received(port, reply.chunk);
        },
        onFailure: (message) => finish({ status: 'failed', done, message }),
      };
      try {
        port = opts.spawn(wiring);
      } catch (e) {
        return finish({ status: 'failed', done, message: errorText(e) });
      }
      ports.push(port);
      port.post({ kind: 'init', init: opts.init });
      // Two chunks in flight per worker: the next one is there when a worker finishes.
      give(port);
      give(port);
    }
  });
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The worker side: answers the pool's requests with `tokenize`, built once from `init` (chunks
 * that arrive while it is being built wait for it, in order). */
export function servePool<Init>(
  reply: (msg: PoolReply, transfer: ArrayBuffer[]) => void,
  build: (init: Init) => Promise<(examples: Example[]) => TokenizeOutcome[]>,
): (msg: PoolRequest<Init>) => void {
  let ready: Promise<((examples: Example[]) => TokenizeOutcome[]) | null> | null = null;
  const fail = (e: unknown) => reply({ kind: 'failed', message: errorText(e) }, []);
  return (msg) => {
    if (msg.kind === 'init') {
      ready = build(msg.init).catch((e: unknown) => {
        fail(e);
        return null;
      });
      return;
    }
    if (!ready) return fail(new Error('a chunk came before the init message'));
    void ready.then((tokenize) => {
      if (!tokenize) return; // the build failed, and said so once
      try {
        const chunk = packOutcomes(tokenize(msg.examples), msg.start);
        reply({ kind: 'chunk', chunk }, packedChunkBuffers(chunk));
      } catch (e) {
        fail(e);
      }
    });
  };
}
