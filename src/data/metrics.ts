// Generation metrics on sets with references (BLEU, ROUGE-L, exact match, stop rate, mean length),
// computed once here for the studio and the CLI, and defined so that the numbers compare with the
// Python tools people check them against:
// - BLEU is sacreBLEU's corpus BLEU with its defaults (mjpost/sacrebleu): the `13a` tokenizer
//   (sacrebleu/tokenizers/tokenizer_13a.py + tokenizer_re.py), n-grams up to 4, `exp` smoothing,
//   brevity penalty, no effective order, case kept (sacrebleu/metrics/bleu.py: corpus_score,
//   compute_bleu, _get_closest_ref_len; helpers.py: extract_all_word_ngrams). Scale 0-100.
// - ROUGE-L is rouge-score's LCS F1 with beta 1 (google-research/rouge/rouge_scorer.py: _score_lcs,
//   scoring.fmeasure), averaged over examples. Its tokenizer (rouge/tokenize.py) keeps only
//   [a-z0-9] and so drops Vietnamese letters; ours keeps maximal runs of Unicode letters, marks and
//   digits after NFKC and lowercasing, which is the same thing on ASCII text.
// - Exact match compares after NFKC, trimming, and collapsing whitespace runs to one space.
// ROUGE-L, exact match and stop rate are fractions in [0, 1]; mean length counts generated tokens
// without the stop token.

export class MetricsInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetricsInputError';
  }
}

// ---------------------------------------------------------------------------------------------
// BLEU

const kMaxOrder = 4;

/** Python's str.isspace() set, which str.split() and str.rstrip() use: JS `\s` has U+FEFF, which
 * Python does not, and lacks U+001C-U+001F and U+0085, which Python has. */
const kPyWhitespace =
  '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const kPySplit = new RegExp(`[${kPyWhitespace}]+`, 'u');
const kPyTrailing = new RegExp(`[${kPyWhitespace}]+$`, 'u');

/** Python's `s.split()`: no empty strings, whitespace as Python defines it. */
function pySplit(s: string): string[] {
  return s.split(kPySplit).filter((t) => t.length > 0);
}

// tokenizer_re.py, in order. Python's `[0-9]` and these classes are ASCII, so JS regexes with the
// same classes match the same characters. The first class is sacreBLEU's
// `[\{-\~\[-\` -\&\(-\+\:-\@\/]`: {|}~ [\]^_` space-& (-+ :-@ and /.
const k13aRules: [RegExp, string][] = [
  [/([\x7b-\x7e\x5b-\x60\x20-\x26\x28-\x2b\x3a-\x40\x2f])/gu, ' $1 '],
  // period and comma unless preceded by a digit
  [/([^0-9])([.,])/gu, '$1 $2 '],
  // period and comma unless followed by a digit
  [/([.,])([^0-9])/gu, ' $1 $2'],
  // dash when preceded by a digit
  [/([0-9])(-)/gu, '$1 $2 '],
];

/** sacreBLEU's `13a` tokenizer (mteval-v13a): returns the tokens of one line. */
export function tokenize13a(line: string): string[] {
  let s = line.replaceAll('<skipped>', '').replaceAll('-\n', '').replaceAll('\n', ' ');
  if (s.includes('&')) {
    s = s
      .replaceAll('&quot;', '"')
      .replaceAll('&amp;', '&')
      .replaceAll('&lt;', '<')
      .replaceAll('&gt;', '>');
  }
  s = ` ${s} `;
  for (const [re, repl] of k13aRules) s = s.replace(re, repl);
  return pySplit(s);
}

/** What BLEU does to each segment before counting: `rstrip()` then tokenize (bleu.py
 * _preprocess_segment; lowercase is off by default). */
function bleuTokens(segment: string): string[] {
  return tokenize13a(segment.replace(kPyTrailing, ''));
}

/** n-gram counts for n = 1..kMaxOrder, keyed `n:tok tok ...` (tokens never contain a space). */
function ngramCounts(tokens: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (let n = 1; n <= kMaxOrder; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      const key = `${n}:${tokens.slice(i, i + n).join(' ')}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

/** bleu.py _get_closest_ref_len: the reference length closest to the hypothesis, ties to the shorter. */
function closestRefLen(hypLen: number, refLens: number[]): number {
  let best = -1;
  let bestDiff = -1;
  for (const len of refLens) {
    const diff = Math.abs(hypLen - len);
    if (bestDiff === -1 || diff < bestDiff || (diff === bestDiff && len < best)) {
      bestDiff = diff;
      best = len;
    }
  }
  return best;
}

/** Corpus BLEU's sufficient statistics, summed over segments. */
export interface BleuStats {
  /** Matched n-grams (clipped by the reference counts), n = 1..4. */
  counts: number[];
  /** Hypothesis n-grams, n = 1..4. */
  totals: number[];
  sysLen: number;
  refLen: number;
}

export interface BleuScore extends BleuStats {
  /** 0-100, as sacreBLEU prints it. */
  score: number;
  /** n-gram precisions in percent, after smoothing. */
  precisions: number[];
  /** Brevity penalty in [0, 1]. */
  bp: number;
}

/** sacreBLEU's my_log: log, with log(0) floored to a very low number instead of -Infinity. */
function myLog(x: number): number {
  return x === 0 ? -9999999999 : Math.log(x);
}

/** BLEU from its statistics with `exp` smoothing (bleu.py compute_bleu, effective_order=False). */
export function bleuFromStats(stats: BleuStats): BleuScore {
  const { counts, totals, sysLen, refLen } = stats;
  let bp = 1;
  if (sysLen < refLen) bp = sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0;
  const precisions = new Array<number>(kMaxOrder).fill(0);
  // No match at all: 0, not an artefact of smoothing (sacreBLEU #141).
  if (!counts.some((c) => c > 0)) return { ...stats, score: 0, precisions, bp };
  let smooth = 1;
  for (let n = 0; n < kMaxOrder; n++) {
    if (totals[n] === 0) break;
    if (counts[n] === 0) {
      // exp smoothing (NIST mteval-v13a): 1/2^k for the k-th order without a match.
      smooth *= 2;
      precisions[n] = 100 / (smooth * totals[n]);
    } else {
      precisions[n] = (100 * counts[n]) / totals[n];
    }
  }
  const logMean = precisions.reduce((a, p) => a + myLog(p), 0) / kMaxOrder;
  return { ...stats, score: bp * Math.exp(logMean), precisions, bp };
}

/**
 * sacreBLEU `corpus_bleu(hyps, refs)` with default settings. Each entry of `refs` is the reference
 * of the hypothesis at the same index, or several references for it (sacreBLEU's reference
 * streams, transposed).
 */
export function corpusBleu(
  hyps: readonly string[],
  refs: readonly (string | readonly string[])[],
): BleuScore {
  if (hyps.length !== refs.length) {
    throw new MetricsInputError(
      `BLEU needs one reference entry per hypothesis: got ${hyps.length} hypotheses and ${refs.length} references`,
    );
  }
  const counts = new Array<number>(kMaxOrder).fill(0);
  const totals = new Array<number>(kMaxOrder).fill(0);
  let sysLen = 0;
  let refLen = 0;
  hyps.forEach((hyp, i) => {
    const entry = refs[i];
    const refList = typeof entry === 'string' ? [entry] : entry;
    if (refList.length === 0) {
      throw new MetricsInputError(`hypothesis ${i} has no reference`);
    }
    // Reference n-gram counts: the maximum over references (bleu.py _extract_reference_info).
    const refMax = new Map<string, number>();
    const refLens: number[] = [];
    for (const ref of refList) {
      const toks = bleuTokens(ref);
      refLens.push(toks.length);
      for (const [k, c] of ngramCounts(toks)) refMax.set(k, Math.max(refMax.get(k) ?? 0, c));
    }
    const hypToks = bleuTokens(hyp);
    sysLen += hypToks.length;
    refLen += closestRefLen(hypToks.length, refLens);
    for (const [k, c] of ngramCounts(hypToks)) {
      const n = Number(k.slice(0, k.indexOf(':'))) - 1;
      totals[n] += c;
      counts[n] += Math.min(c, refMax.get(k) ?? 0);
    }
  });
  return bleuFromStats({ counts, totals, sysLen, refLen });
}

// ---------------------------------------------------------------------------------------------
// ROUGE-L and exact match

/** Maximal runs of Unicode letters (L), marks (M) and decimal digits (Nd), after NFKC and
 * lowercasing; everything else (punctuation, `_`, symbols, emoji) separates tokens. */
export function rougeTokens(text: string): string[] {
  return (
    text
      .normalize('NFKC')
      .toLowerCase()
      .match(/[\p{L}\p{M}\p{Nd}]+/gu) ?? []
  );
}

/** Length of the longest common subsequence (rouge_scorer.py _lcs_table, two rows at a time). */
function lcsLength(a: string[], b: string[]): number {
  let prev = new Int32Array(b.length + 1);
  let cur = new Int32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      cur[j] = a[i - 1] === b[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
}

export interface RougeLScore {
  precision: number;
  recall: number;
  fmeasure: number;
}

/** ROUGE-L precision, recall and F1 of one hypothesis against one reference (_score_lcs). */
export function rougeLScore(hyp: string, ref: string): RougeLScore {
  const h = rougeTokens(hyp);
  const r = rougeTokens(ref);
  if (h.length === 0 || r.length === 0) return { precision: 0, recall: 0, fmeasure: 0 };
  const lcs = lcsLength(r, h);
  const precision = lcs / h.length;
  const recall = lcs / r.length;
  // scoring.fmeasure
  const fmeasure = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, fmeasure };
}

/** ROUGE-L F1 of one example, in [0, 1]. */
export function rougeL(hyp: string, ref: string): number {
  return rougeLScore(hyp, ref).fmeasure;
}

function normalizeForMatch(s: string): string {
  return s.normalize('NFKC').trim().replace(/\s+/gu, ' ');
}

/** Equal after NFKC, trimming, and collapsing whitespace runs to one space (case kept). */
export function exactMatch(hyp: string, ref: string): boolean {
  return normalizeForMatch(hyp) === normalizeForMatch(ref);
}

// ---------------------------------------------------------------------------------------------
// Per-model summary

export interface GenerationRow {
  reference: string;
  /** The generated text, the stop token excluded. */
  text: string;
  /** True when a stop token ended the reply (not the length limit). */
  stopped: boolean;
  /** Generated tokens, without the stop token. */
  tokens: number;
}

export interface GenerationSummary {
  examples: number;
  /** Corpus BLEU score, 0-100. */
  bleu: number;
  /** BLEU with its precisions, brevity penalty and lengths. */
  bleuDetail: BleuScore;
  /** Mean ROUGE-L F1 over examples, [0, 1]. */
  rougeL: number;
  /** Fraction of exact matches, [0, 1]. */
  exact: number;
  /** Fraction of replies ended by a stop token, [0, 1]. */
  stopped: number;
  /** Mean generated tokens per reply, the stop token excluded. */
  meanLength: number;
}

/** The metrics of one model's generations. An empty set gives zeros (and `examples: 0`). */
export function summarizeGenerations(rows: readonly GenerationRow[]): GenerationSummary {
  const k = rows.length;
  const bleuDetail = corpusBleu(
    rows.map((r) => r.text),
    rows.map((r) => r.reference),
  );
  let rouge = 0;
  let exact = 0;
  let stopped = 0;
  let length = 0;
  for (const r of rows) {
    rouge += rougeL(r.text, r.reference);
    if (exactMatch(r.text, r.reference)) exact++;
    if (r.stopped) stopped++;
    length += r.tokens;
  }
  const mean = (x: number) => (k === 0 ? 0 : x / k);
  return {
    examples: k,
    bleu: bleuDetail.score,
    bleuDetail,
    rougeL: mean(rouge),
    exact: mean(exact),
    stopped: mean(stopped),
    meanLength: mean(length),
  };
}

/** The CLI's `summary` object: each metric keyed by model name (e.g. base, tuned). */
export interface SummaryByModel {
  examples: number;
  bleu: Record<string, number>;
  rougeL: Record<string, number>;
  exact: Record<string, number>;
  stopped: Record<string, number>;
  mean_length: Record<string, number>;
}

/** Turn per-model summaries into `{examples, bleu: {base, tuned}, rougeL: {...}, ...}`. */
export function summaryByModel(
  models: Readonly<Record<string, GenerationSummary>>,
): SummaryByModel {
  const names = Object.keys(models);
  const examples = names.length ? models[names[0]].examples : 0;
  for (const name of names) {
    if (models[name].examples !== examples) {
      throw new MetricsInputError(
        `models were scored on different sets: ${names[0]} has ${examples} examples, ${name} has ${models[name].examples}`,
      );
    }
  }
  const pick = (f: (s: GenerationSummary) => number) =>
    Object.fromEntries(names.map((n) => [n, f(models[n])]));
  return {
    examples,
    bleu: pick((s) => s.bleu),
    rougeL: pick((s) => s.rougeL),
    exact: pick((s) => s.exact),
    stopped: pick((s) => s.stopped),
    mean_length: pick((s) => s.meanLength),
  };
}
