// The tokenizer as GGUF metadata (tokenizer.ggml.*), from tokenizer.json and tokenizer_config.json
// as convert_hf_to_gguf.py writes it:
// - byte-level BPE (Llama 3, Qwen): model "gpt2", tokens in id order padded to the model's vocab
//   with "[PAD{i}]" (UNUSED), token types as get_vocab_base sets them (added special or
//   special-looking tokens CONTROL, other added tokens USER_DEFINED, the rest NORMAL), merges;
// - SentencePiece-style BPE with byte fallback (Llama 2 / Mistral tokenizer.json): model "llama",
//   tokens, types (BYTE for <0xXX>, UNKNOWN, CONTROL) and scores; a merged piece scores minus its
//   merge rank, so llama.cpp's highest-score-first merging applies the merges in HF's rank order;
// - special ids as gguf-py's SpecialVocab finds them (tokenizer_config's `*_token` looked up in the
//   added tokens, else config.json's `*_token_id`), the end-of-turn token of the chat format, the
//   add-BOS flag (tokenizer_config's add_bos_token, else whether the post-processor adds BOS, which
//   is what Hugging Face does), and tokenizer.chat_template.
// The pre-tokenizer name is chosen from what tokenizer.json does, its Split regex, not from a hash
// of a test string: llama.cpp splits text with the regex that name stands for.
import { kTokenType } from './constants.ts';
import type { GgufMetadata } from './writer.ts';

export class UnsupportedTokenizerError extends Error {
  constructor(detail: string) {
    super(`GGUF export: ${detail}`);
    this.name = 'UnsupportedTokenizerError';
  }
}

/** llama.cpp pre-tokenizer names by the Split regex of tokenizer.json (llama-vocab.cpp). */
export const kPreTokenizers: [name: string, regex: string][] = [
  [
    'llama-bpe',
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  ],
  [
    'qwen2',
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  ],
];

type Json = Record<string, unknown>;
interface AddedToken {
  id: number;
  content: string;
  special?: boolean;
  normalized?: boolean;
}

function splitRegexes(pre: unknown): string[] {
  if (!pre || typeof pre !== 'object') return [];
  const p = pre as Json;
  if (p.type === 'Sequence' && Array.isArray(p.pretokenizers))
    return p.pretokenizers.flatMap(splitRegexes);
  const pattern = p.pattern as Json | undefined;
  if (p.type === 'Split' && typeof pattern?.Regex === 'string') return [pattern.Regex];
  return [];
}

/** The llama.cpp pre-tokenizer name for a byte-level BPE tokenizer.json. */
export function preTokenizerName(tokenizerJson: Json): string {
  const regexes = splitRegexes(tokenizerJson.pre_tokenizer);
  for (const [name, regex] of kPreTokenizers) if (regexes.includes(regex)) return name;
  throw new UnsupportedTokenizerError(
    `the pre-tokenizer split ${JSON.stringify(regexes)} matches no llama.cpp pre-tokenizer known here ` +
      `(${kPreTokenizers.map(([n]) => n).join(', ')}); llama.cpp would split text differently from Hugging Face`,
  );
}

function doesTokenLookSpecial(t: string): boolean {
  return (
    ['<pad>', '<mask>', '<2mass>', '[@BOS@]'].includes(t) ||
    (t.startsWith('<|') && t.endsWith('|>')) ||
    (t.startsWith('<｜') && t.endsWith('｜>')) ||
    (t.startsWith('<start_of_') && t.endsWith('>'))
  );
}

const kEndOfTurn = [
  '<|eot_id|>',
  '<|im_end|>',
  '<|end|>',
  '<end_of_turn>',
  '<|END_OF_TURN_TOKEN|>',
];

function tokenContent(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as Json).content === 'string')
    return (v as Json).content as string;
  return null;
}

/** Whether the post-processor puts the BOS token in front of a single sequence. */
function postProcessorAddsBos(post: unknown, bos: string | null): boolean {
  if (!post || typeof post !== 'object' || bos === null) return false;
  const p = post as Json;
  if (p.type === 'Sequence' && Array.isArray(p.processors))
    return p.processors.some((q) => postProcessorAddsBos(q, bos));
  if (p.type === 'TemplateProcessing' && Array.isArray(p.single)) {
    const first = p.single[0] as Json | undefined;
    return (first?.SpecialToken as Json | undefined)?.id === bos;
  }
  return false;
}

/** tokenizer.ggml.* and tokenizer.chat_template for a model of `vocabSize` embedding rows. */
export function tokenizerMetadata(
  tokenizerJson: Json,
  tokenizerConfig: Json,
  configJson: Json,
  vocabSize: number,
  /** The chat template when it lives in its own file (chat_template.jinja), not in tokenizer_config. */
  chatTemplate?: string,
): GgufMetadata {
  const model = tokenizerJson.model as Json;
  if (model?.type !== 'BPE')
    throw new UnsupportedTokenizerError(
      `tokenizer.json model type ${String(model?.type)} is not BPE`,
    );
  const vocab = model.vocab as Record<string, number>;
  const added = (tokenizerJson.added_tokens ?? []) as AddedToken[];
  const addedById = new Map(added.map((a) => [a.id, a]));
  const reverse = new Map<number, string>();
  for (const [t, id] of Object.entries(vocab)) reverse.set(id, t);
  for (const a of added) reverse.set(a.id, a.content);
  const idOf = new Map<string, number>();
  for (const [id, t] of reverse) idOf.set(t, id);
  const byteFallback = model.byte_fallback === true;
  const merges = ((model.merges ?? []) as (string | [string, string])[]).map((m) =>
    typeof m === 'string' ? m : `${m[0]} ${m[1]}`,
  );

  const tokens: string[] = [];
  const types: number[] = [];
  const scores: number[] = [];
  const rankOf = new Map<string, number>();
  if (byteFallback) merges.forEach((m, r) => rankOf.set(m.replace(' ', ''), r));
  const unk = tokenContent(model.unk_token ?? null);
  for (let i = 0; i < vocabSize; i++) {
    const t = reverse.get(i);
    if (t === undefined) {
      tokens.push(`[PAD${i}]`);
      types.push(kTokenType.UNUSED);
      scores.push(-1000);
      continue;
    }
    const a = addedById.get(i);
    let type: number = kTokenType.NORMAL;
    if (byteFallback && /^<0x[0-9A-F]{2}>$/.test(t)) type = kTokenType.BYTE;
    else if (t === unk) type = kTokenType.UNKNOWN;
    else if (a)
      type = a.special || doesTokenLookSpecial(t) ? kTokenType.CONTROL : kTokenType.USER_DEFINED;
    tokens.push(a && type === kTokenType.USER_DEFINED ? t.replaceAll('\u2581', ' ') : t);
    types.push(type);
    scores.push(rankOf.has(t) ? -rankOf.get(t)! : type === kTokenType.NORMAL ? -1e9 : 0);
  }

  const md: GgufMetadata = [];
  if (byteFallback) {
    md.push(['tokenizer.ggml.model', { type: 'string', value: 'llama' }]);
    md.push(['tokenizer.ggml.pre', { type: 'string', value: 'default' }]);
    md.push(['tokenizer.ggml.tokens', { type: 'string[]', value: tokens }]);
    md.push(['tokenizer.ggml.scores', { type: 'f32[]', value: scores }]);
    md.push(['tokenizer.ggml.token_type', { type: 'i32[]', value: types }]);
  } else {
    md.push(['tokenizer.ggml.model', { type: 'string', value: 'gpt2' }]);
    md.push(['tokenizer.ggml.pre', { type: 'string', value: preTokenizerName(tokenizerJson) }]);
    md.push(['tokenizer.ggml.tokens', { type: 'string[]', value: tokens }]);
    md.push(['tokenizer.ggml.token_type', { type: 'i32[]', value: types }]);
    md.push(['tokenizer.ggml.merges', { type: 'string[]', value: merges }]);
  }
  // SpecialVocab: tokenizer_config's `<typ>_token`, else config.json's `<typ>_token_id`.
  for (const [typ, key] of [
    ['bos', 'bos_token_id'],
    ['eos', 'eos_token_id'],
    ['unk', 'unknown_token_id'],
    ['pad', 'padding_token_id'],
  ] as const) {
    const content = tokenContent(tokenizerConfig[`${typ}_token`]);
    let id = content !== null ? idOf.get(content) : undefined;
    if (id === undefined) {
      const c = configJson[`${typ}_token_id`];
      const v = Array.isArray(c) ? (c[0] as unknown) : c;
      if (typeof v === 'number') id = v;
    }
    if (id !== undefined) md.push([`tokenizer.ggml.${key}`, { type: 'u32', value: id }]);
  }
  const eot = kEndOfTurn.map((t) => idOf.get(t)).find((id) => id !== undefined);
  if (eot !== undefined) md.push(['tokenizer.ggml.eot_token_id', { type: 'u32', value: eot }]);
  const bos = tokenContent(tokenizerConfig.bos_token);
  const addBos =
    typeof tokenizerConfig.add_bos_token === 'boolean'
      ? tokenizerConfig.add_bos_token
      : postProcessorAddsBos(tokenizerJson.post_processor, bos);
  md.push(['tokenizer.ggml.add_bos_token', { type: 'bool', value: addBos }]);
  if (typeof tokenizerConfig.add_eos_token === 'boolean')
    md.push([
      'tokenizer.ggml.add_eos_token',
      { type: 'bool', value: tokenizerConfig.add_eos_token },
    ]);
  const template =
    typeof tokenizerConfig.chat_template === 'string'
      ? tokenizerConfig.chat_template
      : chatTemplate;
  if (template !== undefined)
    md.push(['tokenizer.chat_template', { type: 'string', value: template }]);
  return md;
}
