// Float64 CPU reference for causal GQA attention with block-diagonal (packed) masking, and its
// backward written the plain way (explicit P, dP, dS): query i sees keys starts[i] <= j <= i.
// Layout q (T, NH, HS), k/v (T, NKV, HS), out (T, NH, HS), lse (T, NH).

export interface AttnShape {
  T: number;
  NH: number;
  NKV: number;
  HS: number;
  scale?: number;
}

function probs(
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  starts: ArrayLike<number>,
  s: AttnShape,
  i: number,
  h: number,
): { p: Float64Array; lse: number; from: number } {
  const { NH, NKV, HS } = s;
  const scale = s.scale ?? 1 / Math.sqrt(HS);
  const g = Math.floor(h / (NH / NKV));
  const from = starts[i];
  const sc = new Float64Array(i - from + 1);
  let m = -Infinity;
  for (let j = from; j <= i; j++) {
    let dot = 0;
    for (let d = 0; d < HS; d++) dot += q[(i * NH + h) * HS + d] * k[(j * NKV + g) * HS + d];
    sc[j - from] = dot * scale;
    m = Math.max(m, sc[j - from]);
  }
  let sum = 0;
  for (let x = 0; x < sc.length; x++) sum += Math.exp(sc[x] - m);
  const p = sc.map((v) => Math.exp(v - m) / sum);
  return { p, lse: m + Math.log(sum), from };
}

export function attentionForwardRef(
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  starts: ArrayLike<number>,
  s: AttnShape,
): { out: Float64Array; lse: Float64Array } {
  const { T, NH, NKV, HS } = s;
  const out = new Float64Array(T * NH * HS);
  const lse = new Float64Array(T * NH);
  for (let i = 0; i < T; i++) {
    for (let h = 0; h < NH; h++) {
      const g = Math.floor(h / (NH / NKV));
      const r = probs(q, k, starts, s, i, h);
      lse[i * NH + h] = r.lse;
      for (let j = r.from; j <= i; j++) {
        const pj = r.p[j - r.from];
        for (let d = 0; d < HS; d++) out[(i * NH + h) * HS + d] += pj * v[(j * NKV + g) * HS + d];
      }
    }
  }
  return { out, lse };
}

export function attentionBackwardRef(
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  starts: ArrayLike<number>,
  dout: ArrayLike<number>,
  s: AttnShape,
): { dq: Float64Array; dk: Float64Array; dv: Float64Array } {
  const { T, NH, NKV, HS } = s;
  const scale = s.scale ?? 1 / Math.sqrt(HS);
  const dq = new Float64Array(T * NH * HS);
  const dk = new Float64Array(T * NKV * HS);
  const dv = new Float64Array(T * NKV * HS);
  for (let i = 0; i < T; i++) {
    for (let h = 0; h < NH; h++) {
      const g = Math.floor(h / (NH / NKV));
      const { p, from } = probs(q, k, starts, s, i, h);
      const qi = (i * NH + h) * HS;
      const dp = new Float64Array(p.length);
      let D = 0;
      for (let j = from; j <= i; j++) {
        let x = 0;
        for (let d = 0; d < HS; d++) x += dout[qi + d] * v[(j * NKV + g) * HS + d];
        dp[j - from] = x;
        D += p[j - from] * x;
      }
      for (let j = from; j <= i; j++) {
        const pj = p[j - from];
        const ds = pj * (dp[j - from] - D);
        const kj = (j * NKV + g) * HS;
        for (let d = 0; d < HS; d++) {
          dv[kj + d] += pj * dout[qi + d];
          dq[qi + d] += ds * scale * k[kj + d];
          dk[kj + d] += ds * scale * q[qi + d];
        }
      }
    }
  }
  return { dq, dk, dv };
}

/** starts[] for packed sequences of the given lengths. */
export function packedStarts(lengths: number[]): Uint32Array {
  const out = new Uint32Array(lengths.reduce((a, b) => a + b, 0));
  let t = 0;
  for (const len of lengths) {
    for (let x = 0; x < len; x++) out[t + x] = t;
    t += len;
  }
  return out;
}
