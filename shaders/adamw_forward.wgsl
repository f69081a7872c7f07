// adamw_forward: one AdamW step (torch.optim.AdamW, amsgrad off) on the flat LoRA weights, fused
// with what the trainer does around it, in PyTorch's op order (f32 tensors, scalars computed on
// the host in float64 and rounded to f32):
//   norm = stats[512] · inv_tokens            (grads hold the sum; this is the mean-loss norm)
//   clip = min(1, max_norm / (norm + 1e-6))   (torch.nn.utils.clip_grad_norm_)
//   if norm is NaN/Inf: leave p, m, v untouched and set stats[513] = 1 (the host reports a skip)
//   g     = (grad · inv_tokens) · clip
//   p     = p · (1 − lr·wd)                   (decoupled weight decay)
//   m     = m + (1 − β1) · (g − m)            (exp_avg.lerp_(g, 1 − β1))
//   v     = v · β2 + (1 − β2) · g · g         (exp_avg_sq.mul_(β2).addcmul_(g, g, 1 − β2))
//   denom = sqrt(v) / sqrt(1 − β2^t) + eps
//   p     = p − (lr / (1 − β1^t)) · (m / denom)
//
//   p (n), grad (n), m (n), v (n) f32: p, m, v updated in place (=), grad read
//   stats (1024) f32: reads the norm at [512] (gradnorm_forward), writes [513] = skipped,
//   [514] = clip
// The Step uniform is rewritten by the host before each optimizer step (lr and t change).
// Dispatch: 1-D over n, ceil(n / WG) workgroups split over x/y; i = (wid.x + wid.y·nwg.x)·WG + lid.x.

override WG: u32 = 256u;

struct Step {
  n: u32,
  decay: f32, // 1 - lr * weight_decay
  beta1_c: f32, // 1 - beta1
  beta2: f32,
  beta2_c: f32, // 1 - beta2
  step_size: f32, // lr / (1 - beta1^t)
  bc2_sqrt: f32, // sqrt(1 - beta2^t)
  eps: f32,
  max_norm: f32,
  inv_tokens: f32,
}

@group(0) @binding(0) var<storage, read_write> p: array<f32>;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> m: array<f32>;
@group(0) @binding(3) var<storage, read_write> v: array<f32>;
@group(0) @binding(4) var<storage, read_write> stats: array<f32>;
@group(0) @binding(5) var<uniform> step: Step;

fn finite(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid.x;
  let norm = stats[512] * step.inv_tokens;
  let ok = finite(norm);
  let clip = min(1.0, step.max_norm / (norm + 1e-6));
  if (i == 0u) {
    stats[513] = select(1.0, 0.0, ok);
    stats[514] = clip;
  }
  if (i >= step.n || !ok) {
    return;
  }
  let g = (grad[i] * step.inv_tokens) * clip;
  let pi = p[i] * step.decay;
  let mi = m[i] + step.beta1_c * (g - m[i]);
  let vi = v[i] * step.beta2 + step.beta2_c * g * g;
  let denom = sqrt(vi) / step.bc2_sqrt + step.eps;
  m[i] = mi;
  v[i] = vi;
  p[i] = pi - step.step_size * (mi / denom);
}
