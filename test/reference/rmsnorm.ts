// Float64 CPU reference for RMSNorm (HF semantics): out = w * x * rstd, rstd = 1/sqrt(mean(x²)+eps).

export function rmsnormForwardRef(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  rows: number,
  C: number,
  eps: number,
): { out: Float64Array; rstd: Float64Array } {
  const out = new Float64Array(rows * C);
  const rstd = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let ss = 0;
    for (let c = 0; c < C; c++) ss += x[r * C + c] ** 2;
    const s = 1 / Math.sqrt(ss / C + eps);
    rstd[r] = s;
    for (let c = 0; c < C; c++) out[r * C + c] = w[c] * x[r * C + c] * s;
  }
  return { out, rstd };
}

export function rmsnormBackwardRef(
  dout: ArrayLike<number>,
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  rows: number,
  C: number,
  eps: number,
): { dx: Float64Array; dw: Float64Array } {
  const dx = new Float64Array(rows * C);
  const dw = new Float64Array(C);
  for (let r = 0; r < rows; r++) {
    let ss = 0;
    let gx = 0;
    for (let c = 0; c < C; c++) {
      const v = x[r * C + c];
      ss += v * v;
      gx += w[c] * dout[r * C + c] * v;
    }
    const s = 1 / Math.sqrt(ss / C + eps);
    const k = (s * s * gx) / C;
    for (let c = 0; c < C; c++) {
      const i = r * C + c;
      dx[i] = s * (w[c] * dout[i] - x[i] * k);
      dw[c] += dout[i] * x[i] * s;
    }
  }
  return { dx, dw };
}
