// Float64 reference for the global gradient norm and torch's clip coefficient.
export function gradnormRef(
  grads: ArrayLike<number>[],
  maxNorm: number,
): { norm: number; coef: number } {
  let s = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) s += g[i] * g[i];
  const norm = Math.sqrt(s);
  return { norm, coef: maxNorm > 0 ? Math.min(1, maxNorm / (norm + 1e-6)) : 1 };
}
