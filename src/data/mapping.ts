// Rows in other schemas: a column mapping (which column is the instruction, the answer, the
// message list, which role value means "user"), the well-known schemas read without asking
// (Dolly, question/answer, query/response, input/output, message lists with other role values),
// and a proposal for a mapping dialog when rows match nothing known.
//
// A mapped row is rewritten into one of the standard formats and read by formats.ts, so every
// rule of the standard formats (empty input, content parts, system only first, at least one
// assistant turn) holds for it too; errors name the row's own columns, not the standard keys.
// Extra columns are ignored; a mapped column missing in a row is that row's error.
import { isLineError, isObject, jsonType, normaliseLine, roleAlias } from './formats';
import type { DatasetFormat, Example, LineError, Role, RowReading } from './types';

export const kMappingTargets = [
  'instruction',
  'input',
  'output',
  'system',
  'prompt',
  'completion',
  'text',
  'messages',
  'role',
  'content',
  'role.user',
  'role.assistant',
  'role.system',
] as const;
export type MappingTarget = (typeof kMappingTargets)[number];

/** Target -> source column (or, for role.*, the role value that means that role). */
export type ColumnMapping = Partial<Record<MappingTarget, string>>;

export class ColumnMappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ColumnMappingError';
  }
}

const kAll = kMappingTargets.join(', ');

/** Parse "instruction=instruction,input=context,output=response" (target=source, by commas). */
export function parseColumnsSpec(spec: string): ColumnMapping {
  const mapping: ColumnMapping = {};
  for (const part of spec.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq === -1) {
      throw new ColumnMappingError(`"${part.trim()}" is not target=column (targets: ${kAll})`);
    }
    const target = part.slice(0, eq).trim();
    const source = part.slice(eq + 1).trim();
    if (!(kMappingTargets as readonly string[]).includes(target)) {
      throw new ColumnMappingError(`unknown mapping target "${target}" (targets: ${kAll})`);
    }
    if (source === '') throw new ColumnMappingError(`no column given for "${target}"`);
    if (mapping[target as MappingTarget] !== undefined) {
      throw new ColumnMappingError(`"${target}" is mapped twice`);
    }
    mapping[target as MappingTarget] = source;
  }
  mappingFormat(mapping);
  return mapping;
}

/** The spec string of a mapping (the inverse of parseColumnsSpec). */
export function formatColumnsSpec(mapping: ColumnMapping): string {
  return kMappingTargets
    .filter((t) => mapping[t] !== undefined)
    .map((t) => `${t}=${mapping[t]}`)
    .join(',');
}

const kGroups: { format: DatasetFormat; required: MappingTarget[]; optional: MappingTarget[] }[] = [
  { format: 'alpaca', required: ['instruction', 'output'], optional: ['input', 'system'] },
  { format: 'prompt_completion', required: ['prompt', 'completion'], optional: [] },
  { format: 'text', required: ['text'], optional: [] },
  {
    format: 'messages',
    required: ['messages'],
    optional: ['role', 'content', 'role.user', 'role.assistant', 'role.system'],
  },
];

/** Which standard format a mapping produces; throws when it is incomplete or mixes formats. */
export function mappingFormat(mapping: ColumnMapping): DatasetFormat {
  const used = kMappingTargets.filter((t) => mapping[t] !== undefined);
  if (used.length === 0) throw new ColumnMappingError(`empty column mapping (targets: ${kAll})`);
  const group = kGroups.find((g) => g.required.includes(used[0]) || g.optional.includes(used[0]));
  const stray = used.filter((t) => !group!.required.includes(t) && !group!.optional.includes(t));
  if (stray.length > 0) {
    throw new ColumnMappingError(
      `"${used[0]}" and "${stray[0]}" belong to different formats: map ${kGroups.map((g) => g.required.join('+')).join(', or ')}`,
    );
  }
  const missing = group!.required.filter((t) => mapping[t] === undefined);
  if (missing.length > 0) {
    throw new ColumnMappingError(`the mapping needs "${missing.join('" and "')}" as well`);
  }
  return group!.format;
}

type Fail = Omit<LineError, 'line'>;

/** Read one row through a mapping. `optional` columns may be absent (recognised schemas). */
export function applyMapping(
  value: unknown,
  row: number,
  mapping: ColumnMapping,
  reading: RowReading = 'mapped',
  optional: readonly string[] = [],
): Example | LineError {
  const format = mappingFormat(mapping);
  if (!isObject(value)) {
    return {
      line: row,
      field: '',
      kind: 'not_object',
      message: `expected an object, got ${jsonType(value)}`,
    };
  }
  const at = (e: Fail): LineError => ({ line: row, ...e });
  for (const t of [
    'instruction',
    'input',
    'output',
    'system',
    'prompt',
    'completion',
    'text',
    'messages',
  ] as const) {
    const col = mapping[t];
    if (col !== undefined && !(col in value) && !optional.includes(col)) {
      return at({
        field: col,
        kind: 'missing',
        message: `missing column "${col}" (mapped to ${t})`,
      });
    }
  }
  if (format === 'messages') return withReading(mapMessages(value, row, mapping), reading);
  // Rewrite the row with the standard keys, read it, and name the row's own columns in errors.
  const canonical: Record<string, unknown> = {};
  const back = new Map<string, string>();
  for (const t of ['instruction', 'input', 'output', 'prompt', 'completion', 'text'] as const) {
    const col = mapping[t];
    if (col === undefined || !(col in value)) continue;
    canonical[t] = value[col];
    back.set(t, col);
  }
  const out = normaliseLine(canonical, row);
  if (isLineError(out)) return { ...out, field: back.get(out.field) ?? out.field };
  if (mapping.system !== undefined) {
    const sys = value[mapping.system];
    if (sys !== null && sys !== undefined && typeof sys !== 'string') {
      return at({
        field: mapping.system,
        kind: 'type',
        message: `"${mapping.system}" must be a string or null, got ${jsonType(sys)}`,
      });
    }
    if (typeof sys === 'string' && sys.trim() !== '')
      out.messages.unshift({ role: 'system', content: sys });
  }
  return withReading(out, reading);
}

function withReading(out: Example | LineError, reading: RowReading): Example | LineError {
  return isLineError(out) ? out : { ...out, readAs: reading };
}

/** A message list with any role/content keys and role values (mapped, or known aliases). */
function mapMessages(value: Record<string, unknown>, row: number, mapping: ColumnMapping) {
  const col = mapping.messages!;
  const list = value[col];
  if (!Array.isArray(list)) {
    return {
      line: row,
      field: col,
      kind: 'type' as const,
      message: `"${col}" must be an array of messages, got ${jsonType(list)}`,
    };
  }
  const first: unknown = list.find(isObject);
  const roleKey =
    mapping.role ?? (isObject(first) && 'from' in first && !('role' in first) ? 'from' : 'role');
  const contentKey =
    mapping.content ??
    (isObject(first) && 'value' in first && !('content' in first) ? 'value' : 'content');
  const tags = new Map<string, Role>();
  for (const role of ['user', 'assistant', 'system'] as const) {
    const tag = mapping[`role.${role}`];
    if (tag !== undefined) tags.set(tag, role);
  }
  const messages: unknown[] = [];
  for (let i = 0; i < list.length; i++) {
    const m: unknown = list[i];
    if (!isObject(m)) {
      messages.push(m);
      continue;
    }
    const raw = m[roleKey];
    const fail = (kind: LineError['kind'], message: string): LineError => ({
      line: row,
      field: `${col}[${i}].${roleKey}`,
      kind,
      message,
    });
    if (raw === undefined) return fail('missing', `missing "${roleKey}"`);
    if (typeof raw !== 'string')
      return fail('type', `"${roleKey}" must be a string, got ${jsonType(raw)}`);
    const role =
      tags.size > 0
        ? (tags.get(raw) ?? (Object.hasOwn(kOwn, raw) ? (raw as Role) : undefined))
        : roleAlias(raw);
    if (role === undefined) {
      // The standard `messages` format keeps its message (the same as formats.ts gives).
      const expected =
        tags.size > 0
          ? [...tags.keys()].join(', ')
          : col === 'messages' && roleKey === 'role'
            ? 'system, user or assistant'
            : 'user, assistant, system, human, gpt, bot, ...';
      return fail('role', `unknown role ${JSON.stringify(raw)} (expected ${expected})`);
    }
    messages.push({ role, content: m[contentKey] });
  }
  const out = normaliseLine({ messages }, row);
  if (!isLineError(out)) {
    const format: DatasetFormat =
      roleKey === 'from' || col === 'conversations' ? 'sharegpt' : 'messages';
    return { ...out, format };
  }
  // messages[2].role -> conversation[2].from, messages[2].content[0] -> conversation[2].value[0]
  const field = out.field
    .replace(/^messages/, col)
    .replace(/^(.*?\[\d+\])\.role/, `$1.${roleKey}`)
    .replace(/^(.*?\[\d+\])\.content/, `$1.${contentKey}`);
  return { ...out, field };
}
const kOwn: Record<string, true> = { user: true, assistant: true, system: true };

/** Schemas recognised without asking, tried in order when a row is in no standard format. */
const kKnownSchemas: {
  reading: RowReading;
  needs: string[];
  mapping: ColumnMapping;
  optional?: string[];
}[] = [
  {
    reading: 'dolly',
    needs: ['instruction', 'response'],
    mapping: { instruction: 'instruction', input: 'context', output: 'response' },
    optional: ['context'],
  },
  {
    reading: 'question_answer',
    needs: ['question', 'answer'],
    mapping: { prompt: 'question', completion: 'answer' },
  },
  {
    reading: 'query_response',
    needs: ['query', 'response'],
    mapping: { prompt: 'query', completion: 'response' },
  },
  {
    reading: 'input_output',
    needs: ['input', 'output'],
    mapping: { prompt: 'input', completion: 'output' },
  },
];

/** Keys that may hold a message list, and the keys inside each message. */
export const kListKeys = [
  'messages',
  'conversations',
  'conversation',
  'dialog',
  'dialogue',
  'chat',
];
export const kRoleKeys = ['role', 'from', 'speaker', 'author'];
export const kContentKeys = ['content', 'value', 'text', 'message'];

/** A message-list mapping for a row whose list uses other keys or role values, or null. */
function chatMappingOf(row: Record<string, unknown>): ColumnMapping | null {
  for (const key of kListKeys) {
    const list = row[key];
    if (!Array.isArray(list)) continue;
    const m: unknown = list.find(isObject);
    if (!isObject(m)) continue;
    const role = kRoleKeys.find((k) => typeof m[k] === 'string');
    const content = kContentKeys.find((k) => k in m && k !== role);
    if (role && content) return { messages: key, role, content };
  }
  return null;
}

export const kReadingDescriptions: Record<RowReading, string> = {
  dolly:
    'Dolly: instruction (then a blank line and the context, when there is one) as the user turn, response as the answer',
  question_answer: 'question as the user turn, answer as the assistant turn',
  query_response: 'query as the user turn, response as the assistant turn',
  input_output: 'input as the user turn, output as the assistant turn',
  role_aliases:
    'a message list with other role names (human, bot, USER, ASSISTANT, ...) read as user/assistant/system',
  mapped: 'read through the chosen column mapping',
};

/** How a row was read, in words (for the report and the mapping dialog). */
export function describeReading(reading: RowReading): string {
  return kReadingDescriptions[reading];
}

export interface ReadRowOptions {
  /** Read every row through this mapping (no detection). */
  mapping?: ColumnMapping;
  /** Try the well-known schemas when a row is in no standard format (default true). */
  recognize?: boolean;
}

/** One row as an Example: the standard formats first, then the well-known schemas. A string
 * `category` column is kept on the example (the diversity view charts it). */
export function readRow(
  value: unknown,
  row: number,
  options: ReadRowOptions = {},
): Example | LineError {
  const out = readRowContent(value, row, options);
  if (isLineError(out) || !isObject(value)) return out;
  const category = value.category;
  return typeof category === 'string' && category.trim() !== ''
    ? { ...out, category: category.trim() }
    : out;
}

function readRowContent(value: unknown, row: number, options: ReadRowOptions): Example | LineError {
  if (options.mapping) return applyMapping(value, row, options.mapping);
  const strict = normaliseLine(value, row);
  if (!isLineError(strict) || options.recognize === false || !isObject(value)) return strict;
  const chat = chatMappingOf(value);
  if (chat) {
    const out = applyMapping(value, row, chat, 'role_aliases');
    // a precise role error (the first role that is no alias) beats "unknown role human"
    if (!isLineError(out) || strict.kind === 'role' || strict.kind === 'unknown_format') return out;
  }
  for (const s of kKnownSchemas) {
    if (s.needs.every((k) => k in value))
      return applyMapping(value, row, s.mapping, s.reading, s.optional);
  }
  return strict;
}
