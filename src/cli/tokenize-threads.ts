// The CLI's tokenizing step for every command that reads a dataset (preview, train, eval,
// export-trl): `tokenizeAll` on the main thread for small sets, and over Node worker threads for
// big ones (src/data/tokenize-pool.ts: contiguous chunks, results merged in row order, so the
// outcome is the single-threaded one example by example). Threads need the tokenizer's files (the
// model's tokenizer.json and tokenizer_config.json text); given a bare Tokenizer it stays on one
// thread.
//
// SFT_STUDIO_TOKENIZE_WORKERS=N sets the number of threads: 0 or 1 keeps one thread, N >= 2 uses N
// threads even below the size threshold; unset, sets of kPoolThreshold examples or more use one
// thread per core (at most kMaxPoolWorkers).
//
// A thread runs src/cli/tokenize-thread.ts from source, as bin/sft-studio.mjs runs the CLI: a
// worker thread does not inherit the main thread's module hooks, so its first line registers tsx.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  parseWorkersSetting,
  poolWorkers,
  runTokenizePool,
  tokenizeAll,
  unpackOutcomes,
  type ChatTemplate,
  type Example,
  type PoolPort,
  type PoolReply,
  type PoolResult,
  type PoolWiring,
  type TokenizeOutcome,
  type Tokenizer,
} from '../data/index.ts';
import type { ModelTokenizer } from '../engine/index.ts';
import { UsageError } from './args.ts';
import type { ThreadInit } from './tokenize-thread.ts';

export const kWorkersEnv = 'SFT_STUDIO_TOKENIZE_WORKERS';

/** A tokenizer with the files it was built from (what `openTokenizer` and a loaded model give). */
export type TokenizerWithFiles = Pick<ModelTokenizer, 'tokenizer' | 'json' | 'config' | 'name'>;

export interface TokenizeOptions {
  maxLength: number;
  /** No progress lines on stderr (`--json` output keeps stderr for JSON lines). */
  quiet?: boolean;
}

/** Threads for `count` examples (0: the main thread), from the core count or the environment. */
export function tokenizeThreads(count: number): number {
  let forced: number | undefined;
  try {
    forced = parseWorkersSetting(kWorkersEnv, process.env[kWorkersEnv]);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return poolWorkers(count, availableParallelism(), forced);
}

function bootCode(): string {
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./tokenize-thread.ts', import.meta.url).href;
  return (
    `import(${JSON.stringify(tsx)})` +
    `.then((m) => m.register())` +
    `.then(() => import(${JSON.stringify(entry)}))`
  );
}

function spawnThread(wiring: PoolWiring): PoolPort<ThreadInit> {
  const worker = new Worker(bootCode(), { eval: true });
  worker.on('message', (reply: PoolReply) => wiring.onReply(reply));
  worker.on('error', (e) => wiring.onFailure(e.message));
  worker.on('exit', (code) => wiring.onFailure(`a tokenizing thread exited (code ${code})`));
  return {
    post: (msg, transfer) => worker.postMessage(msg, transfer),
    terminate: () => void worker.terminate(),
  };
}

function progressLine(quiet: boolean, total: number, threads: number) {
  let last = performance.now();
  return (done: number) => {
    const now = performance.now();
    if (quiet || now - last < 1000) return;
    last = now;
    const on = threads ? ` on ${threads} threads` : '';
    process.stderr.write(`tokenizing: ${done}/${total} examples${on}\n`);
  };
}

/** The outcomes `threads` worker threads produced, in row order: all of them when the pool's
 * result is 'done', else the prefix it reached. */
export async function tokenizeOnThreads(
  files: TokenizerWithFiles,
  template: ChatTemplate,
  examples: readonly Example[],
  threads: number,
  opts: TokenizeOptions & { onProgress?: (done: number) => void },
): Promise<{ outcomes: TokenizeOutcome[]; result: PoolResult }> {
  const outcomes: TokenizeOutcome[] = [];
  const result = await runTokenizePool<ThreadInit>({
    examples,
    workers: threads,
    init: {
      json: files.json,
      config: files.config,
      name: files.name,
      templateName: template.name,
      templateText: template.template,
      date: template.date,
      maxLength: opts.maxLength,
    },
    spawn: spawnThread,
    onChunk: (chunk) => {
      for (const o of unpackOutcomes(chunk)) outcomes.push(o);
      opts.onProgress?.(outcomes.length);
    },
  });
  return { outcomes, result };
}

/** Every example's outcome (`tokenizeAll` semantics), in row order, on as many threads as fit. */
export async function tokenizeOutcomes(
  tok: Tokenizer | TokenizerWithFiles,
  template: ChatTemplate,
  examples: readonly Example[],
  opts: TokenizeOptions,
): Promise<TokenizeOutcome[]> {
  const files = 'tokenizer' in tok ? tok : null;
  const tokenizer = files ? files.tokenizer : (tok as Tokenizer);
  const threads = files ? tokenizeThreads(examples.length) : 0;
  const quiet = opts.quiet ?? false;
  const say = progressLine(quiet, examples.length, threads);
  let out: TokenizeOutcome[] = [];
  if (files && threads > 0) {
    const pooled = await tokenizeOnThreads(files, template, examples, threads, {
      ...opts,
      onProgress: say,
    });
    out = pooled.outcomes;
    if (pooled.result.status === 'done') return out;
    // A thread that cannot start (or dies) costs speed, never the result: finish here.
    if (!quiet) {
      const r = pooled.result;
      const why = r.status === 'failed' ? r.message : 'stopped';
      process.stderr.write(`tokenizing threads: ${why}; going on with one thread\n`);
    }
  }
  const done = out.length;
  for (const o of tokenizeAll(tokenizer, template, examples.slice(done), {
    maxLength: opts.maxLength,
    onProgress: (d) => say(done + d),
  })) {
    out.push(o);
  }
  return out;
}
