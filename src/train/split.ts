// Seeded train/eval split and the per-epoch shuffle. Both depend only on (seed, n, epoch), so a
// resumed run recomputes the same data order instead of storing it.
import { mulberry32, permutation, subSeed } from './rng.ts';

export interface Split {
  train: number[];
  eval: number[];
}

/**
 * Holds out `round(n * evalFraction)` examples (at least 1 when the fraction is > 0 and n > 1, and
 * never all of them), chosen by a seeded permutation. Indices come back sorted.
 */
export function evalSplit(n: number, evalFraction: number, seed: number): Split {
  if (!(evalFraction > 0) || n < 2) return { train: range(n), eval: [] };
  const k = Math.min(n - 1, Math.max(1, Math.round(n * evalFraction)));
  const p = permutation(n, mulberry32(subSeed(seed, 0x5eed)));
  const evalSet = p.slice(0, k).sort((a, b) => a - b);
  const held = new Set(evalSet);
  return { train: range(n).filter((i) => !held.has(i)), eval: evalSet };
}

/** The order in which epoch `epoch` (0-based) visits `items`: a seeded shuffle. */
export function epochOrder<T>(items: readonly T[], seed: number, epoch: number): T[] {
  const p = permutation(items.length, mulberry32(subSeed(seed, 1000 + epoch)));
  return p.map((i) => items[i]);
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
