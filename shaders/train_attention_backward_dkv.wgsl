// train_attention_backward_dkv (interim), second pass: dk and dv, summed over the query heads of
// each KV head (GQA) without atomics: one thread per (key j, kv head) loops over the queries
// i ≥ j of the same example (same start i − pos[i]) and the heads of its group.
//   dv[j] = Σ_i Σ_h P_ij dout[i,h];  dk[j] = scale · Σ_i Σ_h P_ij (dP_ij − D[i,h]) q[i,h]
//   dk, dv (n, NKV, HS) (=)
// Dispatch: one thread per (j, kvh), 1-D over n·NKV, WG per workgroup, split over x/y.
override WG: u32 = 64u;

struct Params {
  n: u32,
  nh: u32,
  nkv: u32,
  hs: u32,
  scale: f32,
}

@group(0) @binding(0) var<storage, read> q: array<f32>;
@group(0) @binding(1) var<storage, read> k: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;
@group(0) @binding(3) var<storage, read> pos: array<i32>;
@group(0) @binding(4) var<storage, read> dout: array<f32>;
@group(0) @binding(5) var<storage, read> lse: array<f32>;
@group(0) @binding(6) var<storage, read> dd: array<f32>;
@group(0) @binding(7) var<storage, read_write> dk: array<f32>;
@group(0) @binding(8) var<storage, read_write> dv: array<f32>;
@group(0) @binding(9) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let idx = (wid.x + wid.y * nwg.x) * WG + lid.x;
  if (idx >= params.n * params.nkv) {
    return;
  }
  let j = idx / params.nkv;
  let kvh = idx % params.nkv;
  let group = params.nh / params.nkv;
  let hs = params.hs;
  let kb = idx * hs;
  var ak: array<f32, 256>;
  var av: array<f32, 256>;
  for (var d = 0u; d < hs; d++) {
    ak[d] = 0.0;
    av[d] = 0.0;
  }
  let start = j - u32(pos[j]);
  for (var i = j; i < params.n; i++) {
    if (i - u32(pos[i]) != start) {
      break;
    }
    for (var g = 0u; g < group; g++) {
      let h = kvh * group + g;
      let qi = i * params.nh + h;
      let qb = qi * hs;
      var s = 0.0;
      var dp = 0.0;
      for (var d = 0u; d < hs; d++) {
        s += q[qb + d] * k[kb + d];
        dp += dout[qb + d] * v[kb + d];
      }
      let p = exp(s * params.scale - lse[qi]);
      let w = p * (dp - dd[qi]) * params.scale;
      for (var d = 0u; d < hs; d++) {
        av[d] += p * dout[qb + d];
        ak[d] += w * q[qb + d];
      }
    }
  }
  for (var d = 0u; d < hs; d++) {
    dk[kb + d] = ak[d];
    dv[kb + d] = av[d];
  }
}
