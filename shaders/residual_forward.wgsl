// Residual add: out = a + b (the residual stream plus a block's output), f32.
//   a   (N) f32  read
//   b   (N) f32  read
//   out (N) f32  =   (a separate buffer: WebGPU forbids binding one buffer as input and output)
// Dispatch: ceil(N / WG) invocations split over x/y; i = gid.x + gid.y * num_workgroups.x * WG.

override WG: u32 = 256;

struct Params {
  n: u32,
}

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) {
    return;
  }
  out[i] = a[i] + b[i];
}
