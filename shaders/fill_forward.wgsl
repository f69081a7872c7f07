// In-place fill or scale of one buffer: y = value (mode 0: zeroing gradient accumulators and
// scratch) or y = y * value (mode 1), f32.
//   y (N) f32  = (mode 0) or *= (mode 1)
// Dispatch: ceil(N / WG) invocations split over x/y; i = gid.x + gid.y * num_workgroups.x * WG.

override WG: u32 = 256;

struct Params {
  n: u32,
  mode: u32,
  value: f32,
}

@group(0) @binding(0) var<storage, read_write> y: array<f32>;
@group(0) @binding(1) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) {
    return;
  }
  if (params.mode == 0u) {
    y[i] = params.value;
  } else {
    y[i] = y[i] * params.value;
  }
}
