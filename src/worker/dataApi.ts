// The dataset worker's seam onto src/data: tokenizer loading (Hub, local files, or the loaded
// model's own files), the chat template for the user's choice, and tokenization, in one file so
// the rest of the worker does not depend on the exact signatures in src/data.
import {
  chatTemplateFor,
  loadTokenizer,
  prepareExample,
  tokenizationFingerprint,
  tokenizerFingerprint,
  tokenizerFromFiles,
  type ChatTemplate,
  type Example,
  type TokenizedExample,
  type Tokenizer,
} from '../data/index.ts';
import type { PreviewSettings, TemplateInfo, TokenizerInfo, TokenizerSource } from './protocol.ts';

export interface LoadedTokenizer {
  info: TokenizerInfo;
  tokenizer: Tokenizer;
  /** Which tokenizer (its files' fingerprint); null when the files' text is not at hand (Hub). */
  fingerprint: string | null;
}

export interface Renderer {
  info: TemplateInfo;
  /** The tokenization's fingerprint (null when the tokenizer has none). */
  fingerprint: string | null;
  tokenize(example: Example): { example: TokenizedExample } | { line: number; error: string };
}

/** End-of-turn and other structural tokens worth showing next to the tokenizer's name. */
const kTurnTokens = ['<|im_end|>', '<|eot_id|>', '<|end_of_text|>', '</s>', '<|endoftext|>'];

function folderOf(file: File): string {
  const path = file.webkitRelativePath;
  return path && path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : 'local files';
}

async function open(source: TokenizerSource): Promise<{ tok: Tokenizer; fp: string | null }> {
  if (source.kind === 'hub') return { tok: await loadTokenizer(source), fp: null };
  if (source.kind === 'model') {
    return {
      tok: tokenizerFromFiles(source.json, source.config, source.name),
      fp: source.fingerprint,
    };
  }
  const json = await source.tokenizerJson.text();
  const config = await source.tokenizerConfig.text();
  return {
    tok: tokenizerFromFiles(json, config, folderOf(source.tokenizerJson)),
    fp: tokenizerFingerprint(json, config),
  };
}

export async function loadTokenizerFrom(source: TokenizerSource): Promise<LoadedTokenizer> {
  const { tok, fp } = await open(source);
  const specials = new Set<string>();
  if (tok.bosToken) specials.add(tok.bosToken);
  if (tok.eosToken) specials.add(tok.eosToken);
  for (const t of kTurnTokens) if (tok.addedTokens.includes(t)) specials.add(t);
  return {
    tokenizer: tok,
    fingerprint: fp,
    info: {
      name: tok.name,
      vocabSize: tok.vocabSize,
      hasChatTemplate: tok.chatTemplate !== null,
      specialTokens: [...specials],
      fromModel: source.kind === 'model',
    },
  };
}

export function makeRenderer(loaded: LoadedTokenizer, settings: PreviewSettings): Renderer {
  const template: ChatTemplate = chatTemplateFor(
    loaded.tokenizer,
    settings.template,
    settings.date,
  );
  return {
    info: {
      name: template.name,
      source: template.source,
      usesDate: template.usesDate,
      dateString: template.dateString,
    },
    fingerprint:
      loaded.fingerprint === null
        ? null
        : tokenizationFingerprint({
            tokenizer: loaded.fingerprint,
            template: settings.template,
            date: settings.date,
            maxLength: settings.maxLength,
          }),
    tokenize: (example) => prepareExample(loaded.tokenizer, template, example, settings.maxLength),
  };
}
