// `sft-studio lint --data SOURCE [--model DIR|HUB_ID] [--template NAME] [--max-length L]
//  [--near-dup-threshold J] [--json] [--drop KIND,KIND,... --out FILE]` (+ --subset, --split,
//  --limit, --columns as for preview)
//
// Flags the problem examples of a dataset (src/data/lint): duplicate, near_duplicate,
// empty_answer, refusal, language_mismatch, pii, repetition, and with --model special_tokens and
// truncated. With --json, stdout has one object per flagged example, {"line": n, "flags": [{"kind",
// "message", "of"?}]}, then {"summary": {"examples": N, "flagged": K, "by_kind": {...}}}; bad rows
// go to stderr as `preview` writes them. `--drop KIND,... --out FILE` writes the cleaned dataset as
// JSONL in the messages format (text examples as `text`): every example without a flag of those
// kinds. Exit status 0 when at least one example is valid, 1 otherwise, 2 on a usage error.
import {
  kLintKinds,
  lintExamples,
  prepareExample,
  resolveTemplate,
  tokenCounts,
  type Example,
  type LintKind,
  type LintOptions,
  type LintTokenFacts,
} from '../data/index.ts';
import { kDefaultSettings, openTokenizer } from '../engine/index.ts';
import { kHelpFlag } from './flags.ts';
import { parseFlags, usage, UsageError, type FlagSpec } from './args.ts';
import { writeAtomic } from './files.ts';
import { kDataFlags, kDataHelp, readDataSource } from './data-source.ts';
import { resolveModelSource } from './model-source.ts';

const kSpec = {
  data: { type: 'string', required: true, metavar: 'SOURCE', help: kDataHelp },
  ...kDataFlags,
  model: {
    type: 'string',
    metavar: 'DIR|HUB_ID',
    help: "the model's tokenizer: enables the special_tokens and truncated checks",
  },
  template: {
    type: 'string',
    metavar: 'NAME',
    help: "chat template with --model: 'tokenizer' (default), chatml, llama3, mistral, or Jinja",
  },
  'max-length': {
    type: 'int',
    metavar: 'L',
    help: `max length for the truncated check (default ${kDefaultSettings.maxLength})`,
  },
  'near-dup-threshold': {
    type: 'number',
    metavar: 'J',
    help: 'Jaccard similarity of word 5-grams for near_duplicate (default 0.7)',
  },
  json: { type: 'boolean', help: 'JSON lines: one per flagged example, then a summary' },
  drop: {
    type: 'string',
    metavar: 'KIND,...',
    help: 'with --out: leave out examples with these flags',
  },
  out: { type: 'string', metavar: 'FILE', help: 'with --drop: write the cleaned dataset (JSONL)' },
  help: kHelpFlag,
} satisfies FlagSpec;

/** An example as one line of the messages format (text examples as `text`). */
export function exampleJson(ex: Example): string {
  return JSON.stringify(ex.text !== undefined ? { text: ex.text } : { messages: ex.messages });
}

function dropKinds(spec: string | undefined): LintKind[] {
  if (spec === undefined) return [];
  const kinds = spec
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  for (const k of kinds) {
    if (!(kLintKinds as readonly string[]).includes(k)) {
      throw new UsageError(`lint: --drop ${k}: unknown kind (one of ${kLintKinds.join(', ')})`);
    }
  }
  return kinds as LintKind[];
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(usage('lint', 'Flag the problem examples of a dataset before training.', kSpec));
    return 0;
  }
  const { flags: f, positionals } = parseFlags('lint', kSpec, argv);
  if (positionals.length) throw new UsageError(`lint: unexpected argument "${positionals[0]}"`);
  const drop = dropKinds(f.drop);
  if ((f.drop === undefined) !== (f.out === undefined)) {
    throw new UsageError('lint: --drop and --out go together');
  }
  const threshold = f['near-dup-threshold'];
  if (threshold !== undefined && !(threshold > 0 && threshold <= 1)) {
    throw new UsageError(`lint: --near-dup-threshold must be in (0, 1], got ${threshold}`);
  }
  const parse = await readDataSource(f, 'lint', f.json);
  const opts: LintOptions = { nearDuplicateThreshold: threshold };
  if (f.model) {
    const tok = (await openTokenizer(resolveModelSource(f.model))).tokenizer;
    const template = resolveTemplate(tok, f.template ? { override: f.template } : {});
    const maxLength = f['max-length'] ?? kDefaultSettings.maxLength;
    const facts: LintTokenFacts[] = [];
    for (const ex of parse.examples) {
      const r = prepareExample(tok, template, ex, maxLength);
      if (!('error' in r)) facts.push(tokenCounts(r.example));
    }
    const specials = [...tok.addedTokens, tok.bosToken, tok.eosToken].filter(
      (t): t is string => typeof t === 'string' && t.length > 0,
    );
    opts.specialTokens = [...new Set(specials)];
    opts.tokens = { examples: facts, maxLength };
  }
  const result = lintExamples(parse.examples, opts);

  const errLines = parse.errors.map((e) =>
    JSON.stringify({ line: e.line, error: e.field ? `${e.field}: ${e.message}` : e.message }),
  );
  if (f.json) {
    const out = result.flagged.map((x) => JSON.stringify(x));
    out.push(JSON.stringify({ summary: result.summary }));
    process.stdout.write(`${out.join('\n')}\n`);
    if (errLines.length) process.stderr.write(`${errLines.join('\n')}\n`);
  } else {
    for (const x of result.flagged) {
      console.log(`line ${x.line}:`);
      for (const flag of x.flags) {
        const of = flag.of !== undefined ? ` (line ${flag.of})` : '';
        console.log(`  ${flag.kind}${of}: ${flag.message}`);
      }
    }
    for (const e of parse.errors) {
      console.error(`line ${e.line}: ${e.field ? `${e.field}: ` : ''}${e.message}`);
    }
    const s = result.summary;
    const kinds = Object.entries(s.by_kind)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    console.log(
      `${s.examples} valid examples, ${s.flagged} flagged (${kinds}); ${parse.errors.length} bad rows`,
    );
  }
  if (f.out) {
    const dropped = new Set(
      result.flagged.filter((x) => x.flags.some((fl) => drop.includes(fl.kind))).map((x) => x.line),
    );
    const kept = parse.examples.filter((ex) => !dropped.has(ex.line));
    writeAtomic(f.out, kept.map((ex) => `${exampleJson(ex)}\n`).join(''));
    process.stderr.write(
      `wrote ${f.out}: ${kept.length} examples (${dropped.size} dropped for ${drop.join(', ')})\n`,
    );
  }
  return parse.examples.length > 0 ? 0 : 1;
}
