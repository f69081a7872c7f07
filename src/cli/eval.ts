// `sft-studio eval --model DIR [--adapter ODIR] --data FILE [--max-length L] --json`
// Next-token cross-entropy summed over every trained label token of the dataset (no packing),
// divided by their count. With --json prints exactly {"loss": L, "tokens": T}.
import { loadDeviceModel } from '../model/layers/load.ts';
import { evaluateExamples } from '../train/evaluate.ts';
import { parseFlags, usage, type FlagSpec } from './args.ts';
import { nodeContext } from './device.ts';
import { loadDataset, openModel, openTokenizer, readAdapterDir } from './train-io.ts';

const kSpec = {
  model: {
    type: 'string',
    required: true,
    metavar: 'DIR|HUB_ID',
    help: 'base model folder or Hub id',
  },
  adapter: { type: 'string', metavar: 'ODIR', help: 'PEFT LoRA adapter folder (default: none)' },
  data: { type: 'string', required: true, metavar: 'FILE', help: 'JSONL dataset' },
  'max-length': { type: 'int', metavar: 'L', help: 'truncate examples to L tokens (default 2048)' },
  json: { type: 'boolean', help: 'print {"loss": L, "tokens": T} only' },
  help: { type: 'boolean', help: 'show this help' },
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
  const tok = await openTokenizer(src);
  const maxLength = f['max-length'] ?? 2048;
  const data = await loadDataset(f.data!, tok, maxLength, f.json);
  const ctx = await nodeContext();
  const model = await loadDeviceModel(ctx, src);
  const adapter = f.adapter ? await readAdapterDir(f.adapter, model.config) : null;
  const r = await evaluateExamples(ctx, { model, adapter, examples: data.examples, maxLength });
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
