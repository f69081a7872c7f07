// Causal self-attention forward with GQA and block-diagonal masking for packed sequences,
// memory-efficient (flash-attention style online softmax): nothing (T, T) is stored; the
// backward recomputes scores from q, k and the saved per-row logsumexp.
//   q      (T, NH, HS)  f32  read (after RoPE)
//   k      (T, NKV, HS) f32  read (after RoPE); query head h reads kv head h / (NH / NKV)
//   v      (T, NKV, HS) f32  read
//   starts (T)          u32  read: index of the first token of token t's packed sequence;
//                            query i attends to keys j with starts[i] <= j <= i (starts must be
//                            non-decreasing, as packing produces)
//   out    (T, NH, HS)  f32  =  softmax(scale * q k^T + mask) v
//   lse    (T, NH)      f32  =  logsumexp of row i's masked, scaled scores (for the backward)
// scale = params.scale (1 / sqrt(HS) for Llama/Qwen).
// Dispatch: (ceil(T / BQ), NH); workgroup of BQ threads, one query row each. Keys stream through
// workgroup memory in tiles of BK rows (K and V tiles: 2 * BK * HS * 4 bytes), from the first key
// any row of the block may see (starts of its first row) to its last row. Per tile a thread
// scores its row, rescales its running max / sum / output once, and accumulates p * v.

override BQ: u32 = 32; // query rows per workgroup = workgroup size
override BK: u32 = 32; // keys per tile (<= MAX_BK)
override HS: u32 = 64; // head size (<= MAX_HS)

const MAX_HS: u32 = 128;
const MAX_BK: u32 = 64;
const NEG: f32 = -3.0e38; // "-inf" for masked scores (exp(NEG - m) == 0)

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
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<storage, read_write> lse: array<f32>;
@group(0) @binding(6) var<uniform> params: Params;

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
  var o: array<f32, MAX_HS>;
  let qbase = (ii * params.NH + h) * HS;
  for (var d = 0u; d < HS; d++) {
    qr[d] = q[qbase + d] * params.scale;
    o[d] = 0.0;
  }
  var m = NEG;
  var l = 0.0;

  let kbeg = starts[q0]; // uniform: read-only storage at a uniform index
  let kend = min(q0 + BQ, T); // exclusive
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
      var sc: array<f32, MAX_BK>;
      var tmax = NEG;
      for (var jj = 0u; jj < BK; jj++) {
        let j = kt + jj;
        var s = NEG;
        if (j >= start_i && j <= i) {
          s = 0.0;
          for (var d = 0u; d < HS; d++) {
            s += qr[d] * ks[jj * HS + d];
          }
          tmax = max(tmax, s);
        }
        sc[jj] = s;
      }
      if (tmax > NEG) {
        let mnew = max(m, tmax);
        let corr = exp(m - mnew);
        l *= corr;
        for (var d = 0u; d < HS; d++) {
          o[d] *= corr;
        }
        for (var jj = 0u; jj < BK; jj++) {
          if (sc[jj] > NEG) {
            let p = exp(sc[jj] - mnew);
            l += p;
            for (var d = 0u; d < HS; d++) {
              o[d] += p * vs[jj * HS + d];
            }
          }
        }
        m = mnew;
      }
    }
    workgroupBarrier();
  }
  if (valid) {
    let inv = 1.0 / l;
    for (var d = 0u; d < HS; d++) {
      out[qbase + d] = o[d] * inv;
    }
    lse[i * params.NH + h] = m + log(l);
  }
}
