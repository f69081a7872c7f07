// train_swiglu_backward (interim): from da, with s = sigmoid(g):
//   dg = da · u · s · (1 + g · (1 - s))    du = da · g · s      (both =)
// Dispatch: 1-D over n, WG per workgroup, split over x/y.
override WG: u32 = 256u;

struct Params {
  n: u32,
}

@group(0) @binding(0) var<storage, read> da: array<f32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> u: array<f32>;
@group(0) @binding(3) var<storage, read_write> dg: array<f32>;
@group(0) @binding(4) var<storage, read_write> du: array<f32>;
@group(0) @binding(5) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid.x;
  if (i < params.n) {
    let x = g[i];
    let s = 1.0 / (1.0 + exp(-x));
    let d = da[i];
    dg[i] = d * u[i] * s * (1.0 + x * (1.0 - s));
    du[i] = d * x * s;
  }
}
