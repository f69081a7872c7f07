// The loss heat view's pure logic: which value each token shows (the tuned model's loss, the base
// model's, or tuned − base), its color, and the mean over the trained tokens. Loss is in nats per
// token; colors saturate at kHeatMax nats (or ±kDiffMax for the difference), so one very surprising
// token does not wash out the rest.
export type HeatMode = 'tuned' | 'base' | 'diff';

export const kHeatMax = 8;
export const kDiffMax = 4;

/** Per token: the value the mode shows, null where the token is not trained. */
export function heatValues(
  base: readonly (number | null)[],
  tuned: readonly (number | null)[],
  mode: HeatMode,
): (number | null)[] {
  return tuned.map((t, i) => {
    const b = base[i] ?? null;
    if (mode === 'tuned') return t;
    if (mode === 'base') return b;
    return t === null || b === null ? null : t - b;
  });
}

/** A background color: losses from transparent to red; differences green (lower) or red (higher). */
export function heatColor(v: number, mode: HeatMode): string {
  if (mode === 'diff') {
    const a = Math.min(1, Math.abs(v) / kDiffMax);
    const pct = Math.round(15 + 60 * a);
    return v < 0
      ? `color-mix(in srgb, var(--ok) ${pct}%, transparent)`
      : `color-mix(in srgb, var(--danger) ${pct}%, transparent)`;
  }
  const a = Math.min(1, Math.max(0, v) / kHeatMax);
  return `color-mix(in srgb, var(--danger) ${Math.round(8 + 67 * a)}%, transparent)`;
}

/** Mean of the non-null values (NaN when there is none). */
export function meanOf(values: readonly (number | null)[]): number {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (v !== null && Number.isFinite(v)) {
      sum += v;
      n++;
    }
  }
  return n ? sum / n : NaN;
}
