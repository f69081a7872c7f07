// What train / eval / generate share on the Node side: the model source (folder or Hub id, with
// download progress), its tokenizer and chat template, a JSONL file tokenized with loss masks
// (bad lines reported, like `preview`), and adapter folders read from disk.
import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createJsonlParser,
  isTokenizeFailure,
  resolveTemplate,
  tokenizeAll,
  tokenizerFromFiles,
  type ChatTemplate,
  type TokenizedExample,
  type Tokenizer,
} from '../data/index.ts';
import type { ModelConfig } from '../model/config.ts';
import type { LoraWeights } from '../model/lora.ts';
import type { ModelSource } from '../model/source.ts';
import { readText } from '../model/source.ts';
import { loadAdapter } from '../train/adapter.ts';
import { resolveModelSource } from './model-source.ts';

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

export async function openTokenizer(src: ModelSource): Promise<Tokenizer> {
  const json = await readText(src, 'tokenizer.json');
  const config = (await src.exists('tokenizer_config.json'))
    ? await readText(src, 'tokenizer_config.json')
    : '{}';
  return tokenizerFromFiles(json, config, src.name);
}

export interface LoadedData {
  examples: TokenizedExample[];
  badLines: number;
  excluded: number;
  template: ChatTemplate;
}

/** Parses and tokenizes a JSONL file; bad lines and excluded examples are reported on stderr. */
export async function loadDataset(
  file: string,
  tok: Tokenizer,
  maxLength: number,
  quiet = false,
): Promise<LoadedData> {
  if (!existsSync(file)) throw new Error(`--data ${file}: no such file`);
  const parser = createJsonlParser();
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  for await (const chunk of stream) parser.push(chunk as string);
  const parse = parser.end();
  const say = (s: string) => {
    if (!quiet) process.stderr.write(`${s}\n`);
  };
  for (const e of parse.errors.slice(0, 10)) {
    say(`${file}:${e.line}: ${e.field ? `${e.field}: ` : ''}${e.message}`);
  }
  if (parse.errors.length > 10) say(`... and ${parse.errors.length - 10} more bad lines`);
  const template = resolveTemplate(tok, {});
  const outcomes = tokenizeAll(tok, template, parse.examples, { maxLength });
  const examples: TokenizedExample[] = [];
  let excluded = 0;
  for (const o of outcomes) {
    if (isTokenizeFailure(o)) {
      say(`${file}:${o.line}: chat template: ${o.error}`);
      excluded++;
    } else if (!o.labels.some((l, j) => j > 0 && l !== -100)) {
      say(`${file}:${o.line}: no trained token left after truncation to ${maxLength}: excluded`);
      excluded++;
    } else examples.push(o);
  }
  return { examples, badLines: parse.errors.length, excluded, template };
}

export async function readAdapterDir(dir: string, config: ModelConfig): Promise<LoraWeights> {
  const st = join(dir, 'adapter_model.safetensors');
  const cj = join(dir, 'adapter_config.json');
  if (!existsSync(st) || !existsSync(cj)) {
    throw new Error(`--adapter ${dir}: expected adapter_model.safetensors and adapter_config.json`);
  }
  const { weights } = loadAdapter(config, {
    safetensors: new Uint8Array(await readFile(st)),
    config: await readFile(cj, 'utf8'),
  });
  return weights;
}

/** End-of-reply token ids: EOS and the end-of-turn tokens the tokenizer knows. */
export function stopTokens(tok: Tokenizer): number[] {
  const ids = new Set<number>();
  if (tok.eosId !== null) ids.add(tok.eosId);
  for (const t of [
    '<|im_end|>',
    '<|eot_id|>',
    '<|end_of_text|>',
    '<|endoftext|>',
    '</s>',
    '<|eom_id|>',
  ]) {
    const id = tok.tokenToId(t);
    if (id !== undefined) ids.add(id);
  }
  return [...ids];
}
