// AdamW optimizer step (torch.optim.AdamW, amsgrad off, maximize off), elementwise over a flat
// parameter buffer. There is no backward: this is the update. In PyTorch's order, in f32:
//   g     = grad * clip[1] * grad_scale        (clip_grad_norm_'s in-place scaling, done here)
//   p     = p * (1 - lr * weight_decay)        (decoupled weight decay)
//   m     = m + (1 - beta1) * (g - m)          (exp_avg.lerp_(g, 1 - beta1))
//   v     = v * beta2 + (1 - beta2) * g * g    (exp_avg_sq.mul_(beta2).addcmul_(g, g, 1 - beta2))
//   denom = sqrt(v) / sqrt(1 - beta2^t) + eps
//   p     = p - (lr / (1 - beta1^t)) * (m / denom)
// The step-dependent scalars are computed on the host in float64, as PyTorch does with Python
// floats, and rounded to f32 (the opmath of f32 tensors).
//   param (N) f32  += (updated in place)
//   grad  (N) f32  read
//   m     (N) f32  updated in place (zeros before the first step)
//   v     (N) f32  updated in place (zeros before the first step)
//   clip  (2) f32  read: [grad norm, clip coefficient] from gradnorm_finalize.wgsl, or [0, 1]
// Dispatch: ceil(N / WG) invocations split over x/y; i = gid.x + gid.y * num_workgroups.x * WG.

override WG: u32 = 256;

struct Params {
  n: u32,
  decay: f32, // 1 - lr * weight_decay
  beta1_c: f32, // 1 - beta1
  beta2: f32,
  beta2_c: f32, // 1 - beta2
  step_size: f32, // lr / (1 - beta1^t)
  bc2_sqrt: f32, // sqrt(1 - beta2^t)
  eps: f32,
  grad_scale: f32,
}

@group(0) @binding(0) var<storage, read_write> param: array<f32>;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> m: array<f32>;
@group(0) @binding(3) var<storage, read_write> v: array<f32>;
@group(0) @binding(4) var<storage, read> clip: array<f32>;
@group(0) @binding(5) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) {
    return;
  }
  let g = grad[i] * clip[1] * params.grad_scale;
  let p = param[i] * params.decay;
  let mi = m[i] + params.beta1_c * (g - m[i]);
  let vi = v[i] * params.beta2 + params.beta2_c * g * g;
  let denom = sqrt(vi) / params.bc2_sqrt + params.eps;
  m[i] = mi;
  v[i] = vi;
  param[i] = p - params.step_size * (mi / denom);
}
