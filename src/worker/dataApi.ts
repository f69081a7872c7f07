// The worker's one seam onto src/data: parser, tokenizer loading, template resolution and
// tokenization. Kept in one file so that the rest of the worker does not depend on the exact
// signatures in src/data.
import { tokenizeExample } from '../data/masking.ts';
import { createJsonlParser, type JsonlParser } from '../data/jsonl.ts';
import { resolveTemplate, type ChatTemplate } from '../data/templates.ts';
import { loadTokenizer, type Tokenizer } from '../data/tokenizer.ts';
import type { Example, TokenizedExample } from '../data/types.ts';
import type { PreviewSettings, TemplateInfo, TokenizerInfo, TokenizerSource } from './protocol.ts';

export type Parser = JsonlParser;

export interface LoadedTokenizer {
  info: TokenizerInfo;
  decode(ids: number[]): string;
  tokenizer: Tokenizer;
}

export interface Renderer {
  info: TemplateInfo;
  tokenize(example: Example, settings: PreviewSettings): TokenizedExample;
}

export function createParser(): Parser {
  return createJsonlParser();
}

/** End-of-turn and other structural tokens worth showing next to the tokenizer's name. */
const kTurnTokens = ['<|im_end|>', '<|eot_id|>', '<|end_of_text|>', '</s>', '<|endoftext|>'];

function folderOf(file: File): string {
  const path = file.webkitRelativePath;
  return path && path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : 'local files';
}

export async function loadTokenizerFrom(source: TokenizerSource): Promise<LoadedTokenizer> {
  const tokenizer =
    source.kind === 'hub'
      ? await loadTokenizer(source)
      : await loadTokenizer({
          kind: 'files',
          tokenizerJson: await source.tokenizerJson.text(),
          tokenizerConfig: await source.tokenizerConfig.text(),
          name: folderOf(source.tokenizerJson),
        });
  const specials = new Set<string>();
  if (tokenizer.bosToken) specials.add(tokenizer.bosToken);
  if (tokenizer.eosToken) specials.add(tokenizer.eosToken);
  for (const t of kTurnTokens) if (tokenizer.addedTokens.includes(t)) specials.add(t);
  return {
    tokenizer,
    decode: (ids) => tokenizer.decode(ids),
    info: {
      name: tokenizer.name,
      vocabSize: tokenizer.vocabSize,
      hasChatTemplate: tokenizer.chatTemplate !== null,
      specialTokens: [...specials],
    },
  };
}

function overrideOf(settings: PreviewSettings): string | undefined {
  const t = settings.template;
  if (t.kind === 'model') return undefined;
  if (t.kind === 'builtin') return t.name;
  if (!t.source.trim()) throw new Error('the custom template is empty: type a Jinja template');
  if (!t.source.includes('{{') && !t.source.includes('{%')) {
    throw new Error('a custom template must be Jinja (with {{ … }} or {% … %})');
  }
  return t.source;
}

export function makeRenderer(loaded: LoadedTokenizer, settings: PreviewSettings): Renderer {
  const template: ChatTemplate = resolveTemplate(loaded.tokenizer, {
    override: overrideOf(settings),
    date: settings.date,
  });
  return {
    info: {
      name: template.name,
      source: template.source,
      usesDate: template.usesDate,
      dateString: template.dateString,
    },
    tokenize: (example, s) => tokenize(loaded.tokenizer, template, example, s),
  };
}

function tokenize(
  tokenizer: Tokenizer,
  template: ChatTemplate,
  example: Example,
  settings: PreviewSettings,
): TokenizedExample {
  return tokenizeExample(tokenizer, template, example, { maxLength: settings.maxLength });
}
