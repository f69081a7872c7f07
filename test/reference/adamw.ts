// CPU reference for the fused optimizer step of shaders/adamw_forward.wgsl, in PyTorch's order:
//   loss.backward() on the mean loss  → g = grad_sum · inv_tokens
//   clip_grad_norm_(max_norm)         → g = g · min(1, max_norm / (‖g‖ + 1e-6)); a non-finite
//                                       norm skips the step (the trainer's NaN guard)
//   torch.optim.AdamW.step()          → decoupled decay, lerp of m, addcmul of v, bias corrections
// Two modes: float64 math, and an f32 emulation where every tensor op rounds to f32 and the
// scalars are float64 Python floats rounded to f32 when applied (the opmath of f32 tensors).
import { clipCoefRef } from './gradnorm.ts';

export interface AdamwRefHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  maxGradNorm: number;
  /** 1 / trained tokens of the step: the gradients hold the sum over tokens. */
  invTokens: number;
}

export interface AdamwRefState {
  param: Float64Array;
  m: Float64Array;
  v: Float64Array;
}

/**
 * One step from `s` (not modified). `normSum` is the L2 norm of the summed gradient `grad`
 * (gradnormRef in float64; the f32 mode takes the GPU's own f32 norm so that the comparison
 * isolates this kernel from the reduction order, which test/kernels/gradnorm.test.ts covers).
 */
export function adamwRef(
  s: AdamwRefState,
  grad: ArrayLike<number>,
  normSum: number,
  step: number,
  h: AdamwRefHyper,
  f32 = false,
): AdamwRefState & { skipped: boolean; clip: number } {
  const r = f32 ? Math.fround : (x: number) => x;
  const invTokens = r(h.invTokens);
  const norm = r(r(normSum) * invTokens);
  const clip = clipCoefRef(norm, h.maxGradNorm, f32);
  if (!Number.isFinite(norm)) {
    return { param: s.param.slice(), m: s.m.slice(), v: s.v.slice(), skipped: true, clip };
  }
  const n = s.param.length;
  const P = new Float64Array(n);
  const M = new Float64Array(n);
  const V = new Float64Array(n);
  const decay = r(1 - h.lr * h.weightDecay);
  const b1c = r(1 - h.beta1);
  const b2 = r(h.beta2);
  const b2c = r(1 - h.beta2);
  const stepSize = r(h.lr / (1 - h.beta1 ** step));
  const bc2Sqrt = r(Math.sqrt(1 - h.beta2 ** step));
  const eps = r(h.eps);
  for (let i = 0; i < n; i++) {
    const g = r(r(grad[i] * invTokens) * clip);
    const p = r(s.param[i] * decay);
    const mi = r(s.m[i] + r(b1c * r(g - s.m[i])));
    const vi = r(r(s.v[i] * b2) + r(r(b2c * g) * g));
    const denom = r(r(r(Math.sqrt(vi)) / bc2Sqrt) + eps);
    P[i] = r(p - r(stepSize * r(mi / denom)));
    M[i] = mi;
    V[i] = vi;
  }
  return { param: P, m: M, v: V, skipped: false, clip };
}
