// SwiGLU forward (Llama/Qwen MLP): out = silu(gate) * up, silu(g) = g * sigmoid(g), in f32.
//   gate (N) f32  read   (gate_proj output, N = T * intermediate_size)
//   up   (N) f32  read   (up_proj output)
//   out  (N) f32  =
// Dispatch: ceil(N / WG) invocations split over x/y; i = gid.x + gid.y * num_workgroups.x * WG.

override WG: u32 = 256;

struct Params {
  n: u32,
}

@group(0) @binding(0) var<storage, read> gate: array<f32>;
@group(0) @binding(1) var<storage, read> up: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) {
    return;
  }
  let g = gate[i];
  out[i] = g / (1.0 + exp(-g)) * up[i];
}
