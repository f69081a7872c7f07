// Prompt sets in the engine worker (the Try step's table): the base model and the tuned model
// answer every prompt of a set with the same sampling settings and seed, one generator per model
// for the whole set (one KV cache and one set of ops each, engine.generator), streamed as set-row
// events, cancellable between tokens; then the metrics of each model from src/data/metrics.ts (the
// module `sft-studio compare` uses), so the studio's numbers are the CLI's. Also which adapter Try
// and Export use: the last step's or the best eval loss's.
import {
  chatTemplateFor,
  rougeL,
  summarizeGenerations,
  type GenerationRow,
} from '../data/index.ts';
import {
  EngineError,
  promptIds,
  toFailure,
  type LoraWeights,
  type ReplyGenerator,
  type Sampling,
} from '../engine/index.ts';
import { needEngine, send, st, type Run } from './engineState.ts';
import type { AdapterChoice, PromptItem, SetAnswer } from './engineProtocol.ts';

/** The run's adapter weights: the last step's, or the best eval loss's (an error when none). */
export async function adapterOf(run: Run, which: AdapterChoice): Promise<LoraWeights> {
  if (which === 'last') return run.training.adapterWeights();
  const best = run.training.bestAdapter();
  if (!best) {
    throw new EngineError(
      'bad-input',
      'this run has no best eval-loss adapter yet',
      'Train with an eval split (Eval split > 0) until an eval has run, or use the last adapter.',
    );
  }
  return best.weights;
}

/** The run to generate with, when the GPU is free for it. */
export function idleRun(): Run {
  if (!st.loaded) throw new EngineError('bad-input', 'load a model first');
  const run = st.run;
  if (!run) throw new EngineError('bad-input', 'train an adapter first (Train step)');
  if (run.running)
    throw new EngineError('bad-input', 'pause or stop the run first: the GPU is busy training');
  return run;
}

export async function generateSet(
  job: number,
  items: PromptItem[],
  sampling: Sampling,
  which: AdapterChoice,
): Promise<void> {
  st.generating = job;
  const gens: ReplyGenerator[] = [];
  const rows: Record<'base' | 'tuned', GenerationRow[]> = { base: [], tuned: [] };
  let withReference = 0;
  try {
    const run = idleRun();
    const model = st.loaded!.model;
    const e = await needEngine();
    const tok = model.tok.tokenizer;
    const template = chatTemplateFor(tok, run.template, run.date);
    const limit = model.config.maxPositions;
    const prompts = items.map((it) => promptIds(tok, template, it.messages));
    const longest = Math.max(
      0,
      ...prompts.map((p) => p.length).filter((n) => n + sampling.maxNewTokens <= limit),
    );
    const maxContext = Math.min(limit, longest + sampling.maxNewTokens + 1);
    const adapter = await adapterOf(run, which);
    gens.push(await e.generator(model, null, maxContext));
    gens.push(await e.generator(model, adapter, maxContext));
    const stop = () => st.generating !== job;
    for (let i = 0; i < items.length && !stop(); i++) {
      const { line, reference } = items[i];
      const prompt = prompts[i];
      if (prompt.length + sampling.maxNewTokens > limit) {
        send({
          kind: 'set-row-skipped',
          job,
          line,
          reason: `the prompt (${prompt.length} tokens) + ${sampling.maxNewTokens} new tokens exceed the model's ${limit}-token context`,
        });
        continue;
      }
      const answers: SetAnswer[] = [];
      for (const [k, name] of (['base', 'tuned'] as const).entries()) {
        const r = await gens[k].reply({
          prompt,
          sampling,
          onText: (text) => send({ kind: 'set-row', job, line, which: name, text, answer: null }),
          shouldStop: stop,
        });
        if (r.finish === 'aborted') break;
        const answer: SetAnswer = {
          text: r.text,
          stopped: r.stopped,
          tokens: r.tokens.length,
          rougeL: reference === null ? null : rougeL(r.text, reference),
        };
        answers.push(answer);
        send({ kind: 'set-row', job, line, which: name, text: r.text, answer });
      }
      if (answers.length < 2) break; // cancelled mid-row: the row does not count
      if (reference !== null) withReference++;
      answers.forEach((a, k) =>
        rows[k === 0 ? 'base' : 'tuned'].push({
          reference: reference ?? '',
          text: a.text,
          stopped: a.stopped,
          tokens: a.tokens,
        }),
      );
    }
    const cancelled = stop();
    const n = rows.base.length;
    send({
      kind: 'set-done',
      job,
      cancelled,
      summary: {
        examples: n,
        withReference,
        base: summarizeGenerations(rows.base),
        tuned: summarizeGenerations(rows.tuned),
      },
      message: `${cancelled ? 'Cancelled: ' : ''}${n} of ${items.length} prompts answered by both models (${which === 'best' ? 'best eval-loss' : 'last'} adapter).`,
    });
  } catch (err) {
    send({ kind: 'set-failed', job, failure: toFailure(err) });
  } finally {
    for (const g of gens) g.destroy();
    if (st.generating === job) st.generating = 0;
  }
}
