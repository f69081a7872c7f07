// attention_decode_forward: new query tokens against the KV cache (generation). `nq` tokens at
// consecutive positions pos, pos + 1, ... (pos = state[0]): one token per generated step, a prompt
// chunk during prefill. Their k and v are first appended to the cache at rows pos .. pos + nq - 1
// (phase 0, one dispatch), then (phase 1, the next dispatch) each thread takes one (query, head)
// and attends over cache[0 ..= its own position] with an online softmax, scale `scale`, GQA.
//   q (nq, NH, HS), k (nq, NKV, HS), v (nq, NKV, HS) f32;  kcache, vcache (rows, NKV, HS) f32
//   state (4) u32: state[0] = pos (0-based position of the first new token)
//   out (nq, NH, HS) f32 (=)
// HS ≤ 256. Dispatch: phase 0: ceil(nq·NKV·HS / WG) workgroups; phase 1: ceil(nq·NH / WG).
override WG: u32 = 64u;

struct Params {
  nh: u32,
  nkv: u32,
  hs: u32,
  phase: u32,
  scale: f32,
  nq: u32,
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
    // The new rows are contiguous in k / v and in the cache.
    let i = gid.x;
    if (i < params.nq * row) {
      kcache[pos * row + i] = k[i];
      vcache[pos * row + i] = v[i];
    }
    return;
  }
  if (gid.x >= params.nq * params.nh) {
    return;
  }
  let qi = gid.x / params.nh;
  let h = gid.x % params.nh;
  let kvh = h / (params.nh / params.nkv);
  let qb = gid.x * hs; // (qi, h) row of q and out
  var acc: array<f32, 256>;
  for (var d = 0u; d < hs; d++) {
    acc[d] = 0.0;
  }
  var m = -3.0e38;
  var l = 0.0;
  for (var j = 0u; j <= pos + qi; j++) {
    let kb = j * row + kvh * hs;
    var s = 0.0;
    for (var d = 0u; d < hs; d++) {
      s += q[qb + d] * kcache[kb + d];
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
    out[qb + d] = acc[d] / l;
  }
}
