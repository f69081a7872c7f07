// CPU references for the AdamW step: float64 math, and an f32 emulation in PyTorch's op order
// (every tensor op rounds to f32, scalars are f64 Python floats rounded to f32 when applied).

export interface AdamwRefHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/** One step on copies of param/m/v; `coef` is the clip coefficient applied to the gradient. */
export function adamwRef(
  param: ArrayLike<number>,
  grad: ArrayLike<number>,
  m: ArrayLike<number>,
  v: ArrayLike<number>,
  step: number,
  coef: number,
  h: AdamwRefHyper,
  f32 = false,
): { param: Float64Array; m: Float64Array; v: Float64Array } {
  const r = f32 ? Math.fround : (x: number) => x;
  const n = param.length;
  const P = new Float64Array(n);
  const M = new Float64Array(n);
  const Vv = new Float64Array(n);
  const decay = r(1 - h.lr * h.weightDecay);
  const b1c = r(1 - h.beta1);
  const b2 = r(h.beta2);
  const b2c = r(1 - h.beta2);
  const stepSize = r(h.lr / (1 - h.beta1 ** step));
  const bc2Sqrt = r(Math.sqrt(1 - h.beta2 ** step));
  const eps = r(h.eps);
  for (let i = 0; i < n; i++) {
    const g = r(grad[i] * r(coef));
    const p = r(param[i] * decay);
    const mi = r(m[i] + r(b1c * r(g - m[i])));
    const vi = r(r(v[i] * b2) + r(r(b2c * g) * g));
    const denom = r(r(r(Math.sqrt(vi)) / bc2Sqrt) + eps);
    P[i] = r(p - r(stepSize * r(mi / denom)));
    M[i] = mi;
    Vv[i] = vi;
  }
  return { param: P, m: M, v: Vv };
}
