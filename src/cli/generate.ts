// `sft-studio generate --model DIR [--adapter ODIR] --prompt TEXT [--max-new-tokens N]
//  [--temperature T]`: the prompt as one user turn through the chat template's generation prompt
// (or as raw text when the tokenizer has no template), the reply streamed to stdout.
import { loadDeviceModel } from '../model/layers/load.ts';
import { resolveTemplate } from '../data/index.ts';
import { createGenerator } from '../train/generate.ts';
import { parseFlags, usage, type FlagSpec } from './args.ts';
import { nodeContext } from './device.ts';
import { openModel, openTokenizer, readAdapterDir, stopTokens } from './train-io.ts';

const kSpec = {
  model: {
    type: 'string',
    required: true,
    metavar: 'DIR|HUB_ID',
    help: 'base model folder or Hub id',
  },
  adapter: { type: 'string', metavar: 'ODIR', help: 'PEFT LoRA adapter folder (default: none)' },
  prompt: { type: 'string', required: true, metavar: 'TEXT', help: 'the user message' },
  'max-new-tokens': { type: 'int', metavar: 'N', help: 'at most N new tokens (default 128)' },
  temperature: { type: 'number', metavar: 'T', help: '0 = greedy (default), else sampling' },
  'top-p': { type: 'number', metavar: 'P', help: 'nucleus sampling mass (default 1)' },
  seed: { type: 'int', metavar: 'S', help: 'sampling seed (default 0)' },
  raw: { type: 'boolean', help: 'feed the prompt as raw text, without the chat template' },
  help: { type: 'boolean', help: 'show this help' },
} satisfies FlagSpec;

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(usage('generate', 'Generate a reply with a model (and adapter).', kSpec));
    return 0;
  }
  const { flags: f } = parseFlags('generate', kSpec, argv);
  const src = openModel(f.model!);
  const tok = await openTokenizer(src);
  let text = f.prompt!;
  if (!f.raw) {
    try {
      const template = resolveTemplate(tok, {});
      text = template.render([{ role: 'user', content: text }], { addGenerationPrompt: true });
    } catch {
      // No usable template: raw text.
    }
  }
  const ids = tok.encode(text);
  if (tok.addsBos && tok.bosId !== null && ids[0] !== tok.bosId) ids.unshift(tok.bosId);
  const ctx = await nodeContext();
  const model = await loadDeviceModel(ctx, src);
  const adapter = f.adapter ? await readAdapterDir(f.adapter, model.config) : null;
  const maxNew = f['max-new-tokens'] ?? 128;
  const gen = await createGenerator(ctx, {
    model,
    adapter,
    maxContext: ids.length + maxNew + 1,
  });
  const out: number[] = [];
  let printed = '';
  const stops = new Set(stopTokens(tok));
  const r = await gen.generate(ids, {
    maxNewTokens: maxNew,
    temperature: f.temperature ?? 0,
    topP: f['top-p'] ?? 1,
    seed: f.seed ?? 0,
    stopTokenIds: [...stops],
    onToken: (id) => {
      if (stops.has(id)) return;
      out.push(id);
      const s = tok.decode(out, { skipSpecialTokens: true });
      process.stdout.write(s.slice(printed.length));
      printed = s;
    },
  });
  process.stdout.write('\n');
  process.stderr.write(`[${r.tokens.length} tokens, ${r.finish}]\n`);
  gen.destroy();
  model.destroy();
  return 0;
}
