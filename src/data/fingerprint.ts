// What decides the tokens of a dataset: the tokenizer files, the chat template (choice and the
// pinned date) and the max length. The studio tokenizes a dataset once, in the dataset worker, and
// hands the tokens to the engine worker with this fingerprint; the engine refuses tokens whose
// fingerprint is not the loaded model's, so what the preview shows is what trains.
import type { TemplateChoice } from './choice';

export interface TokenizationKey {
  /** `tokenizerFingerprint` of the tokenizer files. */
  tokenizer: string;
  template: TemplateChoice;
  date: string;
  maxLength: number;
}

/** FNV-1a, 64 bits as two 32-bit lanes: fast on multi-MB tokenizer.json text, stable everywhere. */
function fnv64(parts: readonly string[]): string {
  let h1 = 0x811c9dc5;
  let h2 = 0xcbf29ce4;
  for (const s of parts) {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
      h2 = Math.imul(h2 ^ c ^ (h1 >>> 16), 0x01000193) >>> 0;
    }
    h1 = Math.imul(h1 ^ 0xff, 0x01000193) >>> 0; // separator, so ("ab","c") ≠ ("a","bc")
  }
  return h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0');
}

/** The tokenizer files' identity alone (which tokenizer is loaded). */
export function tokenizerFingerprint(tokenizerJson: string, tokenizerConfig: string): string {
  return fnv64([tokenizerJson, tokenizerConfig]);
}

/** The identity of a tokenization: equal keys give equal tokens. */
export function tokenizationFingerprint(k: TokenizationKey): string {
  return fnv64([k.tokenizer, JSON.stringify(k.template), k.date, String(k.maxLength)]);
}
