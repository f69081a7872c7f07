// Fused lm_head + cross-entropy, loss and gradient pass (part 1 of 2: per vocabulary split).
// Any hidden size C: scalar loads along C. crossentropy_backward.wgsl is the faster vec4 version
// the launcher uses when C % 4 == 0 (every supported model); this one serves odd test shapes.
// For a block of RT = 8 tokens and the vocabulary rows [s * vchunk, min(V, (s + 1) * vchunk)) of
// split s = gid.y, streams the lm_head rows RV = 8 at a time: logits = hidden_t . W_v, an online
// log-sum-exp (running max m and sum l per token), and the running softmax-weighted sum of
// weight rows acc_t = sum_v exp(logit_tv - m_t) W_v, rescaled when m_t grows (the flash-attention
// trick with W as the "values"). Nothing (T, V) is ever stored. crossentropy_merge.wgsl combines
// the splits into the loss and dhidden = scale * (softmax . W - W_label).
//   hidden (T, C) f32      read (after the final norm)
//   weight (V, C) W_DTYPE  read (lm_head, or the tied embedding); f32, or bf16 / f16 packed two
//                          per u32 (element e in word e / 2, low half first)
//   labels (T)    i32      read; the target of each position (already shifted); trained iff
//                          0 <= label < V (-100 = ignore)
//   ml     (S, T, 2) f32   =  (m, l) per split and token
//   acc    (S*T + 1, C) f32 =  acc per split and token, plus one spare row that lanes past T
//                            write and nobody reads
// Blocks whose 8 tokens are all ignored return at once (prompt tokens cost nothing).
// Dispatch: (ceil(ceil(T / RT) / WG), S); one invocation per (8-token block, split); the 8
// tokens ride in the lanes of two vec4s (A: tokens 0-3, B: 4-7). Everything per step sits in named
// registers (16 vec4 logits): SwiftShader does not unroll loops, and a private array indexed in a
// loop lives in memory. Per hidden element: 16 loads (8 hidden, 8 weight) feed 64 FMAs, and the
// acc update 24 loads/stores feed 64 FMAs. (Generated once by hand-unrolling; edit as plain WGSL.)

override WG: u32 = 64;
override W_DTYPE: u32 = 0u; // 0 f32, 1 bf16, 2 f16

const RT: u32 = 8u; // tokens per invocation (two vec4s)
const RV: u32 = 8u; // vocabulary rows per step (named registers A0..A7, B0..B7)
const NEG: f32 = -3.0e38;

struct Params {
  T: u32,
  C: u32,
  V: u32,
  vchunk: u32,
  S: u32,
}

@group(0) @binding(0) var<storage, read> hidden: array<f32>;
@group(0) @binding(1) var<storage, read> weight: array<u32>;
@group(0) @binding(2) var<storage, read> labels: array<i32>;
@group(0) @binding(3) var<storage, read_write> ml: array<f32>;
@group(0) @binding(4) var<storage, read_write> acc: array<f32>;
@group(0) @binding(5) var<uniform> params: Params;

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
    return; // the merge never reads ignored tokens
  }
  let vbeg = s * params.vchunk;
  let vend = min(V, vbeg + params.vchunk);
  // Hidden rows (clamped past T); acc rows (lanes past T write the spare row S * T, never read).
  let spare = params.S * T * C;
  let h0 = min(t0 + 0u, T - 1u) * C;
  let h1 = min(t0 + 1u, T - 1u) * C;
  let h2 = min(t0 + 2u, T - 1u) * C;
  let h3 = min(t0 + 3u, T - 1u) * C;
  let h4 = min(t0 + 4u, T - 1u) * C;
  let h5 = min(t0 + 5u, T - 1u) * C;
  let h6 = min(t0 + 6u, T - 1u) * C;
  let h7 = min(t0 + 7u, T - 1u) * C;
  let a0 = (s * T + t0) * C;
  let a1 = select(spare, a0 + 1u * C, t0 + 1u < T);
  let a2 = select(spare, a0 + 2u * C, t0 + 2u < T);
  let a3 = select(spare, a0 + 3u * C, t0 + 3u < T);
  let a4 = select(spare, a0 + 4u * C, t0 + 4u < T);
  let a5 = select(spare, a0 + 5u * C, t0 + 5u < T);
  let a6 = select(spare, a0 + 6u * C, t0 + 6u < T);
  let a7 = select(spare, a0 + 7u * C, t0 + 7u < T);
  for (var c = 0u; c < C; c++) {
    acc[a0 + c] = 0.0;
    acc[a1 + c] = 0.0;
    acc[a2 + c] = 0.0;
    acc[a3 + c] = 0.0;
    acc[a4 + c] = 0.0;
    acc[a5 + c] = 0.0;
    acc[a6 + c] = 0.0;
    acc[a7 + c] = 0.0;
  }
  var mA = vec4<f32>(NEG);
  var mB = vec4<f32>(NEG);
  var lA = vec4<f32>(0.0);
  var lB = vec4<f32>(0.0);
  for (var v0 = vbeg; v0 < vend; v0 += RV) {
    let last = vend - 1u;
    let w0 = min(v0 + 0u, last) * C;
    let w1 = min(v0 + 1u, last) * C;
    let w2 = min(v0 + 2u, last) * C;
    let w3 = min(v0 + 3u, last) * C;
    let w4 = min(v0 + 4u, last) * C;
    let w5 = min(v0 + 5u, last) * C;
    let w6 = min(v0 + 6u, last) * C;
    let w7 = min(v0 + 7u, last) * C;
    var A0 = vec4<f32>(0.0);
    var A1 = vec4<f32>(0.0);
    var A2 = vec4<f32>(0.0);
    var A3 = vec4<f32>(0.0);
    var A4 = vec4<f32>(0.0);
    var A5 = vec4<f32>(0.0);
    var A6 = vec4<f32>(0.0);
    var A7 = vec4<f32>(0.0);
    var B0 = vec4<f32>(0.0);
    var B1 = vec4<f32>(0.0);
    var B2 = vec4<f32>(0.0);
    var B3 = vec4<f32>(0.0);
    var B4 = vec4<f32>(0.0);
    var B5 = vec4<f32>(0.0);
    var B6 = vec4<f32>(0.0);
    var B7 = vec4<f32>(0.0);
    for (var c = 0u; c < C; c++) {
      let hA = vec4<f32>(hidden[h0 + c], hidden[h1 + c], hidden[h2 + c], hidden[h3 + c]);
      let hB = vec4<f32>(hidden[h4 + c], hidden[h5 + c], hidden[h6 + c], hidden[h7 + c]);
      let x0 = w_at(w0 + c);
      let x1 = w_at(w1 + c);
      let x2 = w_at(w2 + c);
      let x3 = w_at(w3 + c);
      let x4 = w_at(w4 + c);
      let x5 = w_at(w5 + c);
      let x6 = w_at(w6 + c);
      let x7 = w_at(w7 + c);
      A0 += hA * x0;
      B0 += hB * x0;
      A1 += hA * x1;
      B1 += hB * x1;
      A2 += hA * x2;
      B2 += hB * x2;
      A3 += hA * x3;
      B3 += hB * x3;
      A4 += hA * x4;
      B4 += hB * x4;
      A5 += hA * x5;
      B5 += hB * x5;
      A6 += hA * x6;
      B6 += hB * x6;
      A7 += hA * x7;
      B7 += hB * x7;
    }
    if (v0 + RV > vend) {
      // Past the split's end: rows were clamped; mask their logits.
      let n = vend - v0;
      A1 = select(vec4<f32>(NEG), A1, n > 1u);
      B1 = select(vec4<f32>(NEG), B1, n > 1u);
      A2 = select(vec4<f32>(NEG), A2, n > 2u);
      B2 = select(vec4<f32>(NEG), B2, n > 2u);
      A3 = select(vec4<f32>(NEG), A3, n > 3u);
      B3 = select(vec4<f32>(NEG), B3, n > 3u);
      A4 = select(vec4<f32>(NEG), A4, n > 4u);
      B4 = select(vec4<f32>(NEG), B4, n > 4u);
      A5 = select(vec4<f32>(NEG), A5, n > 5u);
      B5 = select(vec4<f32>(NEG), B5, n > 5u);
      A6 = select(vec4<f32>(NEG), A6, n > 6u);
      B6 = select(vec4<f32>(NEG), B6, n > 6u);
      A7 = select(vec4<f32>(NEG), A7, n > 7u);
      B7 = select(vec4<f32>(NEG), B7, n > 7u);
    }
    let nA = max(mA, max(max(max(A0, A1), max(A2, A3)), max(max(A4, A5), max(A6, A7))));
    let corrA = exp(mA - nA);
    let pA0 = exp(A0 - nA);
    let pA1 = exp(A1 - nA);
    let pA2 = exp(A2 - nA);
    let pA3 = exp(A3 - nA);
    let pA4 = exp(A4 - nA);
    let pA5 = exp(A5 - nA);
    let pA6 = exp(A6 - nA);
    let pA7 = exp(A7 - nA);
    lA = lA * corrA + ((pA0 + pA1) + (pA2 + pA3)) + ((pA4 + pA5) + (pA6 + pA7));
    mA = nA;
    let nB = max(mB, max(max(max(B0, B1), max(B2, B3)), max(max(B4, B5), max(B6, B7))));
    let corrB = exp(mB - nB);
    let pB0 = exp(B0 - nB);
    let pB1 = exp(B1 - nB);
    let pB2 = exp(B2 - nB);
    let pB3 = exp(B3 - nB);
    let pB4 = exp(B4 - nB);
    let pB5 = exp(B5 - nB);
    let pB6 = exp(B6 - nB);
    let pB7 = exp(B7 - nB);
    lB = lB * corrB + ((pB0 + pB1) + (pB2 + pB3)) + ((pB4 + pB5) + (pB6 + pB7));
    mB = nB;
    let rescale = any(corrA != vec4<f32>(1.0)) || any(corrB != vec4<f32>(1.0));
    for (var c = 0u; c < C; c++) {
      var accA = vec4<f32>(acc[a0 + c], acc[a1 + c], acc[a2 + c], acc[a3 + c]);
      var accB = vec4<f32>(acc[a4 + c], acc[a5 + c], acc[a6 + c], acc[a7 + c]);
      if (rescale) {
        accA *= corrA;
        accB *= corrB;
      }
      let x0 = w_at(w0 + c);
      let x1 = w_at(w1 + c);
      let x2 = w_at(w2 + c);
      let x3 = w_at(w3 + c);
      let x4 = w_at(w4 + c);
      let x5 = w_at(w5 + c);
      let x6 = w_at(w6 + c);
      let x7 = w_at(w7 + c);
      accA += ((pA0 * x0 + pA1 * x1) + (pA2 * x2 + pA3 * x3)) + ((pA4 * x4 + pA5 * x5) + (pA6 * x6 + pA7 * x7));
      accB += ((pB0 * x0 + pB1 * x1) + (pB2 * x2 + pB3 * x3)) + ((pB4 * x4 + pB5 * x5) + (pB6 * x6 + pB7 * x7));
      acc[a0 + c] = accA.x;
      acc[a1 + c] = accA.y;
      acc[a2 + c] = accA.z;
      acc[a3 + c] = accA.w;
      acc[a4 + c] = accB.x;
      acc[a5 + c] = accB.y;
      acc[a6 + c] = accB.z;
      acc[a7 + c] = accB.w;
    }
  }
  for (var a = 0u; a < RT; a++) {
    if (t0 + a < T) {
      let o = (s * T + t0 + a) * 2u;
      if (a < 4u) {
        ml[o] = mA[a];
        ml[o + 1u] = lA[a];
      } else {
        ml[o] = mB[a - 4u];
        ml[o + 1u] = lB[a - 4u];
      }
    }
  }
}
