// Language of short chat turns, for the `language_mismatch` lint: an assistant turn in another
// language than the user turn it answers.
//
// The identifier is eld (Efficient Language Detector, pure JS, 60 languages, no native code or
// WASM: runs in a Web Worker and in Node), its "medium" n-gram database. Measured on 280
// hand-written 20-50-letter questions and answers in en, vi, fr, de, es, zh, ja
// (test/bench/lid-measure.ts): eld medium 100%, tinyld 97%, cld3-asm 94%, franc 78% (franc took a
// third of the English turns for Scots, Portuguese or Romanian).
//
// What is judged: prose only (code, inline code and URLs removed), and only when both turns keep
// at least 20 letters. No mismatch is claimed when the user turn (or the system prompt) asks for a
// translation or names a language ("Translate to French: ...", "trả lời bằng tiếng Anh"), nor when
// either side is one eld calls unreliable.
import { eld as eldMedium } from 'eld/medium';
import { letterCount } from './turns';

/** Letters each turn needs before its language is judged. */
export const kMinLetters = 20;

// eld reads the first 1000 characters; prose is judged on its first 160 (a tweet's
// worth, on which eld is 99% right; its time grows with the length)
const kMaxChars = 160;

// an instance of our own, so that turning on its text cleanup (URLs, e-mails, numbers out)
// changes nothing for another user of the shared `eld` object
const detector = eldMedium.newInstance();
detector.enableTextCleanup(true);

// word edges that also hold for non-ASCII letters (\b is ASCII-only: it fails before "über")
const B = String.raw`(?<![\p{L}\p{N}])`;
const E = String.raw`(?![\p{L}\p{N}])`;

/** Translate verbs and language names in en, vi, fr, de, es, zh, ja. */
const kLanguageRequest = new RegExp(
  [
    `${B}translat`,
    `${B}tradu[cijz]`,
    `${B}übersetz`,
    `${B}dịch${E}[^.?!\n]{0,60}${B}(?:sang|ra)${E}`,
    `${B}bản dịch${E}`,
    '翻[译譯訳]|訳し',
    `${B}(?:english|vietnamese|french|german|spanish|chinese|mandarin|japanese|korean|italian|portuguese|russian|arabic)${E}`,
    `${B}tiếng (?:anh|việt|pháp|đức|tây ban nha|trung|hoa|nhật|hàn|ý|nga|bồ đào nha)${E}`,
    `${B}(?:anglais|français|allemand|espagnol|chinois|japonais|vietnamien|italien)${E}`,
    `${B}(?:englisch|deutsch|französisch|spanisch|chinesisch|japanisch|vietnamesisch|italienisch)${E}`,
    `${B}(?:inglés|español|francés|alemán|japonés|vietnamita)${E}`,
    '英[文语語]|中文|汉语|[法德日韩韓俄]语|西班牙语|日文|越南语|日本語|中国語|韓国語|フランス語|ドイツ語|スペイン語|ベトナム語',
  ].join('|'),
  'iu',
);

const kCode = /```[\s\S]*?(?:```|$)|`[^`\n]*`|https?:\/\/\S+/g;

/** The prose of a turn: code blocks, inline code and URLs removed, cut to what eld reads. */
export function prose(text: string): string {
  return text.replace(kCode, ' ').slice(0, kMaxChars);
}

/** True when the text asks for a translation or names a language. */
export function asksForLanguage(text: string): boolean {
  return kLanguageRequest.test(text);
}

/** True when the prose of `text` has letters enough to judge its language. */
export function longEnough(text: string): boolean {
  return letterCount(prose(text)) >= kMinLetters;
}

/** ISO 639-1 code of the prose of `text`, or null when too short or not reliable. */
export function languageOf(text: string): string | null {
  const p = prose(text);
  if (letterCount(p) < kMinLetters) return null;
  const result = detector.detect(p);
  if (!result.language || !result.isReliable()) return null;
  return result.language;
}
