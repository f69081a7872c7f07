// The per-example checks of the lint (all but the two duplicate kinds, which compare rows): each
// takes one example's turns and returns its flag, or null. One flag per kind and example: the
// message names the first turn with the problem and how many more have it.
import { asksForLanguage, languageOf, longEnough } from './language';
import { findPii } from './pii';
import { refusalPhrase } from './refusal';
import { findRepetition } from './repetition';
import { quote, type Turn } from './turns';
import type { LintFlag, LintKind, LintTokenFacts } from './types';

function flag(kind: LintKind, message: string): LintFlag {
  return { kind, message };
}

/** " (and 2 more turns)" when the problem is in more than one turn. */
function more(hits: number): string {
  return hits > 1 ? ` (and ${hits - 1} more turn${hits > 2 ? 's' : ''})` : '';
}

/** Runs `find` on the assistant turns; flags the first hit, counting the others. */
function firstAssistantHit<T>(
  turns: readonly Turn[],
  find: (content: string) => T | null,
  message: (turn: Turn, hit: T) => string,
  kind: LintKind,
): LintFlag | null {
  let first: { turn: Turn; hit: T } | null = null;
  let hits = 0;
  for (const turn of turns) {
    if (turn.role !== 'assistant') continue;
    const hit = find(turn.content);
    if (hit === null) continue;
    hits++;
    first ??= { turn, hit };
  }
  return first ? flag(kind, message(first.turn, first.hit) + more(hits)) : null;
}

export function emptyAnswer(turns: readonly Turn[]): LintFlag | null {
  return firstAssistantHit(
    turns,
    (c) => (c.trim() === '' ? c : null),
    (t, c) => `${t.where} is ${c === '' ? 'empty' : 'only whitespace'}`,
    'empty_answer',
  );
}

export function refusal(turns: readonly Turn[]): LintFlag | null {
  return firstAssistantHit(
    turns,
    refusalPhrase,
    (t, phrase) => `${t.where} refuses or talks about being an AI: ${quote(phrase)}`,
    'refusal',
  );
}

export function repetition(turns: readonly Turn[]): LintFlag | null {
  return firstAssistantHit(
    turns,
    findRepetition,
    (t, r) => `${t.where} loops: the ${r.what} ${quote(r.text, 60)} occurs ${r.count} times`,
    'repetition',
  );
}

let languageNames: Intl.DisplayNames | undefined;
function languageName(code: string): string {
  try {
    languageNames ??= new Intl.DisplayNames(['en'], { type: 'language' });
    return languageNames.of(code) ?? code;
  } catch {
    return code; // an engine without DisplayNames data
  }
}

/** Each assistant turn against the user turn before it (not when a language is asked for). */
export function languageMismatch(turns: readonly Turn[]): LintFlag | null {
  if (turns.some((t) => t.role === 'system' && asksForLanguage(t.content))) return null;
  let user: Turn | null = null;
  let first: string | null = null;
  let hits = 0;
  for (const turn of turns) {
    if (turn.role === 'user') user = turn;
    if (turn.role !== 'assistant' || user === null) continue;
    // cheap tests first: most turns are long enough and ask for no language
    if (!longEnough(turn.content) || asksForLanguage(user.content)) continue;
    const asked = languageOf(user.content);
    const answered = asked === null ? null : languageOf(turn.content);
    if (asked === null || answered === null || asked === answered) continue;
    hits++;
    first ??=
      `${turn.where} is in ${languageName(answered)}, ` +
      `${user.where} it answers is in ${languageName(asked)}`;
  }
  return first === null ? null : flag('language_mismatch', first + more(hits));
}

/** A matcher for literal special-token text, longest token first. */
export function specialTokenMatcher(tokens: readonly string[]): RegExp | null {
  const list = [...new Set(tokens.filter((t) => t.length > 0))].sort((a, b) => b.length - a.length);
  if (list.length === 0) return null;
  return new RegExp(list.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'));
}

export function specialTokens(turns: readonly Turn[], matcher: RegExp | null): LintFlag | null {
  if (matcher === null) return null;
  let first: string | null = null;
  let hits = 0;
  for (const turn of turns) {
    const m = matcher.exec(turn.content);
    if (!m) continue;
    hits++;
    first ??= `${turn.where} contains ${quote(m[0])}, which the tokenizer reads as a control token`;
  }
  return first === null ? null : flag('special_tokens', first + more(hits));
}

export function truncated(facts: LintTokenFacts | undefined, maxLength?: number): LintFlag | null {
  if (!facts || facts.truncatedTrainedTokens <= 0) return null;
  const n = facts.truncatedTrainedTokens;
  const to = maxLength === undefined ? 'truncation' : `truncation to ${maxLength} tokens`;
  const has = facts.fullLength === undefined ? '' : ` (the example has ${facts.fullLength})`;
  return flag('truncated', `${to} loses ${n} trained token${n === 1 ? '' : 's'}${has}`);
}

export function pii(turns: readonly Turn[]): LintFlag | null {
  let first: string | null = null;
  let hits = 0;
  for (const turn of turns) {
    const hit = findPii(turn.content);
    if (hit === null) continue;
    hits++;
    first ??= `${hit.what} in ${turn.where}: ${hit.masked}`;
  }
  return first === null ? null : flag('pii', first + more(hits));
}
