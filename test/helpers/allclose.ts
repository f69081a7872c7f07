// Tolerance checks in the llm.c `validate_result` style: pass if |got − ref| ≤ atol + rtol·|ref|,
// skipping non-finite reference entries; on failure, report the worst few entries.
import { expect } from 'vitest';

export interface Tolerance {
  atol: number;
  rtol: number;
}

export const kElementwise: Tolerance = { atol: 1e-5, rtol: 1e-4 };
export const kReduction: Tolerance = { atol: 1e-5, rtol: 1e-3 };

export function allclose(
  got: ArrayLike<number>,
  ref: ArrayLike<number>,
  tol: Tolerance,
  what = 'tensor',
): void {
  expect(got.length, `${what}: length`).toBe(ref.length);
  const bad: string[] = [];
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i];
    if (!Number.isFinite(r)) continue;
    const g = got[i];
    const err = Math.abs(g - r);
    const bound = tol.atol + tol.rtol * Math.abs(r);
    if (!(err <= bound)) {
      worst = Math.max(worst, err / bound);
      if (bad.length < 5) bad.push(`[${i}] got ${g} ref ${r} (|err| ${err.toExponential(2)})`);
    }
  }
  expect(
    bad,
    `${what}: ${bad.length ? `mismatches (worst ${worst.toFixed(1)}× the bound)` : ''}`,
  ).toEqual([]);
}
