// Fused lm_head + cross-entropy, loss-only pass (evaluation), part 1 of 2: per vocabulary split.
// Any hidden size C: scalar loads along C. crossentropy_forward.wgsl is the faster vec4 version
// the launcher uses when C % 4 == 0 (every supported model); this one serves odd test shapes.
// For a block of RT = 4 tokens and the vocabulary rows [s * vchunk, min(V, (s + 1) * vchunk)) of
// split s = gid.y, streams the lm_head rows RV = 8 at a time: logits = hidden_t . W_v and an
// online log-sum-exp (running max m and sum l per token). Nothing (T, V) is stored.
// crossentropy_merge.wgsl combines the splits into per-token losses. The training pass, which
// also yields dhidden in the same sweep, is crossentropy_backward.wgsl.
//   hidden (T, C) f32      read (after the final norm)
//   weight (V, C) W_DTYPE  read; f32, or bf16 / f16 packed two per u32 (low half first)
//   labels (T)    i32      read; trained iff 0 <= label < V (-100 = ignore)
//   ml     (S, T, 2) f32   =  (m, l) per split and token (only for blocks with a trained token)
// Dispatch: (ceil(ceil(T / RT) / WG), S); one invocation per (4-token block, split).

override WG: u32 = 64;
override W_DTYPE: u32 = 0u; // 0 f32, 1 bf16, 2 f16

const RT: u32 = 4u; // tokens per invocation (vec4 lanes)
const RV: u32 = 8u; // vocabulary rows per step (named registers l0..l7)
const NEG: f32 = -3.0e38;

struct Params {
  T: u32,
  C: u32,
  V: u32,
  vchunk: u32,
}

@group(0) @binding(0) var<storage, read> hidden: array<f32>;
@group(0) @binding(1) var<storage, read> weight: array<u32>;
@group(0) @binding(2) var<storage, read> labels: array<i32>;
@group(0) @binding(3) var<storage, read_write> ml: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

fn w_at(e: u32) -> f32 {
  if (W_DTYPE == 0u) {
    return bitcast<f32>(weight[e]);
  }
  let word = weight[e >> 1u];
  let odd = (e & 1u) == 1u;
  if (W_DTYPE == 1u) {
    return bitcast<f32>(select(word << 16u, word & 0xffff0000u, odd));
  }
  return unpack2x16float(word)[e & 1u];
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let T = params.T;
  let C = params.C;
  let V = params.V;
  let s = gid.y;
  let t0 = gid.x * RT;
  if (t0 >= T) {
    return;
  }
  var trained = false;
  for (var a = 0u; a < RT; a++) {
    if (t0 + a < T) {
      let lab = labels[t0 + a];
      trained = trained || (lab >= 0 && u32(lab) < V);
    }
  }
  if (!trained) {
    return;
  }
  let vbeg = s * params.vchunk;
  let vend = min(V, vbeg + params.vchunk);
  let h0 = min(t0, T - 1u) * C;
  let h1 = min(t0 + 1u, T - 1u) * C;
  let h2 = min(t0 + 2u, T - 1u) * C;
  let h3 = min(t0 + 3u, T - 1u) * C;
  var m = vec4<f32>(NEG);
  var l = vec4<f32>(0.0);
  // Eight logits (x 4 tokens) per step in named registers: SwiftShader does not unroll loops, and
  // a private array indexed in a loop would live in memory.
  for (var v0 = vbeg; v0 < vend; v0 += RV) {
    let last = vend - 1u;
    let w0 = min(v0, last) * C;
    let w1 = min(v0 + 1u, last) * C;
    let w2 = min(v0 + 2u, last) * C;
    let w3 = min(v0 + 3u, last) * C;
    let w4 = min(v0 + 4u, last) * C;
    let w5 = min(v0 + 5u, last) * C;
    let w6 = min(v0 + 6u, last) * C;
    let w7 = min(v0 + 7u, last) * C;
    var l0 = vec4<f32>(0.0);
    var l1 = vec4<f32>(0.0);
    var l2 = vec4<f32>(0.0);
    var l3 = vec4<f32>(0.0);
    var l4 = vec4<f32>(0.0);
    var l5 = vec4<f32>(0.0);
    var l6 = vec4<f32>(0.0);
    var l7 = vec4<f32>(0.0);
    for (var c = 0u; c < C; c++) {
      let h = vec4<f32>(hidden[h0 + c], hidden[h1 + c], hidden[h2 + c], hidden[h3 + c]);
      l0 += h * w_at(w0 + c);
      l1 += h * w_at(w1 + c);
      l2 += h * w_at(w2 + c);
      l3 += h * w_at(w3 + c);
      l4 += h * w_at(w4 + c);
      l5 += h * w_at(w5 + c);
      l6 += h * w_at(w6 + c);
      l7 += h * w_at(w7 + c);
    }
    if (v0 + RV > vend) {
      // Past the split's end: rows were clamped; mask their logits.
      let n = vend - v0;
      l1 = select(vec4<f32>(NEG), l1, n > 1u);
      l2 = select(vec4<f32>(NEG), l2, n > 2u);
      l3 = select(vec4<f32>(NEG), l3, n > 3u);
      l4 = select(vec4<f32>(NEG), l4, n > 4u);
      l5 = select(vec4<f32>(NEG), l5, n > 5u);
      l6 = select(vec4<f32>(NEG), l6, n > 6u);
      l7 = select(vec4<f32>(NEG), l7, n > 7u);
    }
    let cmax = max(max(max(l0, l1), max(l2, l3)), max(max(l4, l5), max(l6, l7)));
    let mnew = max(m, cmax);
    let corr = exp(m - mnew);
    let p0 = exp(l0 - mnew);
    let p1 = exp(l1 - mnew);
    let p2 = exp(l2 - mnew);
    let p3 = exp(l3 - mnew);
    let p4 = exp(l4 - mnew);
    let p5 = exp(l5 - mnew);
    let p6 = exp(l6 - mnew);
    let p7 = exp(l7 - mnew);
    l = l * corr + ((p0 + p1) + (p2 + p3)) + ((p4 + p5) + (p6 + p7));
    m = mnew;
  }
  for (var a = 0u; a < RT; a++) {
    if (t0 + a < T) {
      let o = (s * T + t0 + a) * 2u;
      ml[o] = m[a];
      ml[o + 1u] = l[a];
    }
  }
}
