// train_swiglu_forward (interim): a = silu(g) · u, silu(x) = x / (1 + exp(-x)).
//   g, u (n) f32 read; a (n) f32 (=)
// Dispatch: 1-D over n, WG per workgroup, split over x/y.
override WG: u32 = 256u;

struct Params {
  n: u32,
}

@group(0) @binding(0) var<storage, read> g: array<f32>;
@group(0) @binding(1) var<storage, read> u: array<f32>;
@group(0) @binding(2) var<storage, read_write> a: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid.x;
  if (i < params.n) {
    let x = g[i];
    a[i] = x / (1.0 + exp(-x)) * u[i];
  }
}
