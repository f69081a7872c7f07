// `sft-studio compare --model DIR|HUB_ID [--adapter ODIR] --data SOURCE [--limit K]
//  [--max-new-tokens N] [--temperature T] [--top-p P] [--seed S] [--max-length L] [--template NAME]
//  [--json]` (+ --subset, --split, --columns as for preview)
//
// The base model (and the tuned one, with --adapter) answer each example of a dataset: the prompt is
// the conversation up to its last assistant turn plus the template's generation prompt (default
// template variables), the reference is that turn. Greedy by default, the same sampling settings and
// seed for both, and the same generation path as `generate` (so a greedy answer here equals
// `generate`'s for the same prompt). Metrics (src/data/metrics.ts): sacreBLEU corpus BLEU (0-100),
// ROUGE-L F1, exact match, stop rate, mean length in generated tokens. With --json: one object per
// example, {"line", "reference", "base", "tuned", "base_stopped", "tuned_stopped", "rougeL": {...}}
// (tuned fields only with --adapter), then {"summary": {...}}.
import {
  promptAndReference,
  resolveTemplate,
  rougeL,
  summarizeGenerations,
  summaryByModel,
  type GenerationRow,
} from '../data/index.ts';
import {
  kDefaultSampling,
  kDefaultSettings,
  promptIds,
  type GenerationResult,
  type ReplyGenerator,
} from '../engine/index.ts';
import { kHelpFlag, kModelFlag, kTemplateFlag } from './flags.ts';
import { parseFlags, usage, UsageError, type FlagSpec } from './args.ts';
import { kDataFlags, kDataHelp, readDataSource } from './data-source.ts';
import { nodeEngine } from './device.ts';
import { openModel, readAdapterDir } from './train-io.ts';

const s0 = kDefaultSampling;
const { limit: _rows, ...kSourceFlags } = kDataFlags;

const kSpec = {
  model: kModelFlag,
  adapter: {
    type: 'string',
    metavar: 'ODIR',
    help: 'PEFT LoRA adapter folder: also the tuned model',
  },
  data: { type: 'string', required: true, metavar: 'SOURCE', help: kDataHelp },
  ...kSourceFlags,
  limit: { type: 'int', metavar: 'K', help: 'the first K valid examples with an assistant turn' },
  'max-new-tokens': {
    type: 'int',
    metavar: 'N',
    help: `new tokens per answer (default ${s0.maxNewTokens})`,
  },
  temperature: { type: 'number', metavar: 'T', help: '0 = greedy (default), else sampling' },
  'top-p': { type: 'number', metavar: 'P', help: `nucleus sampling mass (default ${s0.topP})` },
  seed: { type: 'int', metavar: 'S', help: `sampling seed (default ${s0.seed})` },
  'max-length': {
    type: 'int',
    metavar: 'L',
    help: `prompt + answer tokens at most (default ${kDefaultSettings.maxLength})`,
  },
  template: kTemplateFlag,
  json: { type: 'boolean', help: 'JSON lines: one per example, then a summary' },
  help: kHelpFlag,
} satisfies FlagSpec;

const round = (x: number) => Number(x.toFixed(6));

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(
      usage('compare', 'Base vs tuned answers on a dataset, with BLEU, ROUGE-L and more.', kSpec),
    );
    return 0;
  }
  const { flags: f } = parseFlags('compare', kSpec, argv);
  if (f.limit !== undefined && f.limit < 1)
    throw new UsageError('compare: --limit must be at least 1');
  const sampling = {
    maxNewTokens: f['max-new-tokens'] ?? s0.maxNewTokens,
    temperature: f.temperature ?? s0.temperature,
    topP: f['top-p'] ?? s0.topP,
    seed: f.seed ?? s0.seed,
  };
  const maxLength = f['max-length'] ?? kDefaultSettings.maxLength;
  const parse = await readDataSource({ ...f, limit: undefined }, 'compare', f.json);
  const engine = await nodeEngine();
  const model = await engine.loadModel(openModel(f.model!));
  const tok = model.tok.tokenizer;
  const template = resolveTemplate(tok, f.template ? { override: f.template } : {});
  const adapter = f.adapter ? await readAdapterDir(f.adapter, model.config) : null;
  const items = parse.examples
    .map(promptAndReference)
    .filter((x) => x !== null)
    .slice(0, f.limit ?? Infinity);
  const models: [name: 'base' | 'tuned', gen: ReplyGenerator][] = [
    ['base', await engine.generator(model, null, maxLength)],
  ];
  if (adapter) models.push(['tuned', await engine.generator(model, adapter, maxLength)]);
  const rows: Record<string, GenerationRow[]> = { base: [], tuned: [] };
  const errors: string[] = parse.errors.map((e) =>
    JSON.stringify({ line: e.line, error: e.field ? `${e.field}: ${e.message}` : e.message }),
  );
  try {
    for (const item of items) {
      const prompt = promptIds(tok, template, item.messages);
      if (prompt.length + sampling.maxNewTokens > maxLength) {
        errors.push(
          JSON.stringify({
            line: item.line,
            error: `the prompt (${prompt.length} tokens) + ${sampling.maxNewTokens} new tokens exceed --max-length ${maxLength}`,
          }),
        );
        continue;
      }
      const out: Record<string, unknown> = { line: item.line, reference: item.reference };
      const scores: Record<string, number> = {};
      for (const [name, gen] of models) {
        const r: GenerationResult = await gen.reply({ prompt, sampling });
        out[name] = r.text;
        out[`${name}_stopped`] = r.stopped;
        scores[name] = round(rougeL(r.text, item.reference));
        rows[name].push({
          reference: item.reference,
          text: r.text,
          stopped: r.stopped,
          tokens: r.tokens.length,
        });
      }
      out.rougeL = scores;
      if (f.json) console.log(JSON.stringify(out));
      else {
        console.log(`-- line ${item.line}\nreference: ${item.reference}`);
        for (const [name] of models) {
          const stop = out[`${name}_stopped`] ? '' : ' [hit the token limit]';
          console.log(`${name}: ${String(out[name])}${stop}  (ROUGE-L ${scores[name]})`);
        }
      }
    }
  } finally {
    for (const [, gen] of models) gen.destroy();
    model.destroy();
  }
  const summaries = Object.fromEntries(
    models.map(([name]) => [name, summarizeGenerations(rows[name])]),
  );
  const summary = summaryByModel(summaries);
  if (errors.length) process.stderr.write(`${errors.join('\n')}\n`);
  if (f.json) console.log(JSON.stringify({ summary }));
  else {
    console.log(`\n${summary.examples} examples`);
    for (const [name] of models) {
      console.log(
        `${name}: BLEU ${summary.bleu[name].toFixed(2)}, ROUGE-L ${summary.rougeL[name].toFixed(4)}, ` +
          `exact ${summary.exact[name].toFixed(3)}, stopped ${summary.stopped[name].toFixed(3)}, ` +
          `mean length ${summary.mean_length[name].toFixed(1)} tokens`,
      );
    }
  }
  return items.length > 0 ? 0 : 1;
}
