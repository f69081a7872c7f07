// Float64 CPU references for the residual add and the elementwise helpers.
export const residualForwardRef = (a: ArrayLike<number>, b: ArrayLike<number>): Float64Array =>
  Float64Array.from({ length: a.length }, (_, i) => a[i] + b[i]);

/** y = alpha·x + beta·y (beta 0 ignores y). */
export const scaleAddRef = (
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  alpha: number,
  beta: number,
): Float64Array =>
  Float64Array.from({ length: x.length }, (_, i) => alpha * x[i] + (beta === 0 ? 0 : beta * y[i]));
