// Causal self-attention forward with GQA and block-diagonal masking for packed sequences,
// memory-efficient (flash-attention style online softmax): nothing (T, T) is stored; the
// backward recomputes scores from q, k and the saved per-row logsumexp.
//   q      (T, NH, HS)  f32  read (after RoPE)
//   k      (T, NKV, HS) f32  read (after RoPE); query head h reads kv head h / (NH / NKV)
//   v      (T, NKV, HS) f32  read
//   starts (T)          u32  read: index of the first token of token t's packed sequence;
//                            query i attends to keys j with starts[i] <= j <= i
//   out    (T, NH, HS)  f32  =  softmax(scale * q k^T + mask) v
//   lse    (T, NH)      f32  =  logsumexp of row i's masked, scaled scores (for the backward)
// scale = params.scale (1 / sqrt(HS) for Llama/Qwen); HS (a multiple of 4, <= 128) is a runtime
// size; rows are read as vec4s and q / the running output live in vec4 registers.
// Dispatch: (ceil(T / WG), NH); one invocation per (query row, head). Each walks its keys in
// chunks of CH: scores for the chunk, one rescale of the running max / sum / output, then p * v.
// No workgroup memory: threads of one sequence read the same k/v rows at the same step (a
// broadcast on GPUs, cached on CPUs), and SwiftShader compiles big workgroup arrays very slowly
// (~25 s for 2 x 16 KB) and runs register-blocked code faster than tiled code (DESIGN.md).

override WG: u32 = 32;

const MAX_HS4: u32 = 32; // head size / 4, at most 128 / 4
const CH: u32 = 16; // keys per online-softmax rescale
const NEG: f32 = -3.0e38; // below any score: exp(NEG - m) == 0

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
@group(0) @binding(4) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> lse: array<f32>;
@group(0) @binding(6) var<uniform> params: Params;

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
  var o: array<vec4<f32>, MAX_HS4>;
  let qbase = (i * params.NH + h) * HS;
  for (var d = 0u; d < HS; d++) {
    qr[d] = q[qbase + d] * params.scale;
    o[d] = vec4<f32>(0.0);
  }
  var m = NEG;
  var l = 0.0;
  var sc: array<f32, CH>;
  var j = starts[i];
  while (j <= i) {
    let n = min(CH, i + 1u - j);
    var cmax = NEG;
    for (var c = 0u; c < n; c++) {
      let kb = ((j + c) * NKV + g) * HS;
      var s = 0.0;
      for (var d = 0u; d < HS; d++) {
        s += dot(qr[d], k[kb + d]);
      }
      sc[c] = s;
      cmax = max(cmax, s);
    }
    let mnew = max(m, cmax);
    let corr = exp(m - mnew);
    l *= corr;
    for (var d = 0u; d < HS; d++) {
      o[d] *= corr;
    }
    for (var c = 0u; c < n; c++) {
      let p = exp(sc[c] - mnew);
      l += p;
      let vb = ((j + c) * NKV + g) * HS;
      for (var d = 0u; d < HS; d++) {
        o[d] += p * v[vb + d];
      }
    }
    m = mnew;
    j += n;
  }
  let inv = 1.0 / l;
  for (var d = 0u; d < HS; d++) {
    out[qbase + d] = o[d] * inv;
  }
  lse[i * params.NH + h] = m + log(l);
}
