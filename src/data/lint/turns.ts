// How the lint walks one example: its turns (the messages, or the whole text of a `text` row)
// with a name for each that a message can point at, and the identity two rows share when they
// are the same conversation.
import type { Example, Role } from '../types';

export interface Turn {
  role: Role | 'text';
  content: string;
  /** Where it is, for messages: `the assistant turn (messages[3])`, or `the text`. */
  where: string;
}

export function turnsOf(ex: Example): Turn[] {
  if (ex.text !== undefined) return [{ role: 'text', content: ex.text, where: 'the text' }];
  return ex.messages.map((m, i) => ({
    role: m.role,
    content: m.content,
    where: `the ${m.role} turn (messages[${i}])`,
  }));
}

/**
 * Identity of an example for exact duplicates: the same notion as the report's duplicate groups
 * (report.ts `exampleKey`, which is not exported): the normalised messages, or the text.
 */
export function exampleKey(ex: Example): string {
  return ex.text !== undefined ? `t:${ex.text}` : `m:${JSON.stringify(ex.messages)}`;
}

/** All the content of an example, turns joined by a newline (the near-duplicate document). */
export function exampleText(ex: Example): string {
  return ex.text ?? ex.messages.map((m) => m.content).join('\n');
}

const kNonLetters = /[^\p{L}]+/gu;

/** Number of letters (any script), the measure of "long enough to tell" for language checks. */
export function letterCount(s: string): number {
  return s.replace(kNonLetters, '').length;
}

/** A short quote of user text for a message: one line, at most `max` characters. */
export function quote(s: string, max = 40): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return JSON.stringify(one.length > max ? `${one.slice(0, max - 1)}…` : one);
}
