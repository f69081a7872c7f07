// train_attention_backward (interim), first of two passes: dq and D.
//   D[t,h] = dout[t,h]·out[t,h];  P_tj = exp(scale·q_t·k_j − lse[t,h]);  dP_tj = dout[t,h]·v_j
//   dq[t,h] = scale · Σ_j P_tj (dP_tj − D[t,h]) k_j        over j in [t − pos[t], t]
//   q, k, v, out, dout, lse as in the forward; dq (n, NH, HS) (=); dd (n, NH) (=) D for pass two
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
@group(0) @binding(4) var<storage, read> out: array<f32>;
@group(0) @binding(5) var<storage, read> dout: array<f32>;
@group(0) @binding(6) var<storage, read> lse: array<f32>;
@group(0) @binding(7) var<storage, read_write> dq: array<f32>;
@group(0) @binding(8) var<storage, read_write> dd: array<f32>;
@group(0) @binding(9) var<uniform> params: Params;

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
  var D = 0.0;
  for (var d = 0u; d < hs; d++) {
    D += dout[qb + d] * out[qb + d];
  }
  dd[idx] = D;
  var acc: array<f32, 256>;
  for (var d = 0u; d < hs; d++) {
    acc[d] = 0.0;
  }
  let L = lse[idx];
  let start = t - u32(pos[t]);
  for (var j = start; j <= t; j++) {
    let kb = (j * params.nkv + kvh) * hs;
    var s = 0.0;
    var dp = 0.0;
    for (var d = 0u; d < hs; d++) {
      s += q[qb + d] * k[kb + d];
      dp += dout[qb + d] * v[kb + d];
    }
    let p = exp(s * params.scale - L);
    let w = p * (dp - D) * params.scale;
    for (var d = 0u; d < hs; d++) {
      acc[d] += w * k[kb + d];
    }
  }
  for (var d = 0u; d < hs; d++) {
    dq[qb + d] = acc[d];
  }
}
