// Causal attention backward, part 2 of 2 (flash-attention-2): dK and dV, per key row and kv head,
// summed over the NH / NKV query heads that share the kv head (GQA) inside the kernel, so no
// atomics and no second pass are needed. Run after attention_backward_dq.wgsl (it writes delta).
//   dv_j = sum_{h in group} sum_i P[i, j] dout_i
//   dk_j = sum_{h in group} sum_i dS[i, j] * scale * q_i,  dS = P * (dout_i . v_j - D_i)
// over queries i >= j of the same packed sequence (starts[i] <= j; starts is non-decreasing).
//   q, k, v, starts, lse, dout as attention_backward_dq.wgsl; delta (T, NH) from it
//   dk (T, NKV, HS) f32  =
//   dv (T, NKV, HS) f32  =
// Dispatch: (ceil(T / WG), NKV); one invocation per (key row, kv head) holding k, v, dk, dv in
// registers; q / dout rows read straight from storage (see attention_forward.wgsl).

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
@group(0) @binding(4) var<storage, read> lse: array<f32>;
@group(0) @binding(5) var<storage, read> dout: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> delta: array<f32>;
@group(0) @binding(7) var<storage, read_write> dk: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> dv: array<vec4<f32>>;
@group(0) @binding(9) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  let g = gid.y;
  let T = params.T;
  if (j >= T) {
    return;
  }
  let HS = params.HS / 4u; // in vec4s
  let NH = params.NH;
  let group = NH / params.NKV;
  var kr: array<vec4<f32>, MAX_HS4>;
  var vr: array<vec4<f32>, MAX_HS4>;
  var dkr: array<vec4<f32>, MAX_HS4>;
  var dvr: array<vec4<f32>, MAX_HS4>;
  var qc: array<vec4<f32>, MAX_HS4>;
  var dc: array<vec4<f32>, MAX_HS4>;
  let kbase = (j * params.NKV + g) * HS;
  for (var d = 0u; d < HS; d++) {
    kr[d] = k[kbase + d] * params.scale; // s = q . (scale k), dk = scale * sum ds q
    vr[d] = v[kbase + d];
    dkr[d] = vec4<f32>(0.0);
    dvr[d] = vec4<f32>(0.0);
  }
  for (var i = j; i < T; i++) {
    if (starts[i] > j) {
      break; // the next packed sequence: no later query sees key j
    }
    for (var hh = 0u; hh < group; hh++) {
      let h = g * group + hh;
      let qb = (i * NH + h) * HS;
      var s = 0.0;
      var dp = 0.0;
      for (var d = 0u; d < HS; d++) {
        let qd = q[qb + d];
        let dd = dout[qb + d];
        qc[d] = qd; // the second loop reads registers, not storage again
        dc[d] = dd;
        s += dot(qd, kr[d]);
        dp += dot(dd, vr[d]);
      }
      let p = exp(s - lse[i * NH + h]);
      let ds = p * (dp - delta[i * NH + h]);
      for (var d = 0u; d < HS; d++) {
        dvr[d] += p * dc[d];
        dkr[d] += ds * qc[d];
      }
    }
  }
  for (var d = 0u; d < HS; d++) {
    dk[kbase + d] = dkr[d] * params.scale;
    dv[kbase + d] = dvr[d];
  }
}
