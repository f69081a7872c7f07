// Global gradient L2 norm, pass 2 of 2, and the clipping coefficient of
// torch.nn.utils.clip_grad_norm_: norm = sqrt(sum of partials), coef = min(1, max_norm /
// (norm + 1e-6)) (coef = 1 when max_norm <= 0: no clipping). Kept on the GPU: adamw_forward.wgsl
// reads coef, so the step loop never waits on a readback.
//   partials (count) f32  read (from gradnorm_forward.wgsl)
//   out      (2)     f32  = [norm, coef]
// Dispatch: one workgroup of WG threads.

override WG: u32 = 256;

struct Params {
  count: u32,
  max_norm: f32,
}

@group(0) @binding(0) var<storage, read> partials: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

var<workgroup> part: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) tid: u32) {
  var s = 0.0;
  for (var i = tid; i < params.count; i += WG) {
    s += partials[i];
  }
  part[tid] = s;
  workgroupBarrier();
  for (var k = WG / 2u; k > 0u; k >>= 1u) {
    if (tid < k) {
      part[tid] += part[tid + k];
    }
    workgroupBarrier();
  }
  if (tid == 0u) {
    let norm = sqrt(part[0]);
    var coef = 1.0;
    if (params.max_norm > 0.0) {
      coef = min(1.0, params.max_norm / (norm + 1e-6));
    }
    out[0] = norm;
    out[1] = coef;
  }
}
