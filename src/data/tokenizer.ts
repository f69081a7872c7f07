// Tokenizer loading through @huggingface/transformers, from the Hub (configurable endpoint, like
// HF_ENDPOINT) or from in-memory `tokenizer.json` + `tokenizer_config.json`, wrapped in a small
// interface of ours so that templates, masking, the worker and the CLI never touch library
// internals. Runs in a Web Worker and in Node: no DOM, no `node:*`.
import {
  AutoTokenizer,
  env,
  GemmaTokenizer,
  GPT2Tokenizer,
  LlamaTokenizer,
  PreTrainedTokenizer,
  Qwen2Tokenizer,
} from '@huggingface/transformers';
import { byteLevelOffsets, type TokenOffsets } from './offsets';

export const kDefaultHubId = 'HuggingFaceTB/SmolLM2-135M';
export const kDefaultEndpoint = 'https://huggingface.co';

export type TokenizerSource =
  | { kind: 'hub'; id: string; endpoint?: string; revision?: string }
  | { kind: 'files'; tokenizerJson: unknown; tokenizerConfig: unknown; name?: string };

/** A chat template as stored in tokenizer_config.json: one string, or named templates. */
export type ChatTemplateSpec = string | Record<string, string> | null;

export interface Tokenizer {
  /** Where it came from (hub id or "local files"), for display. */
  readonly name: string;
  /** Encode text as-is: no BOS/EOS added (the template decides); special tokens in the text are matched. */
  encode(text: string): number[];
  decode(ids: number[], options?: { skipSpecialTokens?: boolean }): string;
  tokenToId(token: string): number | undefined;
  idToToken(id: number): string | undefined;
  /** Number of ids (base vocabulary plus added tokens). */
  readonly vocabSize: number;
  readonly bosToken: string | null;
  readonly bosId: number | null;
  readonly eosToken: string | null;
  readonly eosId: number | null;
  /** True when plain `tokenizer(text)` prepends BOS (post-processor or add_bos_token). */
  readonly addsBos: boolean;
  /** Contents of all added tokens (special or not), e.g. `<|im_end|>`, `<think>`. */
  readonly addedTokens: readonly string[];
  readonly chatTemplate: ChatTemplateSpec;
  /** bos_token, eos_token, unk_token, pad_token, ... as strings, for template rendering. */
  readonly specialTokensMap: Readonly<Record<string, string>>;
  /** Where each token of `encode(text)` starts in `text`, when the tokenizer can say (offsets.ts). */
  readonly tokenOffsets?: TokenOffsets;
}

export class TokenizerLoadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TokenizerLoadError';
  }
}

const kSpecialTokenKeys = [
  'bos_token',
  'eos_token',
  'unk_token',
  'sep_token',
  'pad_token',
  'cls_token',
  'mask_token',
];

/** Tokenizer classes by `tokenizer_class` (without the "Fast" suffix), as AutoTokenizer picks them. */
const kClasses: Record<string, typeof PreTrainedTokenizer> = {
  LlamaTokenizer,
  CodeLlamaTokenizer: LlamaTokenizer,
  Qwen2Tokenizer,
  GPT2Tokenizer,
  GemmaTokenizer,
};

function tokenString(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') {
    return (v as { content: string }).content;
  }
  return null;
}

function readChatTemplate(config: Record<string, unknown>): ChatTemplateSpec {
  const t = config.chat_template;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    const out: Record<string, string> = {};
    for (const item of t as unknown[]) {
      const { name, template } = (item ?? {}) as { name?: unknown; template?: unknown };
      if (typeof name === 'string' && typeof template === 'string') out[name] = template;
    }
    return Object.keys(out).length ? out : null;
  }
  return null;
}

/** Wrap a transformers.js tokenizer in our interface. */
export function wrapTokenizer(tok: PreTrainedTokenizer, name: string): Tokenizer {
  const config = (tok.config ?? {}) as Record<string, unknown>;
  const inner = tok._tokenizer;
  const specialTokensMap: Record<string, string> = {};
  for (const key of kSpecialTokenKeys) {
    const s = tokenString(config[key]);
    if (s) specialTokensMap[key] = s;
  }
  const addedById = new Map<number, string>();
  for (const [id, t] of inner.get_added_tokens_decoder()) addedById.set(id, t.content);
  const added = [...addedById.values()];
  const json = tok._tokenizerJSON as { decoder?: { type?: unknown } | null } | undefined;
  const tokenOffsets =
    json?.decoder?.type === 'ByteLevel'
      ? byteLevelOffsets((id) => inner.id_to_token(id) ?? undefined, addedById)
      : undefined;
  const toId = (t: string | null) => (t === null ? null : (inner.token_to_id(t) ?? null));
  const bosToken = specialTokensMap.bos_token ?? null;
  const bosId = toId(bosToken);
  const eosToken = specialTokensMap.eos_token ?? null;
  let vocabSize = 0;
  for (const id of tok.get_vocab().values()) vocabSize = Math.max(vocabSize, id + 1);
  for (const id of inner.get_added_tokens_decoder().keys()) vocabSize = Math.max(vocabSize, id + 1);
  // What does `tokenizer(text)` do with BOS? Ask the tokenizer rather than guess from config.
  const probe = inner.encode('a', { add_special_tokens: true }).ids;
  const addsBos = bosId !== null && probe.length > 0 && probe[0] === bosId;
  return {
    name,
    encode: (text) => inner.encode(text, { add_special_tokens: false }).ids,
    decode: (ids, options) =>
      ids.length === 0
        ? ''
        : inner.decode(ids, {
            skip_special_tokens: options?.skipSpecialTokens ?? false,
            clean_up_tokenization_spaces: false,
          }),
    tokenToId: (t) => inner.token_to_id(t) ?? undefined,
    idToToken: (id) => inner.id_to_token(id) ?? undefined,
    vocabSize,
    bosToken,
    bosId,
    eosToken,
    eosId: toId(eosToken),
    addsBos,
    addedTokens: added,
    chatTemplate: readChatTemplate(config),
    specialTokensMap,
    tokenOffsets,
  };
}

/** Build a tokenizer from the two JSON files (already parsed, or as text). */
export function tokenizerFromFiles(
  tokenizerJson: unknown,
  tokenizerConfig: unknown,
  name = 'local files',
): Tokenizer {
  const json =
    typeof tokenizerJson === 'string' ? parseJson(tokenizerJson, 'tokenizer.json') : tokenizerJson;
  const config =
    typeof tokenizerConfig === 'string'
      ? parseJson(tokenizerConfig, 'tokenizer_config.json')
      : tokenizerConfig;
  if (!json || typeof json !== 'object' || !('model' in json)) {
    throw new TokenizerLoadError(
      'tokenizer.json is not a Hugging Face tokenizer file (no "model" key)',
    );
  }
  if (!config || typeof config !== 'object') {
    throw new TokenizerLoadError('tokenizer_config.json must be a JSON object');
  }
  const rawCls = (config as { tokenizer_class?: unknown }).tokenizer_class;
  const cls = (typeof rawCls === 'string' ? rawCls : '').replace(/Fast$/, '');
  const Ctor = kClasses[cls] ?? PreTrainedTokenizer;
  try {
    return wrapTokenizer(new Ctor(json, config), name);
  } catch (e) {
    throw new TokenizerLoadError(`could not build the tokenizer from ${name}: ${String(e)}`, {
      cause: e,
    });
  }
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new TokenizerLoadError(`${file} is not valid JSON: ${String(e)}`, { cause: e });
  }
}

/** transformers.js wants `remoteHost` with a trailing slash. */
function normaliseEndpoint(endpoint: string): string {
  return endpoint.endsWith('/') ? endpoint : `${endpoint}/`;
}

/** Load a tokenizer from the Hub (or a mirror: `endpoint` plays the role of HF_ENDPOINT) or from files. */
export async function loadTokenizer(source: TokenizerSource): Promise<Tokenizer> {
  if (source.kind === 'files') {
    return tokenizerFromFiles(source.tokenizerJson, source.tokenizerConfig, source.name);
  }
  const id = source.id.trim() || kDefaultHubId;
  const saved = { remoteHost: env.remoteHost, allowRemoteModels: env.allowRemoteModels };
  env.remoteHost = normaliseEndpoint(source.endpoint ?? kDefaultEndpoint);
  env.allowRemoteModels = true;
  try {
    const tok = await AutoTokenizer.from_pretrained(id, { revision: source.revision ?? 'main' });
    return wrapTokenizer(tok, id);
  } catch (e) {
    throw new TokenizerLoadError(
      `could not load the tokenizer of "${id}" from ${env.remoteHost}: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  } finally {
    env.remoteHost = saved.remoteHost;
    env.allowRemoteModels = saved.allowRemoteModels;
  }
}
