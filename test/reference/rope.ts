// Float64 CPU reference for RoPE (HF rotate_half) and its backward. The angle is rounded to f32
// as Hugging Face computes it (inv_freq and positions are f32 tensors, their product is f32);
// cos/sin are then exact (float64).

function angles(pos: number, invFreq: ArrayLike<number>): { c: Float64Array; s: Float64Array } {
  const half = invFreq.length;
  const c = new Float64Array(half);
  const s = new Float64Array(half);
  for (let i = 0; i < half; i++) {
    const a = Math.fround(Math.fround(pos) * invFreq[i]);
    c[i] = Math.cos(a);
    s[i] = Math.sin(a);
  }
  return { c, s };
}

function rotate(
  x: ArrayLike<number>,
  pos: ArrayLike<number>,
  invFreq: ArrayLike<number>,
  T: number,
  NH: number,
  HS: number,
  sign: 1 | -1,
): Float64Array {
  const half = HS / 2;
  const out = new Float64Array(T * NH * HS);
  for (let t = 0; t < T; t++) {
    const { c, s } = angles(pos[t], invFreq);
    for (let h = 0; h < NH; h++) {
      const b = (t * NH + h) * HS;
      for (let i = 0; i < half; i++) {
        const x1 = x[b + i];
        const x2 = x[b + i + half];
        out[b + i] = x1 * c[i] - sign * x2 * s[i];
        out[b + i + half] = x2 * c[i] + sign * x1 * s[i];
      }
    }
  }
  return out;
}

export const ropeForwardRef = (
  x: ArrayLike<number>,
  pos: ArrayLike<number>,
  invFreq: ArrayLike<number>,
  T: number,
  NH: number,
  HS: number,
): Float64Array => rotate(x, pos, invFreq, T, NH, HS, 1);

/** The transpose of the rotation: rotate by −angle. */
export const ropeBackwardRef = (
  dout: ArrayLike<number>,
  pos: ArrayLike<number>,
  invFreq: ArrayLike<number>,
  T: number,
  NH: number,
  HS: number,
): Float64Array => rotate(dout, pos, invFreq, T, NH, HS, -1);
