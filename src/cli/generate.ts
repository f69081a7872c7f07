// `sft-studio generate --model DIR [--adapter ODIR] --prompt TEXT [--max-new-tokens N]
//  [--temperature T] [--top-p P] [--seed S] [--template NAME] [--raw]`: the prompt as one user turn
// through the chat template's generation prompt (or as raw text), the reply streamed to stdout,
// stopping at EOS or an end-of-turn token (the engine's one list), with the studio's sampling
// defaults.
import { kDefaultSampling, promptIds } from '../engine/index.ts';
import { kAdapterFlag, kHelpFlag, kModelFlag, kTemplateFlag } from './flags.ts';
import { parseFlags, usage, type FlagSpec } from './args.ts';
import { nodeEngine } from './device.ts';
import { openModel, readAdapterDir, templateFor } from './train-io.ts';

const s0 = kDefaultSampling;

const kSpec = {
  model: kModelFlag,
  adapter: kAdapterFlag,
  prompt: { type: 'string', required: true, metavar: 'TEXT', help: 'the user message' },
  'max-new-tokens': {
    type: 'int',
    metavar: 'N',
    help: `at most N new tokens (default ${s0.maxNewTokens})`,
  },
  temperature: { type: 'number', metavar: 'T', help: '0 = greedy (default), else sampling' },
  'top-p': { type: 'number', metavar: 'P', help: `nucleus sampling mass (default ${s0.topP})` },
  seed: { type: 'int', metavar: 'S', help: `sampling seed (default ${s0.seed})` },
  template: kTemplateFlag,
  raw: { type: 'boolean', help: 'feed the prompt as raw text, without the chat template' },
  help: kHelpFlag,
} satisfies FlagSpec;

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(usage('generate', 'Generate a reply with a model (and adapter).', kSpec));
    return 0;
  }
  const { flags: f } = parseFlags('generate', kSpec, argv);
  const src = openModel(f.model!);
  const engine = await nodeEngine();
  const model = await engine.loadModel(src);
  const tok = model.tok.tokenizer;
  let template = null;
  if (!f.raw) {
    try {
      template = templateFor(tok, f.template);
    } catch (e) {
      // No usable template (a base model without one): raw text, and say so.
      if (f.template !== undefined) throw e;
      process.stderr.write(`no chat template (${(e as Error).message}): the prompt is raw text\n`);
    }
  }
  const adapter = f.adapter ? await readAdapterDir(f.adapter, model.config) : null;
  let printed = '';
  const r = await engine.generate(model, adapter, {
    prompt: promptIds(tok, template, f.prompt!),
    sampling: {
      maxNewTokens: f['max-new-tokens'] ?? s0.maxNewTokens,
      temperature: f.temperature ?? s0.temperature,
      topP: f['top-p'] ?? s0.topP,
      seed: f.seed ?? s0.seed,
    },
    onText: (text) => {
      process.stdout.write(text.slice(printed.length));
      printed = text;
    },
  });
  process.stdout.write('\n');
  process.stderr.write(`[${r.tokens.length} tokens, ${r.finish}]\n`);
  model.destroy();
  return 0;
}
