// Per-line format detection and normalisation: one parsed JSON value -> one `Example` or one
// `LineError` naming the line, the field (a JSON path such as `messages[2].role`) and the problem.
//
// Formats, detected by key, first match wins (unknown extra fields are ignored):
//   messages            {"messages": [{"role": "user", "content": "..."}, ...]}
//   sharegpt            {"conversations": [{"from": "human", "value": "..."}, ...]}
//   alpaca              {"instruction": "...", "input": "...", "output": "..."}
//   prompt_completion   {"prompt": "...", "completion": "..."} (strings, or message lists as in TRL)
//   text                {"text": "..."} (language modelling: every token trained)
// The rules for the edge cases are the ones of issue 2 ("Rules for the edge cases"); README.md
// repeats them for users.
import type { DatasetFormat, Example, LineError, LineErrorKind, Message, Role } from './types';

type JsonObject = Record<string, unknown>;
type Result<T> = { ok: true; value: T } | { ok: false; error: Omit<LineError, 'line'> };

const kRoles: readonly Role[] = ['system', 'user', 'assistant'];
const kShareGptFrom: Record<string, Role> = {
  human: 'user',
  user: 'user',
  gpt: 'assistant',
  assistant: 'assistant',
  system: 'system',
};

/**
 * Role values that other chat datasets use, lower-cased, for rows read by recognition or by a
 * column mapping (mapping.ts). The strict JSON Lines formats above keep their own role sets.
 * Roles outside these (`tool`, `function`, ...) stay errors that name the role.
 */
export const kRoleAliases: Readonly<Record<string, Role>> = {
  system: 'system',
  user: 'user',
  human: 'user',
  prompter: 'user',
  assistant: 'assistant',
  gpt: 'assistant',
  bot: 'assistant',
  model: 'assistant',
  ai: 'assistant',
  chatgpt: 'assistant',
};

/** A role value of another dataset as ours (case-insensitive), or undefined. */
export function roleAlias(value: string): Role | undefined {
  const key = value.trim().toLowerCase();
  return Object.hasOwn(kRoleAliases, key) ? kRoleAliases[key] : undefined;
}

function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}
function fail<T>(field: string, kind: LineErrorKind, message: string): Result<T> {
  return { ok: false, error: { field, kind, message } };
}

/** A short description of a JSON value's type for error messages ("array", "null", "number"). */
export function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Quote a user value for an error message, kept short. */
function show(v: unknown): string {
  const s = typeof v === 'string' ? JSON.stringify(v) : String(JSON.stringify(v));
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/**
 * Message content: a string, or an array of parts `{"type": "text", "text": "..."}` joined with
 * "\n" (as vLLM does for text-only models). Any non-text part is an error naming its type.
 */
export function normaliseContent(value: unknown, path: string): Result<string> {
  if (typeof value === 'string') return ok(value);
  if (Array.isArray(value)) {
    const texts: string[] = [];
    for (let j = 0; j < value.length; j++) {
      const part: unknown = value[j];
      const partPath = `${path}[${j}]`;
      if (!isObject(part)) {
        return fail(
          partPath,
          'content_part',
          `content part must be an object, got ${jsonType(part)}`,
        );
      }
      if (part.type !== 'text') {
        const type = part.type === undefined ? 'missing' : show(part.type);
        return fail(
          `${partPath}.type`,
          'content_part',
          `non-text content part (type ${type}): only {"type": "text", "text": ...} parts are supported`,
        );
      }
      if (typeof part.text !== 'string') {
        return fail(
          `${partPath}.text`,
          'type',
          `text part must have a string "text", got ${jsonType(part.text)}`,
        );
      }
      texts.push(part.text);
    }
    return ok(texts.join('\n'));
  }
  if (value === undefined) return fail(path, 'missing', 'missing content');
  return fail(
    path,
    'type',
    `content must be a string or an array of text parts, got ${jsonType(value)}`,
  );
}

/** Whole-conversation rules: not empty, system only first, at least one assistant turn. */
function checkConversation(messages: Message[], path: string, rolePath: (i: number) => string) {
  if (messages.length === 0) return fail<Message[]>(path, 'empty', 'empty conversation');
  for (let i = 1; i < messages.length; i++) {
    if (messages[i].role === 'system') {
      return fail<Message[]>(
        rolePath(i),
        'role',
        `a system message is only allowed as the first message (found at index ${i})`,
      );
    }
  }
  if (!messages.some((m) => m.role === 'assistant')) {
    return fail<Message[]>(
      path,
      'no_assistant',
      'no assistant turn: a conversation needs at least one assistant message',
    );
  }
  return ok(messages);
}

/** An OpenAI-style message list (`messages`, or conversational `prompt`/`completion`). */
function parseMessageList(value: unknown, path: string, check = true): Result<Message[]> {
  if (value === undefined) return fail(path, 'missing', `missing "${path}"`);
  if (!Array.isArray(value)) {
    return fail(path, 'type', `"${path}" must be an array of messages, got ${jsonType(value)}`);
  }
  const out: Message[] = [];
  for (let i = 0; i < value.length; i++) {
    const m: unknown = value[i];
    const at = `${path}[${i}]`;
    if (!isObject(m)) return fail(at, 'type', `message must be an object, got ${jsonType(m)}`);
    if (m.role === undefined) return fail(`${at}.role`, 'missing', 'missing role');
    if (typeof m.role !== 'string') {
      return fail(`${at}.role`, 'type', `role must be a string, got ${jsonType(m.role)}`);
    }
    if (!kRoles.includes(m.role as Role)) {
      return fail(
        `${at}.role`,
        'role',
        `unknown role ${show(m.role)} (expected system, user or assistant)`,
      );
    }
    const content = normaliseContent(m.content, `${at}.content`);
    if (!content.ok) return content;
    out.push({ role: m.role as Role, content: content.value });
  }
  return check ? checkConversation(out, path, (i) => `${path}[${i}].role`) : ok(out);
}

function parseShareGpt(obj: JsonObject): Result<Message[]> {
  const value = obj.conversations;
  if (!Array.isArray(value)) {
    return fail(
      'conversations',
      'type',
      `"conversations" must be an array, got ${jsonType(value)}`,
    );
  }
  const out: Message[] = [];
  for (let i = 0; i < value.length; i++) {
    const m: unknown = value[i];
    const at = `conversations[${i}]`;
    if (!isObject(m)) return fail(at, 'type', `turn must be an object, got ${jsonType(m)}`);
    if (m.from === undefined) return fail(`${at}.from`, 'missing', 'missing "from"');
    if (typeof m.from !== 'string') {
      return fail(`${at}.from`, 'type', `"from" must be a string, got ${jsonType(m.from)}`);
    }
    const role = Object.hasOwn(kShareGptFrom, m.from) ? kShareGptFrom[m.from] : undefined;
    if (role === undefined) {
      return fail(
        `${at}.from`,
        'role',
        `unknown "from" value ${show(m.from)} (expected human, user, gpt, assistant or system)`,
      );
    }
    const content = normaliseContent(m.value, `${at}.value`);
    if (!content.ok) return content;
    out.push({ role, content: content.value });
  }
  return checkConversation(out, 'conversations', (i) => `conversations[${i}].from`);
}

function requireString(obj: JsonObject, key: string): Result<string> {
  const v = obj[key];
  if (v === undefined) return fail(key, 'missing', `missing "${key}"`);
  if (typeof v !== 'string')
    return fail(key, 'type', `"${key}" must be a string, got ${jsonType(v)}`);
  return ok(v);
}

function parseAlpaca(obj: JsonObject): Result<Message[]> {
  const instruction = requireString(obj, 'instruction');
  if (!instruction.ok) return instruction;
  const output = requireString(obj, 'output');
  if (!output.ok) return output;
  let input = '';
  if (obj.input !== undefined && obj.input !== null) {
    if (typeof obj.input !== 'string') {
      return fail('input', 'type', `"input" must be a string or null, got ${jsonType(obj.input)}`);
    }
    input = obj.input;
  }
  // Whitespace-only input counts as empty: appending "\n\n   " to the instruction helps nobody.
  const user = input.trim() === '' ? instruction.value : `${instruction.value}\n\n${input}`;
  return ok([
    { role: 'user', content: user },
    { role: 'assistant', content: output.value },
  ]);
}

function parsePromptCompletion(obj: JsonObject): Result<Message[]> {
  // TRL's conversational variant: both fields are message lists.
  if (Array.isArray(obj.prompt) || Array.isArray(obj.completion)) {
    const prompt = parseMessageList(obj.prompt, 'prompt', false);
    if (!prompt.ok) return prompt;
    const completion = parseMessageList(obj.completion, 'completion', false);
    if (!completion.ok) return completion;
    const all = [...prompt.value, ...completion.value];
    const n = prompt.value.length;
    return checkConversation(all, 'completion', (i) =>
      i < n ? `prompt[${i}].role` : `completion[${i - n}].role`,
    );
  }
  const prompt = requireString(obj, 'prompt');
  if (!prompt.ok) return prompt;
  const completion = requireString(obj, 'completion');
  if (!completion.ok) return completion;
  return ok([
    { role: 'user', content: prompt.value },
    { role: 'assistant', content: completion.value },
  ]);
}

/** Which format a JSON object is in, from its keys; null when none is recognised. */
export function detectFormat(obj: JsonObject): DatasetFormat | null {
  if ('messages' in obj) return 'messages';
  if ('conversations' in obj) return 'sharegpt';
  if ('instruction' in obj || 'output' in obj) return 'alpaca';
  if ('prompt' in obj || 'completion' in obj) return 'prompt_completion';
  if ('text' in obj) return 'text';
  return null;
}

/** Normalise one parsed JSON line into an Example, or say precisely what is wrong with it. */
export function normaliseLine(value: unknown, line: number): Example | LineError {
  if (!isObject(value)) {
    return {
      line,
      field: '',
      kind: 'not_object',
      message: `expected a JSON object, got ${jsonType(value)}`,
    };
  }
  const format = detectFormat(value);
  let result: Result<Message[]>;
  switch (format) {
    case null: {
      const keys = Object.keys(value);
      return {
        line,
        field: '',
        kind: 'unknown_format',
        message:
          'unknown format: expected "messages", "conversations", "instruction"/"output", ' +
          `"prompt"/"completion" or "text" (found ${keys.length ? keys.map((k) => `"${k}"`).join(', ') : 'no keys'})`,
      };
    }
    case 'text': {
      const text = requireString(value, 'text');
      if (!text.ok) return { line, ...text.error };
      if (text.value.trim() === '') {
        return { line, field: 'text', kind: 'empty', message: 'text is empty or whitespace-only' };
      }
      return { line, format, messages: [], text: text.value };
    }
    case 'messages':
      result = parseMessageList(value.messages, 'messages');
      break;
    case 'sharegpt':
      result = parseShareGpt(value);
      break;
    case 'alpaca':
      result = parseAlpaca(value);
      break;
    case 'prompt_completion':
      result = parsePromptCompletion(value);
      break;
  }
  if (!result.ok) return { line, ...result.error };
  return { line, format, messages: result.value };
}

export function isLineError(x: Example | LineError): x is LineError {
  return 'message' in x && !('format' in x);
}
