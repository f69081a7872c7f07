// Near-duplicate search: for each document, the earliest earlier document whose word-shingle
// Jaccard similarity with it is at least the threshold, found with MinHash + LSH (minhash.ts) in
// about linear time, and confirmed on the shingle strings, so that an estimate alone never
// flags a row.
//
// Rows are visited in order. A row's candidates are the earlier rows sharing an LSH band with it,
// tried oldest first: each is skipped when the signatures put its similarity well below the
// threshold (cheap), else confirmed or rejected with the exact Jaccard similarity (costly, rare),
// and the first confirmed one is the answer.
//
// Limits, each an option: LSH finds a pair at the threshold with probability 1 - 1e-3 or better
// (rows per band are chosen for it); a pair whose estimate falls more than `margin` under the
// threshold is not verified; each bucket is walked over its oldest `maxBucketWalk` rows only; and
// a row verifies at most `maxVerified` candidates oldest first, then the 4 best estimates among
// the rest. The last two bound the cost where one long shared prompt makes every pair a candidate
// just under the threshold (20k such rows cost 42 s of verifications without them): there the
// rows that truly repeat one another still share the smaller buckets their own words make, and
// have the best estimates, so a row may then name a later similar row than the earliest.
import { BucketTable } from './buckets';
import {
  bandKey,
  chooseRows,
  jaccard,
  MinHasher,
  shingleHashes,
  shingleSet,
  wordsOf,
} from './minhash';

/** Candidates verified, by estimate, once a row has verified `maxVerified` oldest first. */
const kBestEstimates = 4;

export interface NearDuplicateOptions {
  threshold: number;
  /** Words per shingle (5). */
  shingle?: number;
  /** MinHash slots (128) and slots per LSH band (by default from the threshold, see chooseRows). */
  numPerm?: number;
  rows?: number;
  /**
   * Candidates whose estimated similarity is below threshold - margin are not verified (0.1:
   * 2.5 standard deviations of the estimate with 128 slots, so a pair exactly at 0.7 is skipped
   * with probability 0.007, one at 0.75 with 5e-5). Set to 1 to verify every candidate.
   */
  margin?: number;
  /**
   * The most rows walked per bucket (32), and candidates verified oldest first per row (8) before
   * only the best few estimates among the rest are.
   */
  maxBucketWalk?: number;
  maxVerified?: number;
}

export interface NearDuplicateMatch {
  /** Index of the earliest earlier document at or above the threshold. */
  of: number;
  /** Their exact Jaccard similarity. */
  similarity: number;
}

export interface NearDuplicateStats {
  /** Candidate pairs LSH proposed (within the walk limit), pairs verified exactly, confirmed. */
  candidates: number;
  verified: number;
  confirmed: number;
  /** Verified pairs whose MinHash estimate reached the threshold but whose true similarity did not. */
  rejectedEstimates: number;
}

/**
 * `texts[i]` null: document i takes no part (an exact duplicate, reported as such). Returns the
 * match of each document that has one, keyed by index.
 */
export function findNearDuplicates(
  texts: readonly (string | null)[],
  options: NearDuplicateOptions,
): { matches: Map<number, NearDuplicateMatch>; stats: NearDuplicateStats } {
  const { threshold } = options;
  const k = options.shingle ?? 5;
  const numPerm = options.numPerm ?? 128;
  const rows = options.rows ?? chooseRows(threshold, numPerm);
  const bands = Math.floor(numPerm / rows);
  const margin = options.margin ?? 0.1;
  const maxWalk = options.maxBucketWalk ?? 32;
  const maxVerified = options.maxVerified ?? 8;

  const hasher = new MinHasher(numPerm);
  const n = texts.length;
  // low 16 bits of each signature slot: enough to estimate (a false agreement per slot is
  // 1/65536, and it can only raise the estimate, which exact verification then corrects)
  const sigs = new Uint16Array(n * numPerm);
  const sig = new Uint32Array(numPerm);
  const table = new BucketTable(n * bands);
  const keys = new Uint32Array(bands);
  const seen = new Set<number>();
  const candidates: number[] = [];
  const matches = new Map<number, NearDuplicateMatch>();
  const stats: NearDuplicateStats = {
    candidates: 0,
    verified: 0,
    confirmed: 0,
    rejectedEstimates: 0,
  };

  const estimate = (a: number, b: number): number => {
    let same = 0;
    for (let p = 0; p < numPerm; p++) if (sigs[a * numPerm + p] === sigs[b * numPerm + p]) same++;
    return same / numPerm;
  };

  for (let i = 0; i < n; i++) {
    const text = texts[i];
    if (text === null) continue;
    const words = wordsOf(text);
    if (words.length === 0) continue; // no shingle: similarity is undefined
    hasher.signature(shingleHashes(words, k), sig);
    for (let p = 0; p < numPerm; p++) sigs[i * numPerm + p] = sig[p] & 0xffff;
    seen.clear();
    candidates.length = 0;
    for (let b = 0; b < bands; b++) {
      keys[b] = bandKey(sig, b, rows);
      table.forEach(keys[b], maxWalk, (row) => {
        if (seen.has(row)) return;
        seen.add(row);
        candidates.push(row);
      });
    }
    stats.candidates += candidates.length;
    candidates.sort((a, b) => a - b);

    // oldest first, up to maxVerified; then, where one shared prompt makes many older rows look
    // close, the few best estimates among the rest (the earliest confirmed one of those)
    let mine: Set<string> | null = null;
    const verify = (c: number, estimated: number): NearDuplicateMatch | undefined => {
      mine ??= shingleSet(words, k);
      stats.verified++;
      const similarity = jaccard(mine, shingleSet(wordsOf(texts[c] ?? ''), k));
      if (similarity >= threshold) return { of: c, similarity };
      if (estimated >= threshold) stats.rejectedEstimates++;
      return undefined;
    };
    let match: NearDuplicateMatch | undefined;
    let verified = 0;
    const rest: { c: number; estimated: number }[] = [];
    for (const c of candidates) {
      const estimated = estimate(c, i);
      if (estimated < threshold - margin) continue;
      if (verified >= maxVerified) {
        rest.push({ c, estimated });
        continue;
      }
      verified++;
      match = verify(c, estimated);
      if (match) break;
    }
    if (!match && rest.length > 0) {
      rest.sort((a, b) => b.estimated - a.estimated || a.c - b.c);
      const best = rest.slice(0, kBestEstimates).sort((a, b) => a.c - b.c);
      for (const { c, estimated } of best) {
        match = verify(c, estimated);
        if (match) break;
      }
    }
    if (match) {
      stats.confirmed++;
      matches.set(i, match);
      // an identical shingle set adds nothing to the buckets: any later row similar to it is as
      // similar to its earlier twin, which is found first
      if (match.similarity === 1) continue;
    }
    for (let b = 0; b < bands; b++) table.add(keys[b], i);
  }
  return { matches, stats };
}
