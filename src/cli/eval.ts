// `sft-studio eval --model DIR [--adapter ODIR] --data SOURCE [--template NAME] [--max-length L]
//  [--per-token FILE] [--json]`
// Next-token cross-entropy summed over every trained label token of the dataset (no packing),
// divided by their count. `--per-token FILE` also writes each example's per-token losses
// ({"line": n, "losses": [...]}, as long as its preview input_ids, null at t = 0 and where the
// label is -100), and the printed loss is then their float64 mean. The data is tokenized exactly as `preview` shows it. With --json prints
// exactly {"loss": L, "tokens": T}.
import { kDefaultSettings } from '../engine/index.ts';
import { kDataFlags, kDataHelp } from './data-source.ts';
import { kAdapterFlag, kHelpFlag, kMaxLengthFlag, kModelFlag, kTemplateFlag } from './flags.ts';
import { parseFlags, usage, type FlagSpec } from './args.ts';
import { writeAtomic } from './files.ts';
import { nodeEngine } from './device.ts';
import { loadDataset, openModel, readAdapterDir, templateFor } from './train-io.ts';

const kSpec = {
  model: kModelFlag,
  adapter: kAdapterFlag,
  data: { type: 'string', required: true, metavar: 'SOURCE', help: kDataHelp },
  ...kDataFlags,
  template: kTemplateFlag,
  'max-length': kMaxLengthFlag,
  json: { type: 'boolean', help: 'print {"loss": L, "tokens": T} only' },
  'per-token': {
    type: 'string',
    metavar: 'FILE',
    help: 'also write {"line": n, "losses": [...]} per example (JSONL): loss of each token, null where untrained',
  },
  help: kHelpFlag,
} satisfies FlagSpec;

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(
      usage('eval', 'Mean next-token loss of a model (and adapter) on a dataset.', kSpec),
    );
    return 0;
  }
  const { flags: f } = parseFlags('eval', kSpec, argv);
  const src = openModel(f.model!);
  const engine = await nodeEngine();
  const model = await engine.loadModel(src);
  const maxLength = f['max-length'] ?? kDefaultSettings.maxLength;
  const tok = model.tok.tokenizer;
  const template = templateFor(tok, f.template);
  const data = await loadDataset(f, 'eval', model.tok, template, maxLength, f.json);
  const adapter = f.adapter ? await readAdapterDir(f.adapter, model.config) : null;
  const perTokenFile = f['per-token'];
  const r = await engine.evaluate(model, {
    adapter,
    examples: data.examples,
    maxLength,
    perToken: perTokenFile !== undefined,
  });
  if (perTokenFile !== undefined && r.perToken) {
    writeAtomic(perTokenFile, r.perToken.map((x) => `${JSON.stringify(x)}\n`).join(''));
  }
  if (f.json) console.log(JSON.stringify({ loss: r.loss, tokens: r.tokens }));
  else {
    console.log(
      `loss ${r.loss.toFixed(4)} (perplexity ${Math.exp(r.loss).toFixed(2)}) over ${r.tokens} ` +
        `trained tokens of ${r.examples} examples${adapter ? ` with adapter ${f.adapter}` : ''}`,
    );
  }
  model.destroy();
  return 0;
}
