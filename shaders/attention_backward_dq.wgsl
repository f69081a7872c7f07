// Causal attention backward, part 1 of 2 (flash-attention-2): dQ and D, per query row.
//   D[i, h]  = sum_d dout[i, h, d] * out[i, h, d]
//   P[i, j]  = exp(scale * q_i . k_j - lse[i, h])        (recomputed, masked as in the forward)
//   dP[i, j] = dout_i . v_j,   dS = P * (dP - D_i)
//   dq_i     = scale * sum_j dS[i, j] k_j
//   q, k, v, starts as attention_forward.wgsl; out (T, NH, HS) and lse (T, NH) from the forward
//   dout  (T, NH, HS) f32  read
//   dq    (T, NH, HS) f32  =
//   delta (T, NH)     f32  =  D, read by attention_backward.wgsl (dK, dV)
// Dispatch: (ceil(T / BQ), NH); workgroup of BQ threads, one query row each; K and V tiles of BK
// rows stream through workgroup memory as in the forward.

override BQ: u32 = 32;
override BK: u32 = 32;
override HS: u32 = 64;

const MAX_HS: u32 = 128;

struct Params {
  T: u32,
  NH: u32,
  NKV: u32,
  scale: f32,
}

@group(0) @binding(0) var<storage, read> q: array<f32>;
@group(0) @binding(1) var<storage, read> k: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;
@group(0) @binding(3) var<storage, read> starts: array<u32>;
@group(0) @binding(4) var<storage, read> out: array<f32>;
@group(0) @binding(5) var<storage, read> lse: array<f32>;
@group(0) @binding(6) var<storage, read> dout: array<f32>;
@group(0) @binding(7) var<storage, read_write> dq: array<f32>;
@group(0) @binding(8) var<storage, read_write> delta: array<f32>;
@group(0) @binding(9) var<uniform> params: Params;

var<workgroup> ks: array<f32, BK * HS>;
var<workgroup> vs: array<f32, BK * HS>;

@compute @workgroup_size(BQ)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let T = params.T;
  let h = wid.y;
  let g = h / (params.NH / params.NKV);
  let q0 = wid.x * BQ;
  let i = q0 + tid;
  let valid = i < T;
  let ii = min(i, T - 1u);
  let start_i = starts[ii];

  var qr: array<f32, MAX_HS>;
  var dor: array<f32, MAX_HS>;
  var dqr: array<f32, MAX_HS>;
  let base = (ii * params.NH + h) * HS;
  var D = 0.0;
  for (var d = 0u; d < HS; d++) {
    qr[d] = q[base + d] * params.scale;
    dor[d] = dout[base + d];
    D += dor[d] * out[base + d];
    dqr[d] = 0.0;
  }
  let L = lse[ii * params.NH + h];

  let kbeg = starts[q0];
  let kend = min(q0 + BQ, T);
  for (var kt = kbeg; kt < kend; kt += BK) {
    for (var e = tid; e < BK * HS; e += BQ) {
      let j = kt + e / HS;
      let d = e % HS;
      var kv = 0.0;
      var vv = 0.0;
      if (j < kend) {
        let src = (j * params.NKV + g) * HS + d;
        kv = k[src];
        vv = v[src];
      }
      ks[e] = kv;
      vs[e] = vv;
    }
    workgroupBarrier();
    if (valid) {
      for (var jj = 0u; jj < BK; jj++) {
        let j = kt + jj;
        if (j >= start_i && j <= i) {
          var s = 0.0;
          var dp = 0.0;
          for (var d = 0u; d < HS; d++) {
            s += qr[d] * ks[jj * HS + d];
            dp += dor[d] * vs[jj * HS + d];
          }
          let ds = exp(s - L) * (dp - D);
          for (var d = 0u; d < HS; d++) {
            dqr[d] += ds * ks[jj * HS + d];
          }
        }
      }
    }
    workgroupBarrier();
  }
  if (valid) {
    for (var d = 0u; d < HS; d++) {
      dq[base + d] = dqr[d] * params.scale;
    }
    delta[i * params.NH + h] = D;
  }
}
