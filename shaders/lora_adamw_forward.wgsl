// lora_adamw_forward: one AdamW step (torch.optim.AdamW semantics) on the flat LoRA weights,
// fused with what the trainer does around it:
//   norm   = stats[512] · inv_tokens      (the gradient of the mean loss: grads hold the sum)
//   coef   = inv_tokens · min(1, max_norm / (norm + 1e-6))   (torch clip_grad_norm_)
//   if norm is NaN/Inf: leave p, m, v untouched, stats[513] = 1 (the host reports a skipped step)
//   g = coef · grad;  p *= 1 - lr·wd;  m = b1·m + (1-b1)·g;  v = b2·v + (1-b2)·g²
//   p -= lr · (m / bc1) / (sqrt(v / bc2) + eps)
//
//   p (n), grad (n), m (n), v (n) f32; stats (1024) f32 (reads [512], writes [513] and [514] = coef)
// Dispatch: 1-D over n (split over x/y), WG threads per workgroup.

override WG: u32 = 256u;

struct Step {
  n: u32,
  partials: u32,
  lr: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  weight_decay: f32,
  max_norm: f32,
  inv_tokens: f32,
  bc1: f32,
  bc2: f32,
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
  let coef = step.inv_tokens * min(1.0, step.max_norm / (norm + 1e-6));
  if (i == 0u) {
    stats[513] = select(1.0, 0.0, ok);
    stats[514] = coef;
  }
  if (i >= step.n || !ok) {
    return;
  }
  let g = coef * grad[i];
  let pi = p[i] * (1.0 - step.lr * step.weight_decay);
  let mi = step.beta1 * m[i] + (1.0 - step.beta1) * g;
  let vi = step.beta2 * v[i] + (1.0 - step.beta2) * g * g;
  m[i] = mi;
  v[i] = vi;
  p[i] = pi - step.lr * (mi / step.bc1) / (sqrt(vi / step.bc2) + step.eps);
}
