// Generation metrics against worked examples from the Python tools' own test suites:
// mjpost/sacrebleu test/test_bleu.py and test/test_sentence_bleu.py (default settings: 13a, exp
// smoothing), google-research rouge/rouge_scorer_test.py (ASCII text, where rouge-score's
// tokenizer and ours agree), plus Vietnamese text and edge cases.
import { describe, expect, it } from 'vitest';
import {
  bleuFromStats,
  corpusBleu,
  exactMatch,
  MetricsInputError,
  rougeL,
  rougeLScore,
  rougeTokens,
  summarizeGenerations,
  summaryByModel,
  tokenize13a,
} from '../../src/data/metrics';

// test_bleu.py: the README example, two reference streams.
const kHyps = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.'];
const kRefStreams = [
  ['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.'],
  ['The dog had bit the man.', 'No one was surprised.', 'The man had bitten the dog.'],
];
/** sacreBLEU takes reference streams; we take the references of each hypothesis. */
const kRefs = kHyps.map((_, i) => kRefStreams.map((s) => s[i]));

describe('tokenize13a', () => {
  it('splits punctuation, keeps decimals and thousands, splits a dash after a digit', () => {
    // The apostrophe is not in 13a's punctuation class.
    expect(tokenize13a("It wasn't surprising.")).toEqual(['It', "wasn't", 'surprising', '.']);
    expect(tokenize13a('Pi is 3.14, about 1,000 km; 5-6 days')).toEqual(
      'Pi is 3.14 , about 1,000 km ; 5 - 6 days'.split(' '),
    );
  });

  it('unescapes the four entities and drops <skipped>', () => {
    expect(tokenize13a('&quot;a&amp;b&quot; <skipped>x')).toEqual(['"', 'a', '&', 'b', '"', 'x']);
  });

  it('splits on whitespace as Python does (U+0085 yes, U+FEFF no)', () => {
    expect(tokenize13a('a\u0085b\u00a0c')).toEqual(['a', 'b', 'c']);
    expect(tokenize13a('a\ufeffb')).toEqual(['a\ufeffb']);
  });
});

describe('corpusBleu (sacreBLEU defaults)', () => {
  it('test_bleu.py test_corpus_bleu: 48.530827 with two references', () => {
    const r = corpusBleu(kHyps, kRefs);
    expect(r.score).toBeCloseTo(48.530827, 6);
    expect(r.score.toFixed(2)).toBe('48.53'); // test_max_ngram_order, order 4
  });

  it('test_bleu.py: empty hypotheses are scored, not removed, and give 0', () => {
    const r = corpusBleu(['', '', ''], kRefs);
    expect(r.score).toBe(0);
    expect(r.sysLen).toBe(0);
    expect(r.bp).toBe(0);
  });

  it('test_bleu.py test_statistics: n-gram counts and totals', () => {
    const r = corpusBleu(['am I am a character sequence'], ['I am a symbol string sequence a a']);
    expect(r.counts).toEqual([4, 2, 1, 0]);
    expect(r.totals).toEqual([6, 5, 4, 3]);
    expect(r.sysLen).toBe(6);
    expect(r.refLen).toBe(8);
    // exp smoothing of the empty 4-gram order: 100 / (2 * 3); hypothesis shorter than reference.
    expect(r.precisions[3]).toBeCloseTo(100 / 6, 10);
    expect(r.bp).toBeCloseTo(Math.exp(1 - 8 / 6), 12);
    const geo = Math.exp(r.precisions.reduce((a, p) => a + Math.log(p), 0) / 4);
    expect(r.score).toBeCloseTo(r.bp * geo, 10);
  });

  it('test_bleu.py test_scoring: score from statistics', () => {
    const r = bleuFromStats({
      counts: [9, 7, 5, 3],
      totals: [10, 8, 6, 4],
      sysLen: 11,
      refLen: 11,
    });
    expect(Math.abs(r.score / 100 - 0.8375922397)).toBeLessThan(1e-8);
  });

  it('test_sentence_bleu.py: exp smoothing with 13a on Romanian (issue #98) is 8.493', () => {
    const ref = 'producţia de zahăr brut se exprimă în zahăr alb;';
    const sys = 'Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;';
    expect(Math.abs(corpusBleu([sys], [ref]).score - 8.493)).toBeLessThan(1e-3);
  });

  it('test_sentence_bleu.py: zero matches give 0 (issue #141)', () => {
    const r = corpusBleu(['this is a cat'], ['okay thanks']);
    expect(r.score).toBe(0);
    expect(r.precisions).toEqual([0, 0, 0, 0]);
  });

  it('Vietnamese: a perfect hypothesis scores 100, one edit scores less', () => {
    const ref = 'Hà Nội là thủ đô của Việt Nam, với hơn 8 triệu dân.';
    expect(corpusBleu([ref], [ref]).score).toBeCloseTo(100, 10);
    const r = corpusBleu(['Hà Nội là thủ đô của Việt Nam, với hơn 9 triệu dân.'], [ref]);
    expect(r.counts).toEqual([14, 12, 10, 8]);
    expect(r.totals).toEqual([15, 14, 13, 12]);
    // The value sacrebleu 2.6.0 prints for this pair (BLEU = 80.03 93.3/85.7/76.9/66.7).
    expect(r.score).toBeCloseTo(80.03203203845, 9);
  });

  it('is case-sensitive (lowercase=False) and ignores trailing whitespace', () => {
    expect(corpusBleu(['the cat sat on the mat'], ['The Cat Sat On The Mat']).score).toBe(0);
    expect(corpusBleu(['the cat sat on the mat \n'], ['the cat sat on the mat']).score).toBeCloseTo(
      100,
      10,
    );
  });

  it('rejects mismatched lengths with a named error', () => {
    expect(() => corpusBleu(['a'], [])).toThrow(MetricsInputError);
  });
});

describe('rougeL (LCS F1)', () => {
  it('rouge_scorer_test.py: consecutive, non-consecutive and empty', () => {
    expect(rougeLScore('testing one', 'testing one two')).toEqual({
      precision: 1,
      recall: 2 / 3,
      fmeasure: expect.closeTo(4 / 5, 12) as number,
    });
    expect(rougeL('testing two', 'testing one two')).toBeCloseTo(4 / 5, 12);
    expect(rougeL('', 'testing one two')).toBe(0);
  });

  it('rouge_scorer_test.py testRougeLAgainstRouge155 (testdata/target.txt, prediction.txt)', () => {
    const targets = [
      "ZfbCUIUuePaiLVUlCaUXxkpu XPeWing tUHfPMuZ',-Xd Y BrUgVJing M-HV.-DgdDaY.rFDJCRing Ht-LM EKBDXkME,yz'RBr q'wtion wIojNbN wL,b .a-'XdQggyFl jB-RPP'iyOIcUxer tKM L\n",
      "KsJdPByEtAor fE-Qg Dpdbring cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMtion psing sbKao Q m qiing LMmer HqqLFXe,XPY,J XsurkMer ,ed nB'wH'bWVHjWFEing tQ.saefZwJtKrTlixYpMMsJing UCAPwNHeYVjDing c T BUySKtion gMPfJpwGw p'NvxAoping eu pBwMBKV'I DNxqelhu,PHPxDEq,mtion SN\n",
    ];
    const predictions = [
      "rFDJCRtion Ht-LM EKtDXkME,yz'RBr q'wer wrojNbN wL,b .a-'XdQggyFl jB-RPP'iyOIcUxi\n",
      "n cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMer pstion sbKao Q m qier LMmed HqqLFXe,XPY,J XsurkMeo ,ed nB'wH'bWVHjWFEer tQ.saefZwJtKrTlixYpMMNJtion UCAPwNHeYVjD\n",
    ];
    const s0 = rougeLScore(predictions[0], targets[0]);
    expect(s0.recall).toBeCloseTo(0.40741, 5);
    expect(s0.precision).toBeCloseTo(0.6875, 5);
    expect(s0.fmeasure).toBeCloseTo(0.51163, 5);
    const s1 = rougeLScore(predictions[1], targets[1]);
    expect(s1.recall).toBeCloseTo(0.40476, 5);
    expect(s1.precision).toBeCloseTo(0.65385, 5);
    expect(s1.fmeasure).toBeCloseTo(0.5, 5);
  });

  it('keeps Vietnamese letters (rouge-score would drop them), after NFKC and lowercasing', () => {
    expect(rougeTokens('Tôi ĐANG học tiếng Việt!')).toEqual([
      'tôi',
      'đang',
      'học',
      'tiếng',
      'việt',
    ]);
    // Any script's decimal digits count; NFKC turns ² into 2; `_` and emoji separate.
    expect(rougeTokens('x² ٣٤ a_b🤖c')).toEqual(['x2', '٣٤', 'a', 'b', 'c']);
    // NFD input (base letter + combining marks) is the same word after NFKC.
    expect(rougeTokens('Việt'.normalize('NFD'))).toEqual(['việt']);
    // "tôi học" against "tôi đang học": LCS 2, P 1, R 2/3.
    expect(rougeL('Tôi học', 'tôi đang học')).toBeCloseTo(4 / 5, 12);
  });

  it('is 0 when either side has no tokens, and for zero overlap', () => {
    expect(rougeL('...', 'a b')).toBe(0);
    expect(rougeL('a b', '!!')).toBe(0);
    expect(rougeL('x y', 'a b')).toBe(0);
  });

  it('shorter hypothesis: precision 1, recall below 1', () => {
    const s = rougeLScore('the cat', 'the black cat sat');
    expect(s.precision).toBe(1);
    expect(s.recall).toBe(0.5);
    expect(s.fmeasure).toBeCloseTo(2 / 3, 12);
  });
});

describe('exactMatch', () => {
  it('normalizes NFKC, trims and collapses whitespace, keeps case', () => {
    expect(exactMatch('  Xin   chào\n', 'Xin chào')).toBe(true);
    expect(exactMatch('Việt'.normalize('NFD'), 'Việt')).toBe(true);
    expect(exactMatch('ﬁne', 'fine')).toBe(true); // NFKC folds the ligature
    expect(exactMatch('xin chào', 'Xin chào')).toBe(false);
    expect(exactMatch('', '')).toBe(true);
    expect(exactMatch('', 'a')).toBe(false);
  });
});

describe('summarizeGenerations', () => {
  const rows = [
    { reference: 'Xin chào', text: 'Xin chào', stopped: true, tokens: 3 },
    {
      reference: 'the cat sat on the mat',
      text: 'the cat sat on a mat',
      stopped: false,
      tokens: 5,
    },
    { reference: 'hello world', text: '', stopped: true, tokens: 0 },
  ];

  it('computes every metric on its scale', () => {
    const s = summarizeGenerations(rows);
    expect(s.examples).toBe(3);
    // The value sacrebleu 2.6.0 gives for the same three pairs.
    expect(s.bleu).toBeCloseTo(43.487832811974, 9);
    expect(s.bleuDetail.score).toBe(s.bleu);
    // ROUGE-L: 1, then LCS 5 of 6 tokens both ways, then 0 for the empty reply.
    expect(s.rougeL).toBeCloseTo((1 + 5 / 6 + 0) / 3, 12);
    expect(s.exact).toBeCloseTo(1 / 3, 12);
    expect(s.stopped).toBeCloseTo(2 / 3, 12);
    expect(s.meanLength).toBeCloseTo(8 / 3, 12);
  });

  it('BLEU is 0 when no reply has 4 tokens, as in sacreBLEU (no effective order)', () => {
    const s = summarizeGenerations([
      { reference: 'Xin chào', text: 'Xin chào', stopped: true, tokens: 3 },
      { reference: 'the cat', text: 'the cat', stopped: true, tokens: 2 },
    ]);
    expect(s.bleu).toBe(0);
    expect(s.rougeL).toBe(1);
    expect(s.exact).toBe(1);
  });

  it('gives zeros for an empty set', () => {
    const s = summarizeGenerations([]);
    expect(s).toMatchObject({
      examples: 0,
      bleu: 0,
      rougeL: 0,
      exact: 0,
      stopped: 0,
      meanLength: 0,
    });
  });

  it('maps per-model summaries to the CLI shape, and refuses different sets', () => {
    const base = summarizeGenerations(rows);
    const tuned = summarizeGenerations(rows.map((r) => ({ ...r, text: r.reference })));
    const out = summaryByModel({ base, tuned });
    expect(out.examples).toBe(3);
    expect(out.bleu).toEqual({ base: base.bleu, tuned: tuned.bleu });
    expect(out.bleu.tuned).toBeCloseTo(100, 10);
    expect(out.exact).toEqual({ base: base.exact, tuned: 1 });
    expect(out.rougeL.tuned).toBe(1);
    expect(out.stopped).toEqual({ base: 2 / 3, tuned: 2 / 3 });
    expect(out.mean_length).toEqual({ base: 8 / 3, tuned: 8 / 3 });
    expect(() => summaryByModel({ base, tuned: summarizeGenerations(rows.slice(1)) })).toThrow(
      MetricsInputError,
    );
  });
});
