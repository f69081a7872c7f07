// Generation for both hosts: the prompt rendered by the chat template (its generation prompt, never
// a double BOS), the stop tokens (EOS and every end-of-turn token the tokenizer knows, defined once
// here), greedy or seeded sampling, the reply streamed as text, and the base and tuned models side
// by side with the same settings and seed.
import { TextStreamer, type ChatTemplate, type Message, type Tokenizer } from '../data/index.ts';
import type { GpuContext } from '../gpu/context.ts';
import type { DecodeLora } from '../model/decode.ts';
import type { LoraWeights } from '../model/lora.ts';
import { createGenerator, type Generator } from '../train/generate.ts';
import type { LoadedModel } from './models.ts';
import type { Sampling } from './sampling.ts';

export { kDefaultSampling, type Sampling } from './sampling.ts';

/** End-of-turn tokens of the families the studio supports (those the tokenizer has count). */
const kEndOfTurn = [
  '<|im_end|>',
  '<|eot_id|>',
  '<|eom_id|>',
  '<|end_of_text|>',
  '<|endoftext|>',
  '</s>',
];

/** Token ids that end a reply: the tokenizer's EOS, end-of-turn tokens, the config's EOS ids. */
export function stopTokenIds(tok: Tokenizer, configEos: readonly number[] = []): number[] {
  const ids = new Set<number>(configEos);
  if (tok.eosId !== null) ids.add(tok.eosId);
  for (const t of kEndOfTurn) {
    const id = tok.tokenToId(t);
    if (id !== undefined) ids.add(id);
  }
  return [...ids];
}

/**
 * Prompt token ids: the conversation through the chat template with its generation prompt (or
 * the raw text when `template` is null), with BOS prepended only when the tokenizer adds one and
 * the template did not render it (never a double BOS).
 */
export function promptIds(
  tok: Tokenizer,
  template: ChatTemplate | null,
  prompt: string | readonly Message[],
): number[] {
  const messages =
    typeof prompt === 'string' ? [{ role: 'user' as const, content: prompt }] : prompt;
  const text =
    template === null
      ? messages.map((m) => m.content).join('\n')
      : template.render(messages, { addGenerationPrompt: true });
  const ids = tok.encode(text);
  if (tok.addsBos && tok.bosId !== null && ids[0] !== tok.bosId) ids.unshift(tok.bosId);
  return ids;
}

export interface GenerationResult {
  /** New token ids, without the stop token. */
  tokens: number[];
  text: string;
  /** True when the model ended its reply itself (EOS or end of turn), false at the token limit. */
  stopped: boolean;
  finish: 'stop' | 'length' | 'aborted';
}

export type AdapterInput = LoraWeights | DecodeLora | null;

export interface GenerateArgs {
  prompt: number[];
  sampling: Sampling;
  /** Called with the reply so far, as text, after each token: complete characters only (a
   * character split over tokens, an emoji or a Vietnamese letter under byte fallback, is held back
   * until its last token arrives, never shown as U+FFFD). */
  onText?: (text: string) => void;
  shouldStop?: () => boolean;
}

async function runOne(
  gen: Generator,
  model: LoadedModel,
  a: GenerateArgs & { useAdapter: boolean },
): Promise<GenerationResult> {
  const tok = model.tok.tokenizer;
  const stops = new Set(stopTokenIds(tok, model.config.eosTokenIds));
  const out: number[] = [];
  const streamer = new TextStreamer((ids) => tok.decode(ids, { skipSpecialTokens: true }));
  let text = '';
  const r = await gen.generate(a.prompt, {
    maxNewTokens: a.sampling.maxNewTokens,
    temperature: a.sampling.temperature,
    topP: a.sampling.topP,
    seed: a.sampling.seed,
    stopTokenIds: [...stops],
    adapter: a.useAdapter,
    shouldStop: a.shouldStop,
    onToken: (id) => {
      if (stops.has(id)) return;
      out.push(id);
      const piece = streamer.push(id);
      if (piece) {
        text += piece;
        a.onText?.(text);
      }
    },
  });
  const rest = streamer.flush();
  if (rest) a.onText?.((text += rest));
  return {
    tokens: out,
    text: tok.decode(out, { skipSpecialTokens: true }),
    stopped: r.finish === 'stop',
    finish: r.finish,
  };
}

function maxContext(model: LoadedModel, prompt: number[], s: Sampling): number {
  return Math.min(model.config.maxPositions, prompt.length + s.maxNewTokens + 1);
}

/** A reusable generator: one KV cache and one set of ops for many prompts (compare, eval sets). */
export interface ReplyGenerator {
  reply(a: GenerateArgs): Promise<GenerationResult>;
  destroy(): void;
}

/** A generator for prompts plus replies of up to `maxContext` tokens, base model or adapter. */
export async function openGenerator(
  ctx: GpuContext,
  model: LoadedModel,
  adapter: AdapterInput,
  maxContext: number,
): Promise<ReplyGenerator> {
  const gen = await createGenerator(ctx, {
    model: model.device,
    adapter,
    maxContext: Math.min(model.config.maxPositions, maxContext),
  });
  return {
    reply: (a) => {
      if (a.prompt.length === 0) throw new Error('generate: the prompt is empty');
      return runOne(gen, model, { ...a, useAdapter: adapter !== null });
    },
    destroy: () => gen.destroy(),
  };
}

/** One reply, from the base model (adapter null) or with an adapter. */
export async function generate(
  ctx: GpuContext,
  model: LoadedModel,
  adapter: AdapterInput,
  a: GenerateArgs,
): Promise<GenerationResult> {
  const gen = await openGenerator(ctx, model, adapter, maxContext(model, a.prompt, a.sampling));
  try {
    return await gen.reply(a);
  } finally {
    gen.destroy();
  }
}

/** The base model's and the tuned model's replies to one prompt, streamed, interleaved. */
export async function generateSideBySide(
  ctx: GpuContext,
  model: LoadedModel,
  adapter: LoraWeights | DecodeLora,
  a: Omit<GenerateArgs, 'onText'> & { onText?: (which: 'base' | 'tuned', text: string) => void },
): Promise<{ base: GenerationResult; tuned: GenerationResult }> {
  const mc = maxContext(model, a.prompt, a.sampling);
  const gens: Generator[] = [];
  try {
    gens.push(await createGenerator(ctx, { model: model.device, adapter: null, maxContext: mc }));
    gens.push(await createGenerator(ctx, { model: model.device, adapter, maxContext: mc }));
    const [base, tuned] = await Promise.all(
      (['base', 'tuned'] as const).map((which, i) =>
        runOne(gens[i], model, {
          ...a,
          useAdapter: which === 'tuned',
          onText: (t) => a.onText?.(which, t),
        }),
      ),
    );
    return { base, tuned };
  } finally {
    for (const g of gens) g.destroy();
  }
}
