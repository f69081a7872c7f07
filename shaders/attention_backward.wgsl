// Causal attention backward, part 2 of 2 (flash-attention-2): dK and dV, per key row and kv head,
// summed over the NH / NKV query heads that share the kv head (GQA) inside the kernel, so no
// atomics and no second pass are needed. Run after attention_backward_dq.wgsl (it writes delta).
//   dv_j = sum_{h in group} sum_i P[i, j] dout_i
//   dk_j = sum_{h in group} sum_i dS[i, j] * scale * q_i,  dS = P * (dout_i . v_j - D_i)
// over queries i with j <= i and starts[i] <= j (same packed sequence).
//   q, k, v, starts, lse, dout as attention_backward_dq.wgsl; delta (T, NH) from it
//   dk (T, NKV, HS) f32  =
//   dv (T, NKV, HS) f32  =
// Dispatch: (ceil(T / BKV), NKV); workgroup of BKV threads, one key row each (k, v, dk, dv in
// registers). Query tiles of BQ rows (scaled q and dout, 2 * BQ * HS * 4 bytes) stream through
// workgroup memory for each head of the group, from the block's first key to the end of the
// packed sequence of its last key.

override BKV: u32 = 32; // key rows per workgroup = workgroup size
override BQ: u32 = 32; // query rows per tile
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
@group(0) @binding(4) var<storage, read> lse: array<f32>;
@group(0) @binding(5) var<storage, read> dout: array<f32>;
@group(0) @binding(6) var<storage, read> delta: array<f32>;
@group(0) @binding(7) var<storage, read_write> dk: array<f32>;
@group(0) @binding(8) var<storage, read_write> dv: array<f32>;
@group(0) @binding(9) var<uniform> params: Params;

var<workgroup> qs: array<f32, BQ * HS>;
var<workgroup> dos: array<f32, BQ * HS>;
var<workgroup> ls: array<f32, BQ>;
var<workgroup> ds_: array<f32, BQ>;
var<workgroup> ss: array<u32, BQ>;

@compute @workgroup_size(BKV)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let T = params.T;
  let NH = params.NH;
  let g = wid.y;
  let group = NH / params.NKV;
  let k0 = wid.x * BKV;
  let j = k0 + tid;
  let valid = j < T;
  let jj = min(j, T - 1u);
  let jmax = min(k0 + BKV, T) - 1u;

  var kr: array<f32, MAX_HS>;
  var vr: array<f32, MAX_HS>;
  var dkr: array<f32, MAX_HS>;
  var dvr: array<f32, MAX_HS>;
  let kbase = (jj * params.NKV + g) * HS;
  for (var d = 0u; d < HS; d++) {
    kr[d] = k[kbase + d];
    vr[d] = v[kbase + d];
    dkr[d] = 0.0;
    dvr[d] = 0.0;
  }

  // Query tiles start at the block's first key; they stop at T or at the first query whose
  // sequence starts after the block's last key (starts is non-decreasing). Uniform bounds.
  for (var it = k0; it < T; it += BQ) {
    if (starts[it] > jmax) {
      break;
    }
    for (var hh = 0u; hh < group; hh++) {
      let h = g * group + hh;
      for (var e = tid; e < BQ * HS; e += BKV) {
        let i = it + e / HS;
        let d = e % HS;
        var qv = 0.0;
        var dov = 0.0;
        if (i < T) {
          let src = (i * NH + h) * HS + d;
          qv = q[src] * params.scale;
          dov = dout[src];
        }
        qs[e] = qv;
        dos[e] = dov;
      }
      for (var r = tid; r < BQ; r += BKV) {
        let i = it + r;
        if (i < T) {
          ls[r] = lse[i * NH + h];
          ds_[r] = delta[i * NH + h];
          ss[r] = starts[i];
        } else {
          ls[r] = 0.0;
          ds_[r] = 0.0;
          ss[r] = 0xffffffffu; // no key may see a padding row
        }
      }
      workgroupBarrier();
      if (valid) {
        for (var r = 0u; r < BQ; r++) {
          let i = it + r;
          if (i >= j && ss[r] <= j) {
            var s = 0.0;
            var dp = 0.0;
            for (var d = 0u; d < HS; d++) {
              s += qs[r * HS + d] * kr[d];
              dp += dos[r * HS + d] * vr[d];
            }
            let p = exp(s - ls[r]);
            let dsv = p * (dp - ds_[r]);
            for (var d = 0u; d < HS; d++) {
              dvr[d] += p * dos[r * HS + d];
              dkr[d] += dsv * qs[r * HS + d];
            }
          }
        }
      }
      workgroupBarrier();
    }
  }
  if (valid) {
    for (var d = 0u; d < HS; d++) {
      dk[kbase + d] = dkr[d];
      dv[kbase + d] = dvr[d];
    }
  }
}
