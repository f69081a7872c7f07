// Float64 reference for the global gradient L2 norm (shaders/gradnorm_forward.wgsl) and the clip
// coefficient of torch.nn.utils.clip_grad_norm_ (applied by shaders/adamw_forward.wgsl):
// clip_coef = max_norm / (total_norm + 1e-6), clamped to at most 1.

export function gradnormRef(grads: ArrayLike<number>[]): number {
  let s = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) s += g[i] * g[i];
  return Math.sqrt(s);
}

/** torch's clamped clip coefficient; `f32` rounds each op as the f32 tensors in torch do. */
export function clipCoefRef(norm: number, maxNorm: number, f32 = false): number {
  const r = f32 ? Math.fround : (x: number) => x;
  return Math.min(1, r(r(maxNorm) / r(r(norm) + r(1e-6))));
}
