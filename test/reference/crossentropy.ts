// Float64 CPU reference for cross-entropy over lm_head logits (hidden · Wᵀ), with labels already
// shifted and -100 (any label outside [0, V)) ignored, and its gradient with respect to hidden.

export function crossentropyRef(
  hidden: ArrayLike<number>,
  weight: ArrayLike<number>,
  labels: ArrayLike<number>,
  T: number,
  C: number,
  V: number,
  scale: number,
): { losses: Float64Array; lossSum: number; count: number; dhidden: Float64Array } {
  const losses = new Float64Array(T);
  const dhidden = new Float64Array(T * C);
  let lossSum = 0;
  let count = 0;
  const logits = new Float64Array(V);
  for (let t = 0; t < T; t++) {
    const lab = labels[t];
    if (!(lab >= 0 && lab < V)) continue;
    let m = -Infinity;
    for (let v = 0; v < V; v++) {
      let s = 0;
      for (let c = 0; c < C; c++) s += hidden[t * C + c] * weight[v * C + c];
      logits[v] = s;
      m = Math.max(m, s);
    }
    let sum = 0;
    for (let v = 0; v < V; v++) sum += Math.exp(logits[v] - m);
    const lse = m + Math.log(sum);
    losses[t] = lse - logits[lab];
    lossSum += losses[t];
    count++;
    for (let v = 0; v < V; v++) {
      const g = Math.exp(logits[v] - lse) - (v === lab ? 1 : 0);
      if (g === 0) continue;
      for (let c = 0; c < C; c++) dhidden[t * C + c] += scale * g * weight[v * C + c];
    }
  }
  return { losses, lossSum, count, dhidden };
}
