// "Hardest first" in the example browser: every trainable example's mean loss over its trained
// tokens, with the base model and (after a run) the tuned one, in the engine worker. Examples
// go through engine.evaluate with perToken in chunks, so the UI sees progress and can cancel
// between chunks; the high-loss examples are often the mislabeled ones.
import { trainableExamples, type ExampleSet } from '../data/exampleset.ts';
import type { TokenizedExample } from '../data/index.ts';
import { EngineError, toFailure, type LoraWeights } from '../engine/index.ts';
import { adapterOf } from './engineSets.ts';
import { needEngine, send, st } from './engineState.ts';
import type { AdapterChoice } from './engineProtocol.ts';

/** Examples per evaluate call: small enough for steady progress, large enough to keep the GPU busy. */
const kChunk = 16;

/** The job running now; a cancel (or a newer request) clears it and the loop stops at its next chunk. */
let current = 0;

export function cancelExampleLosses(job: number): void {
  if (current === job) current = 0;
}

/** Training takes the GPU: a running measurement stops at its next chunk. */
export function stopExampleLosses(): void {
  current = 0;
}

/** Mean of the trained tokens' losses (NaN when none is trained). */
export function meanTrainedLoss(losses: readonly (number | null)[]): number {
  let sum = 0;
  let n = 0;
  for (const l of losses) {
    if (l === null) continue;
    sum += l;
    n++;
  }
  return n === 0 ? NaN : sum / n;
}

export async function exampleLosses(
  job: number,
  set: ExampleSet,
  which: AdapterChoice,
): Promise<void> {
  current = job;
  try {
    if (!st.loaded) throw new EngineError('bad-input', 'load a model first (Model step)');
    const run = st.run;
    if (run?.running) {
      throw new EngineError(
        'bad-input',
        'the GPU is busy training',
        'Pause or stop the run, then measure the losses.',
      );
    }
    const model = st.loaded.model;
    const e = await needEngine();
    const examples = trainableExamples(set);
    const longest = examples.reduce((m, ex) => Math.max(m, ex.inputIds.length), 1);
    const maxLength = Math.max(longest, run?.training.settings.maxLength ?? 0);
    const adapter = run ? await adapterOf(run, which) : null;
    const n = examples.length;
    const lines = Int32Array.from(examples, (ex) => ex.line);
    const base = new Float32Array(n).fill(NaN);
    const tuned = adapter ? new Float32Array(n).fill(NaN) : null;
    const means = async (chunk: TokenizedExample[], w: LoraWeights | null) => {
      const r = await e.evaluate(model, { adapter: w, examples: chunk, maxLength, perToken: true });
      return (r.perToken ?? []).map((t) => meanTrainedLoss(t.losses));
    };
    send({ kind: 'example-losses-progress', job, done: 0, total: n });
    for (let start = 0; start < n; start += kChunk) {
      if (current !== job) {
        send({ kind: 'example-losses-cancelled', job });
        return;
      }
      const chunk = examples.slice(start, start + kChunk);
      base.set(await means(chunk, null), start);
      if (tuned && adapter) tuned.set(await means(chunk, adapter), start);
      send({ kind: 'example-losses-progress', job, done: start + chunk.length, total: n });
    }
    const buffers = [lines.buffer, base.buffer, ...(tuned ? [tuned.buffer] : [])];
    send({ kind: 'example-losses', job, lines, base, tuned }, buffers);
  } catch (err) {
    send({ kind: 'example-losses-failed', job, failure: toFailure(err) });
  } finally {
    if (current === job) current = 0;
  }
}
