// train_attention_forward (interim, until the kernel library's flash attention lands): causal
// softmax attention, block-diagonal for packed rows, with GQA; nothing (T, T) is stored.
// Query token t attends to keys j in [t − pos[t], t] (its own example: positions restart at each
// example, so t − pos[t] is where the example starts), scale 1/sqrt(HS), online softmax.
//   q (n, NH, HS), k (n, NKV, HS), v (n, NKV, HS) f32; pos (n) i32
//   out (n, NH, HS) f32 (=); lse (n, NH) f32 (=) log-sum-exp of the scaled scores, for backward
// Dispatch: one thread per (t, h), 1-D over n·NH, WG per workgroup, split over x/y.
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
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<storage, read_write> lse: array<f32>;
@group(0) @binding(6) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let idx = (wid.x + wid.y * nwg.x) * WG + lid.x;
  if (idx >= params.n * params.nh) {
    return;
  }
  let t = idx / params.nh;
  let h = idx % params.nh;
  let kvh = h / (params.nh / params.nkv);
  let hs = params.hs;
  let qb = idx * hs;
  var acc: array<f32, 256>;
  for (var d = 0u; d < hs; d++) {
    acc[d] = 0.0;
  }
  var m = -3.0e38;
  var l = 0.0;
  let start = t - u32(pos[t]);
  for (var j = start; j <= t; j++) {
    let kb = (j * params.nkv + kvh) * hs;
    var s = 0.0;
    for (var d = 0u; d < hs; d++) {
      s += q[qb + d] * k[kb + d];
    }
    s *= params.scale;
    let mn = max(m, s);
    let corr = exp(m - mn);
    let p = exp(s - mn);
    l = l * corr + p;
    for (var d = 0u; d < hs; d++) {
      acc[d] = acc[d] * corr + p * v[kb + d];
    }
    m = mn;
  }
  for (var d = 0u; d < hs; d++) {
    out[qb + d] = acc[d] / l;
  }
  lse[idx] = m + log(l);
}
