// The diversity view's numbers: what a set covers. The category column when most rows have one
// (Dolly's `category`), otherwise the openings of the first user turn (its first two words,
// lowercased): a set where most prompts start with "write a" teaches one task, however many rows
// it has. Top 12, the rest as "other", and the top bar when it covers more than 40% of the rows
// (in sets of 10 rows or more).
import type { Example } from '../data/index.ts';
import type { Diversity } from './protocol.ts';

const kTop = 12;
const kDominant = 0.4;
/** Below this many rows a share says little: no warning. */
const kMinRows = 10;

/** The first two words of the first user turn (or the text), lowercased, punctuation trimmed. */
export function openingOf(ex: Example): string {
  const first = ex.messages.find((m) => m.role === 'user')?.content ?? ex.text ?? '';
  const words = first
    .toLowerCase()
    .split(/\s+/)
    .map((w) => w.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, ''))
    .filter((w) => w.length > 0);
  return words.slice(0, 2).join(' ') || '(empty)';
}

export function diversityOf(examples: readonly Example[]): Diversity {
  const withCategory = examples.filter((e) => e.category !== undefined).length;
  const by = examples.length > 0 && withCategory * 2 >= examples.length ? 'category' : 'opening';
  const counts = new Map<string, number>();
  for (const ex of examples) {
    const key = by === 'category' ? (ex.category ?? '(none)') : openingOf(ex);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const bars = sorted.slice(0, kTop).map(([label, count]) => ({ label, count }));
  const rest = sorted.slice(kTop).reduce((n, [, c]) => n + c, 0);
  if (rest > 0) bars.push({ label: 'other', count: rest });
  const total = examples.length;
  const top = sorted[0];
  const dominant =
    top && total >= kMinRows && top[1] / total > kDominant
      ? { label: top[0], share: top[1] / total }
      : null;
  return { by, bars, total, dominant };
}
