// Looping answers: an assistant turn in which one sentence, or one run of 4 words, occurs 3 times
// or more, the signature of a generation that got stuck and was kept as training data. Fenced code
// blocks are left out (code repeats lines on purpose), as are sentences too short to mean a loop
// ("Yes." three times in a list). Chinese and Japanese have no spaces: their words come from
// Intl.Segmenter, in Node and in browsers alike.
import { letterCount } from './turns';

const kMinCount = 3;
const kNgram = 4;

export interface RepetitionHit {
  /** "sentence" or "4-word run". */
  what: string;
  text: string;
  count: number;
}

const kCodeFence = /```[\s\S]*?(?:```|$)/g;
const kCjk = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
// a sentence ends at . ! ? (then whitespace), at a CJK full stop, or at a line break
const kSentenceEnd = /(?<=[.!?])\s+|(?<=[。！？])|\n+/u;

// a word: letters and digits, with inner apostrophes or hyphens ("don't", "well-known")
const kWord = /[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu;

let segmenter: Intl.Segmenter | undefined;

/** Lowercased words without edge punctuation; CJK text segmented by Intl.Segmenter. */
function words(text: string): string[] {
  if (kCjk.test(text)) {
    segmenter ??= new Intl.Segmenter('zh', { granularity: 'word' });
    const out: string[] = [];
    for (const s of segmenter.segment(text.toLowerCase())) if (s.isWordLike) out.push(s.segment);
    return out;
  }
  return text.toLowerCase().match(kWord) ?? [];
}

/** The repeated sentence or 4-word run of an assistant turn, or null. */
export function findRepetition(content: string): RepetitionHit | null {
  const prose = content.replace(kCodeFence, '\n');

  const sentences = new Map<string, number>();
  for (const raw of prose.split(kSentenceEnd)) {
    const s = raw.trim().toLowerCase().replace(/\s+/g, ' ');
    // a loop worth flagging: 3+ words, or 8+ letters for CJK sentences without spaces
    if (s.split(' ').length < 3 && letterCount(s) < 8) continue;
    sentences.set(s, (sentences.get(s) ?? 0) + 1);
  }
  let top: RepetitionHit | null = null;
  for (const [text, count] of sentences) {
    if (count >= kMinCount && (top === null || count > top.count)) {
      top = { what: 'sentence', text, count };
    }
  }
  if (top) return top;

  // occurrences that do not overlap: "a a a a a a" is one 4-word run found once per 4 words.
  // Words become ids and a run's key packs its 4 ids in 52 bits: exact (no hash collision can
  // flag a clean answer) and no string per run, while an answer has < 8192 distinct words.
  const w = words(prose);
  const ids = new Map<string, number>();
  const seq = w.map((word) => {
    let id = ids.get(word);
    if (id === undefined) ids.set(word, (id = ids.size));
    return id;
  });
  const key =
    ids.size < 8192
      ? (i: number) => ((seq[i] * 8192 + seq[i + 1]) * 8192 + seq[i + 2]) * 8192 + seq[i + 3]
      : (i: number) => w.slice(i, i + kNgram).join(' ');
  const last = new Map<number | string, number>();
  const counts = new Map<number | string, number>();
  let best: { at: number; count: number } | null = null;
  for (let i = 0; i + kNgram <= w.length; i++) {
    const k = key(i);
    const prev = last.get(k);
    if (prev !== undefined && i - prev < kNgram) continue;
    last.set(k, i);
    const n = (counts.get(k) ?? 0) + 1;
    counts.set(k, n);
    if (n >= kMinCount && (best === null || n > best.count)) best = { at: i, count: n };
  }
  if (best === null) return null;
  return {
    what: `${kNgram}-word run`,
    text: w.slice(best.at, best.at + kNgram).join(' '),
    count: best.count,
  };
}
