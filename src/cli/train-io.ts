// What the CLI's commands share on the Node side: the model source (folder or Hub id, with download
// progress), the dataset (`--data` of any source, data-source.ts) tokenized exactly as the studio's
// preview does (src/data's prepareDataset rules, on worker threads for big sets:
// tokenize-threads.ts; bad rows and excluded rows reported with their row numbers), and adapter
// folders read from disk.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  preparedFromOutcomes,
  type ReadExamplesResult,
  resolveTemplate,
  type ChatTemplate,
  type PreparedDataset,
  type Tokenizer,
} from '../data/index.ts';
import {
  readAdapter,
  type LoraWeights,
  type ModelConfig,
  type ModelSource,
} from '../engine/index.ts';
import { UsageError } from './args.ts';
import { readDataSource, type DataFlags } from './data-source.ts';
import { resolveModelSource } from './model-source.ts';
import { tokenizeOutcomes, type TokenizerWithFiles } from './tokenize-threads.ts';

export function openModel(spec: string): ModelSource {
  let last = -1;
  return resolveModelSource(spec, {
    onProgress: (p) => {
      const pct = p.total ? Math.floor((100 * p.loaded) / p.total) : -1;
      if (pct !== last && pct % 10 === 0) {
        last = pct;
        process.stderr.write(`downloading ${p.file}: ${pct}%\n`);
      }
    },
  });
}

export interface LoadedData extends PreparedDataset {
  parse: ReadExamplesResult;
  template: ChatTemplate;
}

/** `--template` as the chat template for this tokenizer: the model's own by default, a built-in,
 * one of the tokenizer's named templates, or Jinja source (the resolver the studio uses too). */
export function templateFor(tok: Tokenizer, flag: string | undefined): ChatTemplate {
  return resolveTemplate(tok, flag ? { override: flag } : {});
}

/** Reads and tokenizes `--data` (any source); bad rows and excluded rows are reported on stderr
 * with their row numbers, as `preview` reports them. Given the tokenizer's files (a loaded
 * model's `tok`), a big set is tokenized on worker threads. */
export async function loadDataset(
  flags: DataFlags,
  command: string,
  tok: Tokenizer | TokenizerWithFiles,
  template: ChatTemplate,
  maxLength: number,
  quiet = false,
): Promise<LoadedData> {
  const parse = await readDataSource(flags, command, quiet);
  const file = flags.data!;
  const say = (s: string) => {
    if (!quiet) process.stderr.write(`${s}\n`);
  };
  for (const e of parse.errors.slice(0, 10)) {
    say(`${file}:${e.line}: ${e.field ? `${e.field}: ` : ''}${e.message}`);
  }
  if (parse.errors.length > 10) say(`... and ${parse.errors.length - 10} more bad rows`);
  const outcomes = await tokenizeOutcomes(tok, template, parse.examples, { maxLength, quiet });
  const prepared = preparedFromOutcomes(outcomes, maxLength);
  for (const x of prepared.excluded.slice(0, 10)) say(`${file}:${x.line}: excluded: ${x.reason}`);
  if (prepared.excluded.length > 10)
    say(`... and ${prepared.excluded.length - 10} more excluded rows`);
  return { ...prepared, parse, template };
}

export async function readAdapterDir(dir: string, config: ModelConfig): Promise<LoraWeights> {
  const st = join(dir, 'adapter_model.safetensors');
  const cj = join(dir, 'adapter_config.json');
  if (!existsSync(st) || !existsSync(cj)) {
    throw new UsageError(
      `--adapter ${dir}: expected adapter_model.safetensors and adapter_config.json`,
    );
  }
  return readAdapter(config, {
    safetensors: new Uint8Array(await readFile(st)),
    config: await readFile(cj, 'utf8'),
  });
}
