// Side-by-side generation for the Try step: the base model and the tuned model (the same frozen
// weights plus the trained LoRA) answer one prompt with the same sampling settings and seed.
// Two KV-cache generators (src/train/generate.ts), one without the adapter and one with it, run
// at once, so both answers stream token by token, interleaved.
import type { ChatTemplate } from '../data/templates.ts';
import type { Tokenizer } from '../data/tokenizer.ts';
import type { GpuContext } from '../gpu/context.ts';
import type { DeviceModel } from '../model/layers/load.ts';
import type { LoraWeights } from '../model/lora.ts';
import { createGenerator, type Generator } from '../train/generate.ts';
import type { SamplingSettings } from './engineProtocol.ts';

const kEndOfTurn = ['<|im_end|>', '<|eot_id|>', '<|end_of_text|>', '</s>', '<|endoftext|>'];

export interface GenerateArgs {
  ctx: GpuContext;
  model: DeviceModel;
  tokenizer: Tokenizer;
  template: ChatTemplate;
  lora: LoraWeights;
  prompt: string;
  sampling: SamplingSettings;
  onText: (which: 'base' | 'tuned', text: string) => void;
  /** Checked before each token; true stops both answers. */
  cancelled: () => boolean;
}

function stopIds(tokenizer: Tokenizer): number[] {
  const ids = new Set<number>();
  if (tokenizer.eosId !== null) ids.add(tokenizer.eosId);
  for (const t of kEndOfTurn) {
    const id = tokenizer.tokenToId(t);
    if (id !== undefined) ids.add(id);
  }
  return [...ids];
}

export async function generateSideBySide(a: GenerateArgs): Promise<{ tokens: number }> {
  const { ctx, model, tokenizer, sampling } = a;
  const text = a.template.render([{ role: 'user', content: a.prompt }], {
    addGenerationPrompt: true,
  });
  const promptIds = tokenizer.encode(text);
  const maxContext = Math.min(model.config.maxPositions, promptIds.length + sampling.maxNewTokens);
  const stops = stopIds(tokenizer);
  const gens: Generator[] = [];
  try {
    gens.push(await createGenerator(ctx, { model, adapter: null, maxContext }));
    gens.push(await createGenerator(ctx, { model, adapter: a.lora, maxContext }));
    const runs = (['base', 'tuned'] as const).map(async (which, i) => {
      const out: number[] = [];
      const r = await gens[i].generate(promptIds, {
        maxNewTokens: sampling.maxNewTokens,
        temperature: sampling.temperature,
        topP: sampling.topP,
        seed: sampling.seed,
        stopTokenIds: stops,
        adapter: which === 'tuned',
        shouldStop: a.cancelled,
        onToken: (id) => {
          if (stops.includes(id) || model.config.eosTokenIds.includes(id)) return;
          out.push(id);
          a.onText(which, tokenizer.decode(out, { skipSpecialTokens: true }));
        },
      });
      return r.tokens.length;
    });
    const counts = await Promise.all(runs);
    return { tokens: counts[0] + counts[1] };
  } finally {
    for (const g of gens) g.destroy();
  }
}
