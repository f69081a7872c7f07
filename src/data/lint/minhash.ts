// MinHash over word shingles, the estimator behind the near-duplicate search, and the exact
// Jaccard similarity that confirms each candidate it proposes.
//
// A document is its whitespace-normalised, lowercased text, split into words; its shingles are
// the runs of k consecutive words (one shingle of all its words when it has fewer than k). The
// Jaccard similarity of two documents is |A ∩ B| / |A ∪ B| of their shingle sets. MinHash keeps,
// for each of `numPerm` hash functions, the smallest hash over the shingles; two signatures agree
// in a slot with probability equal to the Jaccard similarity (Broder 1997,
// https://en.wikipedia.org/wiki/MinHash). LSH cuts the signature into bands of `rows` slots: two
// documents become candidates when any band agrees entirely, which happens with probability
// 1 - (1 - J^rows)^bands (Leskovec et al., Mining of Massive Datasets, ch. 3.4).

/** Words of the whitespace-normalised, lowercased text. */
export function wordsOf(text: string): string[] {
  const words = text.toLowerCase().split(/\s+/);
  // split() leaves an empty first/last word when the text starts/ends with whitespace
  return words.filter((w) => w.length > 0);
}

/** The distinct shingles (k-word runs joined by one space) of a word list. */
export function shingleSet(words: readonly string[], k: number): Set<string> {
  const set = new Set<string>();
  if (words.length === 0) return set;
  if (words.length < k) {
    set.add(words.join(' '));
    return set;
  }
  for (let i = 0; i + k <= words.length; i++) set.add(words.slice(i, i + k).join(' '));
  return set;
}

/** Exact Jaccard similarity of two shingle sets (1 for two empty sets). */
export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let both = 0;
  for (const s of small) if (large.has(s)) both++;
  const union = a.size + b.size - both;
  return union === 0 ? 1 : both / union;
}

/** murmur3's 32-bit finaliser: spreads every input bit over the output. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a over UTF-16 code units. */
function hashWord(w: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * 32-bit hashes of the shingles of `shingleSet(words, k)` (repeats included: MinHash takes the
 * minimum, so they change nothing). Two different shingles may collide; that only nudges the
 * estimate, and every estimate is confirmed with `jaccard` on the shingle strings.
 */
export function shingleHashes(words: readonly string[], k: number): Uint32Array {
  if (words.length === 0) return new Uint32Array(0);
  const w = words.map(hashWord);
  const width = Math.min(k, w.length);
  const out = new Uint32Array(w.length - width + 1);
  for (let i = 0; i < out.length; i++) {
    let h = width; // the width is part of the hash: "a b" as a whole text differs from a 5-gram
    for (let j = 0; j < width; j++) h = Math.imul(h ^ w[i + j], 0x9e3779b1) ^ (h >>> 15);
    out[i] = fmix32(h);
  }
  return out;
}

/** A deterministic generator for the hash functions' constants (mulberry32). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

export class MinHasher {
  readonly numPerm: number;
  private readonly xors: Uint32Array;
  private readonly muls: Uint32Array;

  constructor(numPerm: number, seed = 1) {
    this.numPerm = numPerm;
    const rand = mulberry32(seed);
    this.xors = new Uint32Array(numPerm);
    this.muls = new Uint32Array(numPerm);
    for (let i = 0; i < numPerm; i++) {
      this.xors[i] = rand();
      this.muls[i] = rand() | 1; // odd: multiplication mod 2^32 is then a bijection
    }
  }

  /** The signature of a shingle-hash list into `out` (length numPerm); all ones when empty. */
  signature(hashes: Uint32Array, out: Uint32Array): void {
    out.fill(0xffffffff);
    for (let p = 0; p < this.numPerm; p++) {
      const x = this.xors[p];
      const m = this.muls[p];
      let min = 0xffffffff;
      for (let i = 0; i < hashes.length; i++) {
        // hash p of the shingle: xor, multiply, fold the high bits down (the inputs are mixed)
        let v = Math.imul(hashes[i] ^ x, m);
        v = (v ^ (v >>> 15)) >>> 0;
        if (v < min) min = v;
      }
      out[p] = min;
    }
  }
}

/** The 32-bit key of band `band` (slots band*rows .. +rows) of a signature. */
export function bandKey(sig: ArrayLike<number>, band: number, rows: number): number {
  let h = Math.imul(band + 1, 0x9e3779b1);
  for (let j = band * rows; j < (band + 1) * rows; j++) h = Math.imul(h ^ sig[j], 0x01000193);
  return fmix32(h);
}

/** Probability that two documents of similarity `j` share no band (LSH misses them). */
export function missProbability(j: number, rows: number, bands: number): number {
  return (1 - j ** rows) ** bands;
}

/**
 * The most rows per band (fewest false candidates) whose bands still find pairs at `threshold`
 * with probability at least 1 - maxMiss. 128 slots at 0.7: 4 rows x 32 bands, a miss rate of 1.5e-4.
 */
export function chooseRows(threshold: number, numPerm: number, maxMiss = 1e-3): number {
  let best = 1;
  for (let rows = 1; rows <= numPerm; rows++) {
    if (missProbability(threshold, rows, Math.floor(numPerm / rows)) <= maxMiss) best = rows;
  }
  return best;
}
