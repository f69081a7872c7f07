// Float64 central finite differences for the CPU references: checks a reference backward against
// the numerical gradient of the scalar loss L = sum(f(x) * R) on tiny shapes.
import { expect } from 'vitest';

/**
 * Numerical dL/dx for L(x) = loss(x), by central differences with step h, for every element
 * (tiny shapes only). `x` is modified and restored.
 */
export function numericalGrad(loss: () => number, x: Float64Array, h = 1e-6): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const x0 = x[i];
    x[i] = x0 + h;
    const lp = loss();
    x[i] = x0 - h;
    const lm = loss();
    x[i] = x0;
    g[i] = (lp - lm) / (2 * h);
  }
  return g;
}

/** sum(a * b) in float64. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * Asserts analytic ≈ numerical: central differences in float64 have error O(h²) + O(eps/h), so
 * with h = 1e-6 the agreement is ~1e-8 relative; 1e-6 leaves room.
 */
export function expectGradClose(
  analytic: ArrayLike<number>,
  numeric: ArrayLike<number>,
  what: string,
  tol = 1e-6,
): void {
  expect(analytic.length).toBe(numeric.length);
  let scale = 0;
  for (let i = 0; i < numeric.length; i++) scale = Math.max(scale, Math.abs(numeric[i]));
  for (let i = 0; i < numeric.length; i++) {
    const err = Math.abs(analytic[i] - numeric[i]);
    if (!(err <= tol * (1 + scale))) {
      expect.fail(`${what}[${i}]: analytic ${analytic[i]} vs numerical ${numeric[i]}`);
    }
  }
}

export const f64 = (a: ArrayLike<number>): Float64Array => Float64Array.from(a);
