// Causal attention backward, part 1 of 2 (flash-attention-2): dQ and D, per query row.
//   D[i, h]  = sum_d dout[i, h, d] * out[i, h, d]
//   P[i, j]  = exp(scale * q_i . k_j - lse[i, h])        (recomputed, masked as in the forward)
//   dP[i, j] = dout_i . v_j,   dS = P * (dP - D_i)
//   dq_i     = scale * sum_j dS[i, j] k_j
//   q, k, v, starts as attention_forward.wgsl; out (T, NH, HS) and lse (T, NH) from the forward
//   dout  (T, NH, HS) f32  read
//   dq    (T, NH, HS) f32  =
//   delta (T, NH)     f32  =  D, read by attention_backward.wgsl (dK, dV)
// Dispatch: (ceil(T / WG), NH); one invocation per (query row, head), keys j in
// [starts[i], i] read straight from storage (see attention_forward.wgsl on workgroup memory).

override WG: u32 = 32;

const MAX_HS4: u32 = 32; // head size / 4, at most 128 / 4

struct Params {
  T: u32,
  NH: u32,
  NKV: u32,
  HS: u32,
  scale: f32,
}

@group(0) @binding(0) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> v: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> starts: array<u32>;
@group(0) @binding(4) var<storage, read> out: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> lse: array<f32>;
@group(0) @binding(6) var<storage, read> dout: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read_write> dq: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> delta: array<f32>;
@group(0) @binding(9) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  let h = gid.y;
  if (i >= params.T) {
    return;
  }
  let HS = params.HS / 4u; // in vec4s
  let NKV = params.NKV;
  let g = h / (params.NH / NKV);
  var qr: array<vec4<f32>, MAX_HS4>;
  var dor: array<vec4<f32>, MAX_HS4>;
  var dqr: array<vec4<f32>, MAX_HS4>;
  var kc: array<vec4<f32>, MAX_HS4>;
  let base = (i * params.NH + h) * HS;
  var D = 0.0;
  for (var d = 0u; d < HS; d++) {
    qr[d] = q[base + d] * params.scale;
    dor[d] = dout[base + d];
    D += dot(dor[d], out[base + d]);
    dqr[d] = vec4<f32>(0.0);
  }
  let L = lse[i * params.NH + h];
  for (var j = starts[i]; j <= i; j++) {
    let kb = (j * NKV + g) * HS;
    var s = 0.0;
    var dp = 0.0;
    for (var d = 0u; d < HS; d++) {
      let kd = k[kb + d];
      kc[d] = kd; // the second loop reads registers, not storage again
      s += dot(qr[d], kd);
      dp += dot(dor[d], v[kb + d]);
    }
    let ds = exp(s - L) * (dp - D);
    for (var d = 0u; d < HS; d++) {
      dqr[d] += ds * kc[d];
    }
  }
  for (var d = 0u; d < HS; d++) {
    dq[base + d] = dqr[d] * params.scale;
  }
  delta[i * params.NH + h] = D;
}
