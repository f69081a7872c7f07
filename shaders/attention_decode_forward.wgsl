// attention_decode_forward: one new query token against the KV cache (generation). The new
// token's k and v are first appended to the cache at position `pos` (state[0]) by the same
// dispatch's threads (phase 0), then (phase 1) each thread of head h attends over cache[0..pos]
// with an online softmax, scale 1/sqrt(HS), GQA.
//   q (NH, HS), k (NKV, HS), v (NKV, HS) f32;  kcache, vcache (maxT, NKV, HS) f32
//   state (4) u32: state[0] = pos (0-based position of the new token)
//   out (NH, HS) f32 (=)
// Dispatch: phase 0: ceil(NKV·HS / WG) workgroups; phase 1: ceil(NH / WG) workgroups.
override WG: u32 = 64u;

struct Params {
  nh: u32,
  nkv: u32,
  hs: u32,
  phase: u32,
  scale: f32,
}

@group(0) @binding(0) var<storage, read> q: array<f32>;
@group(0) @binding(1) var<storage, read> k: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;
@group(0) @binding(3) var<storage, read_write> kcache: array<f32>;
@group(0) @binding(4) var<storage, read_write> vcache: array<f32>;
@group(0) @binding(5) var<storage, read> state: array<u32>;
@group(0) @binding(6) var<storage, read_write> out: array<f32>;
@group(0) @binding(7) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let pos = state[0];
  let hs = params.hs;
  let row = params.nkv * hs;
  if (params.phase == 0u) {
    let i = gid.x;
    if (i < row) {
      kcache[pos * row + i] = k[i];
      vcache[pos * row + i] = v[i];
    }
    return;
  }
  let h = gid.x;
  if (h >= params.nh) {
    return;
  }
  let kvh = h / (params.nh / params.nkv);
  var acc: array<f32, 256>;
  for (var d = 0u; d < hs; d++) {
    acc[d] = 0.0;
  }
  var m = -3.0e38;
  var l = 0.0;
  for (var j = 0u; j <= pos; j++) {
    let kb = j * row + kvh * hs;
    var s = 0.0;
    for (var d = 0u; d < hs; d++) {
      s += q[h * hs + d] * kcache[kb + d];
    }
    s *= params.scale;
    let mn = max(m, s);
    let corr = exp(m - mn);
    let p = exp(s - mn);
    l = l * corr + p;
    for (var d = 0u; d < hs; d++) {
      acc[d] = acc[d] * corr + p * vcache[kb + d];
    }
    m = mn;
  }
  for (var d = 0u; d < hs; d++) {
    out[h * hs + d] = acc[d] / l;
  }
}
