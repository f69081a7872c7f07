// `sft-studio preview --model DIR|HUB_ID --data SOURCE [--subset S] [--split S] [--limit N]
//  [--columns SPEC] [--template NAME] [--max-length N] [--json]`
//
// Shows exactly what the model will be trained on. Without --json: each example rendered by its
// chat template with the trained parts marked (green on a terminal, [[...]] otherwise), bad lines
// with their line number and field, then the dataset report. With --json: one object per example
// that will train, on stdout: {"line": n, "input_ids": [...], "labels": [...]}; one object per bad
// line (or excluded example) on stderr: {"line": n, "error": "..."}. Exit status 0 when at least
// one example is valid, 1 otherwise, 2 on a usage error.
import { existsSync, statSync } from 'node:fs';
import {
  buildReport,
  isTokenizeFailure,
  kIgnoreIndex,
  type ChatTemplate,
  type DatasetReport,
  type TokenizedExample,
  type Tokenizer,
} from '../data/index.ts';
import { kDefaultSettings, openTokenizer, type ModelTokenizer } from '../engine/index.ts';
import { parseFlags, usage, UsageError, type FlagSpec } from './args.ts';
import { resolveModelSource } from './model-source.ts';
import { kDataFlags, kDataHelp, readDataSource } from './data-source.ts';
import { templateFor } from './train-io.ts';
import { tokenizeOutcomes } from './tokenize-threads.ts';

const kSpec = {
  model: {
    type: 'string',
    required: true,
    metavar: 'DIR|HUB_ID',
    help: 'folder with tokenizer.json + tokenizer_config.json, or a Hub id (HF_ENDPOINT sets the endpoint)',
  },
  data: { type: 'string', required: true, metavar: 'SOURCE', help: kDataHelp },
  ...kDataFlags,
  template: {
    type: 'string',
    metavar: 'NAME',
    help: "chat template: 'tokenizer', chatml, llama3, mistral, a named template, or Jinja source",
  },
  'max-length': {
    type: 'int',
    metavar: 'N',
    help: `truncate examples to N tokens (default ${kDefaultSettings.maxLength})`,
  },
  json: { type: 'boolean', help: 'machine-readable output: JSON lines on stdout and stderr' },
  help: { type: 'boolean', help: 'show this help' },
} satisfies FlagSpec;

/** The model's own tokenizer, from a local folder or a Hub id (only the tokenizer files are read),
 * with its files' text (tokenizing threads build their own copy from it). */
async function openModelTokenizer(model: string): Promise<ModelTokenizer> {
  if (existsSync(model) && statSync(model).isDirectory()) {
    for (const file of ['tokenizer.json', 'tokenizer_config.json']) {
      if (!existsSync(`${model}/${file}`)) throw new UsageError(`preview: ${model} has no ${file}`);
    }
  } else if (model.startsWith('.') || model.startsWith('/') || existsSync(model)) {
    throw new UsageError(
      `preview: --model ${model} is not a folder (expected a folder or a Hub id)`,
    );
  }
  return openTokenizer(resolveModelSource(model));
}

interface Style {
  trained(s: string): string;
  masked(s: string): string;
  heading(s: string): string;
  error(s: string): string;
}

const kAnsi: Style = {
  trained: (s) => `\x1b[1;32m${s}\x1b[0m`,
  masked: (s) => `\x1b[2m${s}\x1b[0m`,
  heading: (s) => `\x1b[1m${s}\x1b[0m`,
  error: (s) => `\x1b[31m${s}\x1b[0m`,
};
const kPlain: Style = {
  trained: (s) => `[[${s}]]`,
  masked: (s) => s,
  heading: (s) => s,
  error: (s) => s,
};

/** The example's text, run by run of trained / masked tokens. */
function renderExample(tok: Tokenizer, ex: TokenizedExample, style: Style): string {
  let out = '';
  let t = 0;
  while (t < ex.inputIds.length) {
    const trained = ex.labels[t] !== kIgnoreIndex;
    let u = t;
    while (u < ex.inputIds.length && (ex.labels[u] !== kIgnoreIndex) === trained) u++;
    const text = tok.decode(ex.inputIds.slice(t, u));
    out += trained ? style.trained(text) : style.masked(text);
    t = u;
  }
  return out;
}

function printReport(r: DatasetReport, template: ChatTemplate, style: Style): void {
  const formats = Object.entries(r.countsByFormat)
    .filter(([, n]) => n > 0)
    .map(([f, n]) => `${f} ${n}`)
    .join(', ');
  const lines = [
    style.heading('== dataset report'),
    `lines: ${r.totalLines} non-blank, ${r.validExamples} valid, ${r.invalidLines} bad`,
    `formats: ${formats || 'none'}${r.mixedFormats ? ' (mixed formats in one file)' : ''}`,
    `turns per example: ${Object.entries(r.turnsHistogram)
      .map(([k, n]) => `${k}:${n}`)
      .join(' ')}`,
    `template: ${template.name}${template.usesDate ? ` (date pinned to ${template.dateString})` : ''}`,
  ];
  if (r.duplicateGroups.length) {
    lines.push(
      `exact duplicates: ${r.duplicateGroups.map((g) => `lines ${g.join('=')}`).join('; ')}`,
    );
  }
  if (r.emptyAnswerLines.length) {
    lines.push(`empty or whitespace-only answers: lines ${r.emptyAnswerLines.join(', ')}`);
  }
  const errs = Object.entries(r.errorsByKind);
  if (errs.length) lines.push(`bad lines by kind: ${errs.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  const t = r.tokens;
  if (t) {
    lines.push(
      `tokens: min ${t.minLength}, mean ${t.meanLength.toFixed(1)}, max ${t.maxSeen}; ` +
        `${t.totalTokens} tokens, ${t.trainedTokens} trained (max length ${t.maxLength})`,
    );
    const peak = Math.max(1, ...t.histogram.map((b) => b.count));
    for (const b of t.histogram) {
      const bar = '#'.repeat(Math.round((30 * b.count) / peak));
      lines.push(
        `  ${`${b.binStart}-${b.binEnd - 1}`.padStart(12)} ${String(b.count).padStart(6)} ${bar}`,
      );
    }
    if (t.overMaxLength) {
      lines.push(
        `over max length: ${t.overMaxLength} (lines ${t.overMaxLengthLines.join(', ')}); ` +
          `truncation loses ${t.truncatedTrainedTokens} trained tokens`,
      );
    }
    for (const e of t.excluded) lines.push(style.error(`excluded line ${e.line}: ${e.reason}`));
  }
  console.log(lines.join('\n'));
}

export async function run(argv: string[]): Promise<number> {
  const summary =
    'Show the tokens a model will be trained on, with the loss mask, and a dataset report.';
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage('preview', summary, kSpec));
    return 0;
  }
  const { flags, positionals } = parseFlags('preview', kSpec, argv);
  if (positionals.length) throw new UsageError(`preview: unexpected argument "${positionals[0]}"`);
  const maxLength = flags['max-length'] ?? kDefaultSettings.maxLength;
  if (maxLength < 1)
    throw new UsageError(`preview: --max-length must be at least 1, got ${maxLength}`);
  const model = flags.model as string;
  const opened = await openModelTokenizer(model);
  const tok = opened.tokenizer;
  const template = templateFor(tok, flags.template);
  const parse = await readDataSource(flags, 'preview', flags.json);
  const outcomes = await tokenizeOutcomes(opened, template, parse.examples, {
    maxLength,
    quiet: flags.json,
  });

  let valid = 0;
  if (flags.json) {
    const out: string[] = [];
    const err: { line: number; error: string }[] = parse.errors.map((e) => ({
      line: e.line,
      error: e.field ? `${e.field}: ${e.message}` : e.message,
    }));
    for (const o of outcomes) {
      if (isTokenizeFailure(o)) err.push({ line: o.line, error: `chat template: ${o.error}` });
      else if (o.excluded !== undefined)
        err.push({ line: o.line, error: `excluded: ${o.excluded}` });
      else {
        valid++;
        out.push(JSON.stringify({ line: o.line, input_ids: o.inputIds, labels: o.labels }));
      }
    }
    // Both streams in row order: bad rows and rows that will not train, interleaved by row.
    err.sort((a, b) => a.line - b.line);
    if (out.length) process.stdout.write(`${out.join('\n')}\n`);
    if (err.length) process.stderr.write(`${err.map((e) => JSON.stringify(e)).join('\n')}\n`);
    return valid > 0 ? 0 : 1;
  }

  const style = process.stdout.isTTY && !process.env.NO_COLOR ? kAnsi : kPlain;
  for (const o of outcomes) {
    if (isTokenizeFailure(o)) {
      console.log(style.error(`-- line ${o.line}: the chat template failed: ${o.error}`));
      continue;
    }
    const trained = o.labels.filter((l) => l !== kIgnoreIndex).length;
    const note = o.excluded !== undefined ? `, EXCLUDED: ${o.excluded}` : '';
    const cut = o.fullLength > o.inputIds.length ? ` (truncated from ${o.fullLength})` : '';
    console.log(
      style.heading(
        `-- line ${o.line}: ${o.inputIds.length} tokens${cut}, ${trained} trained${note}`,
      ),
    );
    console.log(renderExample(tok, o, style));
    if (o.excluded === undefined) valid++;
  }
  for (const e of parse.errors) {
    console.error(style.error(`line ${e.line}: ${e.field ? `${e.field}: ` : ''}${e.message}`));
  }
  printReport(buildReport(parse, { tokens: { maxLength, outcomes } }), template, style);
  return valid > 0 ? 0 : 1;
}
