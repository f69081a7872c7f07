// The tokenizing pool's host-neutral part (src/data/tokenize-pool.ts, tokenize-packed.ts) with
// in-process workers that answer out of order: results come back strictly in row order and equal
// `tokenizeAll` example by example (template errors and excluded rows in their places), a worker
// that fails leaves a correct prefix, an abort stops every worker, and `preparedFromOutcomes` is
// `prepareDataset`. The same pool over real worker threads: test/cli/tokenize-threads.test.ts.
import { describe, expect, it } from 'vitest';
import { tokenizeAll, type TokenizeOutcome } from '../../src/data/masking';
import { prepareDataset } from '../../src/data/prepare';
import {
  packOutcomes,
  preparedFromOutcomes,
  unpackOutcomes,
  type PackedChunk,
} from '../../src/data/tokenize-packed';
import {
  kPoolThreshold,
  parseWorkersSetting,
  poolWorkers,
  runTokenizePool,
  servePool,
  TokenizeWorkersSettingError,
  type PoolPort,
  type PoolRequest,
  type PoolWiring,
} from '../../src/data/tokenize-pool';
import { resolveTemplate } from '../../src/data/templates';
import type { Example } from '../../src/data/types';
import { lenmlTokenizer } from './lenml';
import { poolCorpus, withFailingRows } from './tokenize-corpus';

const kMaxLength = 48; // short enough that some rows are truncated and some excluded
const tok = lenmlTokenizer('qwen3');
const template = resolveTemplate(tok, {
  override: withFailingRows(tok.chatTemplate as string),
});
const examples = poolCorpus(400);
const tokenize = (xs: readonly Example[]) =>
  tokenizeAll(tok, template, xs, { maxLength: kMaxLength });
const expected = tokenize(examples);

interface Fake {
  spawned: number;
  terminated: number;
  /** Chunks answered before the worker fails (Infinity: never). */
  failAfter?: number;
}

/** A worker in this thread: `servePool` behind a structured clone and a random delay, so chunks
 * come back out of order. */
function fakeSpawn(fake: Fake) {
  return (wiring: PoolWiring): PoolPort<string> => {
    fake.spawned++;
    let answered = 0;
    let dead = false;
    const serve = servePool<string>(
      (reply) => {
        const copy = structuredClone(reply);
        setTimeout(() => {
          if (dead) return;
          if (++answered > (fake.failAfter ?? Infinity)) wiring.onFailure('worker crashed');
          else wiring.onReply(copy);
        }, Math.random() * 15);
      },
      async (init) => {
        expect(init).toBe('qwen3');
        return tokenize;
      },
    );
    return {
      post: (msg: PoolRequest<string>) => serve(structuredClone(msg)),
      terminate: () => {
        dead = true;
        fake.terminated++;
      },
    };
  };
}

function collect(): { chunks: PackedChunk[]; outcomes: TokenizeOutcome[] } {
  return { chunks: [], outcomes: [] };
}

describe('tokenize pool', () => {
  it('packing is lossless: errors, exclusions and truncation come back as they were', () => {
    expect(expected.some((o) => 'error' in o)).toBe(true);
    expect(expected.some((o) => 'excluded' in o && o.excluded !== undefined)).toBe(true);
    expect(expected.some((o) => 'fullLength' in o && o.fullLength > kMaxLength)).toBe(true);
    expect(unpackOutcomes(structuredClone(packOutcomes(expected, 0)))).toEqual(expected);
  });

  it('hands chunks on in row order, equal to tokenizeAll example by example', async () => {
    const fake: Fake = { spawned: 0, terminated: 0 };
    const got = collect();
    const r = await runTokenizePool({
      examples,
      init: 'qwen3',
      workers: 3,
      chunkSize: 17,
      spawn: fakeSpawn(fake),
      onChunk: (c) => {
        got.chunks.push(c);
        got.outcomes.push(...unpackOutcomes(c));
      },
    });
    expect(r).toEqual({ status: 'done', done: examples.length });
    expect(got.chunks.map((c) => c.start)).toEqual(
      Array.from({ length: Math.ceil(examples.length / 17) }, (_, i) => i * 17),
    );
    expect(got.outcomes).toHaveLength(expected.length);
    got.outcomes.forEach((o, i) => expect(o).toEqual(expected[i]));
    expect(fake).toEqual({ spawned: 3, terminated: 3 });
  });

  it('a failing worker ends the run with a correct prefix the caller can finish', async () => {
    const fake: Fake = { spawned: 0, terminated: 0, failAfter: 3 };
    const got = collect();
    const r = await runTokenizePool({
      examples,
      init: 'qwen3',
      workers: 2,
      chunkSize: 20,
      spawn: fakeSpawn(fake),
      onChunk: (c) => got.outcomes.push(...unpackOutcomes(c)),
    });
    expect(r.status).toBe('failed');
    expect(r.done).toBe(got.outcomes.length);
    expect(r.done).toBeLessThan(examples.length);
    const finished = [...got.outcomes, ...tokenize(examples.slice(r.done))];
    expect(finished).toEqual(expected);
    expect(fake.terminated).toBe(2);
  });

  it('an abort stops the run and every worker', async () => {
    const fake: Fake = { spawned: 0, terminated: 0 };
    const stop = new AbortController();
    let chunks = 0;
    const r = await runTokenizePool({
      examples,
      init: 'qwen3',
      workers: 2,
      chunkSize: 10,
      spawn: fakeSpawn(fake),
      signal: stop.signal,
      onChunk: () => {
        if (++chunks === 2) stop.abort();
      },
    });
    expect(r).toEqual({ status: 'stopped', done: 20 });
    expect(fake.terminated).toBe(2);
  });

  it('a worker whose build fails reports it once', async () => {
    const messages: string[] = [];
    const serve = servePool<string>(
      (msg) => messages.push(msg.kind === 'failed' ? msg.message : 'chunk'),
      async () => {
        throw new Error('tokenizer.json is not valid JSON');
      },
    );
    serve({ kind: 'init', init: 'x' });
    serve({ kind: 'chunk', start: 0, examples: examples.slice(0, 2) });
    serve({ kind: 'chunk', start: 2, examples: examples.slice(2, 4) });
    await new Promise((r) => setTimeout(r, 10));
    expect(messages).toEqual(['tokenizer.json is not valid JSON']);
  });

  it('preparedFromOutcomes is prepareDataset', () => {
    expect(preparedFromOutcomes(expected, kMaxLength)).toEqual(
      prepareDataset(tok, template, examples, { maxLength: kMaxLength }),
    );
  });

  it('sizes the pool by set size and cores, or by the setting', () => {
    expect(poolWorkers(kPoolThreshold - 1, 16)).toBe(0);
    expect(poolWorkers(kPoolThreshold, 1)).toBe(0);
    expect(poolWorkers(kPoolThreshold, 2)).toBe(2);
    expect(poolWorkers(100_000, 64)).toBe(8);
    expect(poolWorkers(10, 1, 4)).toBe(4);
    expect(poolWorkers(3, 16, 4)).toBe(3);
    expect(poolWorkers(100_000, 16, 1)).toBe(0);
    expect(parseWorkersSetting('W', undefined)).toBeUndefined();
    expect(parseWorkersSetting('W', ' 3 ')).toBe(3);
    expect(() => parseWorkersSetting('W', 'many')).toThrow(TokenizeWorkersSettingError);
    expect(() => parseWorkersSetting('W', '-1')).toThrow(/W=-1: expected a whole number/);
  });
});
