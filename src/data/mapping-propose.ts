// A column mapping proposed for the mapping dialog, when rows match no known format: from the
// column names (usual names for each target) and sample values (lists of message objects, the
// role values found in them, text lengths). The user confirms or edits it; mapping.ts applies it.
import { isObject, roleAlias } from './formats';
import { kContentKeys, kRoleKeys, type ColumnMapping, type MappingTarget } from './mapping';
import type { DatasetFormat } from './types';

/** A proposed mapping for the dialog, with why each target was chosen. */
export interface MappingProposal {
  mapping: ColumnMapping;
  format: DatasetFormat;
  reasons: Partial<Record<MappingTarget, string>>;
}

/** Column names that usually hold each target, best first. */
const kNames: Partial<Record<MappingTarget, string[]>> = {
  instruction: ['instruction', 'question', 'query', 'prompt', 'problem', 'task', 'request', 'user'],
  input: ['input', 'context', 'passage', 'document'],
  output: [
    'output',
    'response',
    'answer',
    'completion',
    'solution',
    'target',
    'reply',
    'assistant',
  ],
  system: ['system', 'system_prompt'],
  text: ['text', 'content', 'body'],
};

/**
 * Propose a mapping from column names and sample values: a column of message lists becomes a
 * chat mapping (role and content keys and role values found in the samples); otherwise string
 * columns are matched by name, and failing that by length (shortest as instruction, longest as
 * output). Null when no column holds text.
 */
export function proposeMapping(
  columns: readonly string[],
  sampleRows: readonly unknown[],
): MappingProposal | null {
  const rows = sampleRows.filter(isObject);
  const values = (col: string) =>
    rows.map((r) => r[col]).filter((v) => v !== undefined && v !== null);
  // a column of message lists
  for (const col of columns) {
    const lists = values(col).filter(Array.isArray);
    const items = lists.flat().filter(isObject);
    if (lists.length === 0 || items.length === 0) continue;
    const keys = [...new Set(items.flatMap((m) => Object.keys(m)))];
    const distinct = (k: string) => new Set(items.map((m) => m[k])).size;
    const role =
      kRoleKeys.find((k) => keys.includes(k)) ??
      keys
        .filter((k) => items.every((m) => typeof m[k] === 'string'))
        .sort((a, b) => distinct(a) - distinct(b))[0];
    const content =
      kContentKeys.find((k) => keys.includes(k) && k !== role) ?? keys.find((k) => k !== role);
    if (role === undefined || content === undefined) continue;
    const mapping: ColumnMapping = { messages: col, role, content };
    const reasons: MappingProposal['reasons'] = {
      messages: `"${col}" holds lists of objects`,
      role: `"${role}" names the speaker`,
      content: `"${content}" holds the text`,
    };
    const roleValues = [
      ...new Set(items.map((m) => m[role]).filter((v): v is string => typeof v === 'string')),
    ];
    const unknown = roleValues.filter((v) => roleAlias(v) === undefined);
    // two speakers with unknown names: the first to speak is the user
    if (unknown.length === 2 && roleValues.length === 2) {
      const firstSpeaker = items[0][role];
      const [u, a] = firstSpeaker === unknown[1] ? [unknown[1], unknown[0]] : unknown;
      mapping['role.user'] = u;
      mapping['role.assistant'] = a;
      reasons['role.user'] = `"${u}" speaks first`;
      reasons['role.assistant'] = `"${a}" answers`;
    } else {
      for (const v of roleValues) {
        const r = roleAlias(v);
        if (r && v !== r) {
          mapping[`role.${r}`] = v;
          reasons[`role.${r}`] = `"${v}" is a usual name for ${r}`;
        }
      }
    }
    return { mapping, format: 'messages', reasons };
  }
  const text = columns.filter(
    (c) => values(c).length > 0 && values(c).every((v) => typeof v === 'string'),
  );
  if (text.length === 0) return null;
  const avg = (c: string) => {
    const v = values(c) as string[];
    return v.reduce((n, s) => n + s.length, 0) / v.length;
  };
  const mapping: ColumnMapping = {};
  const reasons: MappingProposal['reasons'] = {};
  const taken = new Set<string>();
  for (const target of ['output', 'instruction', 'input', 'system'] as const) {
    for (const name of kNames[target]!) {
      const col = text.find((c) => c.toLowerCase() === name && !taken.has(c));
      if (col !== undefined) {
        mapping[target] = col;
        reasons[target] = `column named "${col}"`;
        taken.add(col);
        break;
      }
    }
  }
  if (mapping.instruction !== undefined && mapping.output !== undefined) {
    return { mapping, format: 'alpaca', reasons };
  }
  // the rest by length: the answer is usually the longest text, the request the shortest
  const need = Number(mapping.instruction === undefined) + Number(mapping.output === undefined);
  const pool = text.filter((c) => !taken.has(c));
  if (pool.length < need && mapping.input !== undefined) {
    pool.push(mapping.input); // input/output with no instruction: the input is the request
    delete mapping.input;
    delete reasons.input;
  }
  if (pool.length < need) {
    const col = text.find((c) => kNames.text!.includes(c.toLowerCase())) ?? text[0];
    const why =
      text.length === 1
        ? 'is the only text column'
        : 'holds text, and no request/answer pair was found';
    return { mapping: { text: col }, format: 'text', reasons: { text: `"${col}" ${why}` } };
  }
  const byLength = [...pool].sort((a, b) => avg(a) - avg(b));
  if (mapping.instruction === undefined) {
    mapping.instruction = byLength.shift()!;
    reasons.instruction = `"${mapping.instruction}" has the shortest texts`;
  }
  if (mapping.output === undefined) {
    mapping.output = byLength.pop()!;
    reasons.output = `"${mapping.output}" has the longest texts`;
  }
  return { mapping, format: 'alpaca', reasons };
}
