// Where each message ended up in the text a chat template rendered, in characters, and which
// characters an assistant turn trains. Works on any template, with no knowledge of its syntax,
// by rendering variants of the conversation and comparing them with the real rendering:
//
// - content spans: render once more with a private-use marker before and after every message's
//   content; when deleting the markers gives back the real text exactly, the markers say where
//   each content is. Otherwise (a template that trims, splits or drops content), fall back to two
//   renders per message with only that content perturbed: the longest common prefix with the real
//   text ends where the rendered content ends, the longest common suffix starts where it starts
//   (where the probe's marker lands unambiguously, its position says it exactly: see spanByDiff).
// - assistant turns: training starts where the assistant header ends, found as the common prefix
//   of the real text and the rendering of the earlier messages with `add_generation_prompt`, and
//   ends after the first added token (end of turn: `<|eot_id|>`, `<|im_end|>`, `</s>`...) that
//   follows the content, before the next message. Everything the template renders between header
//   and end of turn is trained (Qwen3's empty `<think>\n\n</think>\n\n` in the last turn
//   included); a generation header after the last turn never is.
//
// The rendered text itself never contains a marker: markers only live in the probe renderings.
import type { ChatTemplate } from './templates';
import type { Tokenizer } from './tokenizer';
import type { Message, Role } from './types';

/** Half-open character range [start, end). */
export interface CharSpan {
  start: number;
  end: number;
}

export interface RenderedConversation {
  text: string;
  /** Per message: where its (rendered) content is, null when the template does not render it. */
  contents: (CharSpan | null)[];
  roles: Role[];
  /** Trained character ranges, one per rendered assistant turn, in order. */
  trained: CharSpan[];
}

const kMarkerBase = 0xe000; // Unicode private use area
const kMarkerRe = /[\uE000-\uF8FF]/;

function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

function commonSuffix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(a.length - 1 - i) === b.charCodeAt(b.length - 1 - i)) i++;
  return i;
}

function withContent(messages: readonly Message[], j: number, content: string): Message[] {
  return messages.map((m, i) => (i === j ? { role: m.role, content } : m));
}

/** Fast path: all markers in one render. Null when the template does not keep content verbatim. */
function spansByMarkers(
  template: ChatTemplate,
  messages: readonly Message[],
  text: string,
): (CharSpan | null)[] | null {
  if (messages.length * 2 > 0xf8ff - kMarkerBase || kMarkerRe.test(text)) return null;
  for (const m of messages) if (kMarkerRe.test(m.content)) return null;
  const open = (j: number) => String.fromCharCode(kMarkerBase + 2 * j);
  const close = (j: number) => String.fromCharCode(kMarkerBase + 2 * j + 1);
  let probe: string;
  try {
    probe = template.render(
      messages.map((m, j) => ({ role: m.role, content: open(j) + m.content + close(j) })),
    );
  } catch {
    return null; // a template that validates content: use the slow path
  }
  const spans: (CharSpan | null)[] = messages.map(() => null);
  const starts = new Map<number, number>();
  let out = 0; // position in the marker-free text
  let plain = '';
  let last = 0;
  for (let i = 0; i < probe.length; i++) {
    const c = probe.charCodeAt(i);
    if (c < kMarkerBase || c > 0xf8ff) continue;
    plain += probe.slice(last, i);
    out += i - last;
    last = i + 1;
    const j = (c - kMarkerBase) >> 1;
    if (j >= messages.length) return null;
    if ((c - kMarkerBase) % 2 === 0) {
      if (starts.has(j)) return null; // content rendered twice: ambiguous
      starts.set(j, out);
    } else {
      const s = starts.get(j);
      if (s === undefined || spans[j] !== null) return null;
      spans[j] = { start: s, end: out };
    }
  }
  plain += probe.slice(last);
  if (plain !== text) return null;
  for (let j = 0; j < messages.length; j++) if (starts.has(j) !== (spans[j] !== null)) return null;
  return spans;
}

/**
 * Where the probe marker landed, when it did so unambiguously: rendered once, with the rest of
 * the probe equal to the real text on the side that the message's content does not touch.
 * `side` 'before': the text up to the marker is a prefix of the real text, and the marker's
 * position is where the content starts there. 'after': the text after the marker is a suffix of
 * the real text, and the content ends where that suffix begins.
 */
function markerPosition(probe: string, text: string, side: 'before' | 'after'): number | null {
  const marker = String.fromCharCode(kMarkerBase);
  const k = probe.indexOf(marker);
  if (k === -1 || probe.indexOf(marker, k + 1) !== -1) return null;
  if (side === 'before') return text.startsWith(probe.slice(0, k)) ? k : null;
  const tail = probe.slice(k + 1);
  return text.endsWith(tail) ? text.length - tail.length : null;
}

/**
 * Slow path for one message: perturb only its content and compare with the real text.
 *
 * The marker is located itself rather than inferred from a common prefix or suffix: a template
 * that strips the content (`| trim`, `.lstrip("\n")`) keeps the whitespace that the marker
 * shields, and when the text around the content ends (or starts) with those same characters, as
 * a header ending in "\n\n" does, a common-suffix diff would run back into the header and claim
 * it as content. Diffs remain the fallback for templates that drop or rewrite the marker.
 */
function spanByDiff(
  template: ChatTemplate,
  messages: readonly Message[],
  text: string,
  j: number,
): CharSpan | null {
  const marker = String.fromCharCode(kMarkerBase);
  const after = template.render(withContent(messages, j, messages[j].content + marker));
  if (after === text) return null;
  const end = markerPosition(after, text, 'after') ?? commonPrefix(text, after);
  const before = template.render(withContent(messages, j, marker + messages[j].content));
  const start =
    before === text
      ? end
      : (markerPosition(before, text, 'before') ?? text.length - commonSuffix(text, before));
  return start <= end ? { start, end } : { start: end, end };
}

/** Does add_generation_prompt change anything for this template? (cached per template) */
const genPromptSupport = new WeakMap<ChatTemplate, boolean>();
function supportsGenerationPrompt(template: ChatTemplate): boolean {
  let v = genPromptSupport.get(template);
  if (v === undefined) {
    const probe: Message[] = [{ role: 'user', content: 'Hi' }];
    try {
      v =
        template.render(probe, { addGenerationPrompt: true }) !==
        template.render(probe, { addGenerationPrompt: false });
    } catch {
      v = false;
    }
    genPromptSupport.set(template, v);
  }
  return v;
}

/** End of the earliest end-of-turn token (any added token, or EOS) in text[from, to), or null. */
function findEndOfTurn(tok: Tokenizer, text: string, from: number, to: number): number | null {
  const window = text.slice(from, to);
  let bestStart = Infinity;
  let bestEnd = -1;
  const candidates = tok.eosToken ? [...tok.addedTokens, tok.eosToken] : tok.addedTokens;
  for (const t of candidates) {
    if (!t) continue;
    const k = window.indexOf(t);
    if (k === -1) continue;
    // earliest start wins; on a tie the longer token (the tokenizer matches longest first)
    if (k < bestStart || (k === bestStart && k + t.length > bestEnd)) {
      bestStart = k;
      bestEnd = k + t.length;
    }
  }
  return bestEnd < 0 ? null : from + bestEnd;
}

/** Render a conversation and locate contents and trained assistant turns in the text. */
export function renderConversation(
  tok: Tokenizer,
  template: ChatTemplate,
  messages: readonly Message[],
): RenderedConversation {
  const text = template.render(messages);
  let contents = spansByMarkers(template, messages, text);
  if (contents === null) contents = messages.map((_, j) => spanByDiff(template, messages, text, j));
  // Spans must come in message order; a template that reorders is treated as not rendering them.
  let floor = 0;
  contents = contents.map((s) => {
    if (s === null || s.start < floor) return null;
    floor = s.end;
    return s;
  });

  const trained: CharSpan[] = [];
  const genPrompt = supportsGenerationPrompt(template);
  let prevEnd = 0; // end of the previous rendered content
  for (let i = 0; i < messages.length; i++) {
    const span = contents[i];
    if (messages[i].role !== 'assistant' || span === null) {
      if (span) prevEnd = span.end;
      continue;
    }
    let start = span.start;
    if (genPrompt && i > 0) {
      try {
        const prefix = template.render(messages.slice(0, i), { addGenerationPrompt: true });
        const headerEnd = commonPrefix(text, prefix);
        if (headerEnd >= prevEnd && headerEnd <= span.start) start = headerEnd;
      } catch {
        // a template may refuse a partial conversation: keep the content start
      }
    }
    let next = text.length;
    for (let k = i + 1; k < messages.length; k++) {
      const s = contents[k];
      if (s) {
        next = s.start;
        break;
      }
    }
    const end = findEndOfTurn(tok, text, span.end, next) ?? span.end;
    if (end > start) trained.push({ start, end });
    prevEnd = span.end;
  }
  return { text, contents, roles: messages.map((m) => m.role), trained };
}
