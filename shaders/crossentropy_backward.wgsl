// Fused lm_head + cross-entropy, loss and gradient pass (part 1 of 2: per vocabulary split).
// For a block of RT = 4 tokens and the vocabulary rows [s * vchunk, min(V, (s + 1) * vchunk)) of
// split s = gid.y, streams the lm_head rows RV = 8 at a time: logits = hidden_t . W_v, an online
// log-sum-exp (running max m and sum l per token), and the running softmax-weighted sum of
// weight rows acc_t = sum_v exp(logit_tv - m_t) W_v, rescaled when m_t grows (the flash-attention
// trick with W as the "values"). Nothing (T, V) is ever stored. crossentropy_merge.wgsl combines
// the splits into the loss and dhidden = scale * (softmax . W - W_label).
//   hidden (T, C) f32      read (after the final norm), as vec4s along C
//   weight (V, C) W_DTYPE  read (lm_head, or the tied embedding) as vec2<u32> words: f32 (two
//                          words per 4 weights), or bf16 / f16 packed two per u32 (element e in
//                          word e / 2, low half first; one vec2 per 4 weights)
//   labels (T)    i32      read; the target of each position (already shifted); trained iff
//                          0 <= label < V (-100 = ignore)
//   ml     (S, T, 2) f32   =  (m, l) per split and token
//   acc    (S*T + 1, C) f32 =  acc per split and token, plus one spare row that lanes past T
//                            write and nobody reads
// Needs C % 4 == 0 (every supported model: hidden sizes are multiples of 64);
// crossentropy_scalar_backward.wgsl is the same pass for any C.
// Blocks whose 4 tokens are all ignored return at once (prompt tokens cost nothing).
// Dispatch: (ceil(ceil(T / RT) / WG), S); one invocation per (4-token block, split).
// SwiftShader: every storage load is a per-lane gather with a bounds check, so loads run along the
// contiguous C as vec4 (hidden) / vec2<u32> (weight), and each invocation keeps a 4-token x 8-row
// block of logits in 32 named scalars (dot(vec4, vec4) updates): 12 loads per 128 FMAs, the vec4
// matmul's best block, and the logits part runs at that matmul's rate. The acc update walks C the
// same way (4 acc vec4 read-modify-writes + 8 weight loads per 128 FMAs, rows applied one at a time
// so few registers are live) and costs about as much again: the weight rows are read twice. Tried
// and slower: 8 x 8 blocks (spills), 16 or 32 rows or 8 tokens per acc update, all 8 weight rows
// loaded before use; fma() instead of dot() changed nothing. Everything sits in named registers:
// SwiftShader does not unroll loops, and a private array indexed in a loop lives in memory. About
// 1.3x the scalar-load version (crossentropy_scalar_backward.wgsl) at 512 x 49152 x 576 bf16.
// (Generated once by hand-unrolling; edit as plain WGSL.)

override WG: u32 = 64;
override W_DTYPE: u32 = 0u; // 0 f32, 1 bf16, 2 f16

const RT: u32 = 4u; // tokens per invocation (the lanes of the L / p / m / l vec4s)
const RV: u32 = 8u; // vocabulary rows per step (named registers s*_0..s*_7, p0_0..p0_7)
const NEG: f32 = -3.0e38;

struct Params {
  T: u32,
  C: u32,
  V: u32,
  vchunk: u32,
  S: u32,
}

@group(0) @binding(0) var<storage, read> hidden: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> weight: array<vec2<u32>>;
@group(0) @binding(2) var<storage, read> labels: array<i32>;
@group(0) @binding(3) var<storage, read_write> ml: array<f32>;
@group(0) @binding(4) var<storage, read_write> acc: array<vec4<f32>>;
@group(0) @binding(5) var<uniform> params: Params;

// Four consecutive weights starting at word i: two words of f32, or one of bf16 / f16 pairs.
fn w4(i: u32) -> vec4<f32> {
  if (W_DTYPE == 0u) {
    return bitcast<vec4<f32>>(vec4<u32>(weight[i], weight[i + 1u]));
  }
  let w = weight[i];
  if (W_DTYPE == 1u) {
    return vec4<f32>(
      bitcast<f32>(w.x << 16u),
      bitcast<f32>(w.x & 0xffff0000u),
      bitcast<f32>(w.y << 16u),
      bitcast<f32>(w.y & 0xffff0000u),
    );
  }
  return vec4<f32>(unpack2x16float(w.x), unpack2x16float(w.y));
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let T = params.T;
  let C4 = params.C / 4u;
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
  let ws = select(1u, 2u, W_DTYPE == 0u); // vec2<u32> words per 4 weights
  let wrow = C4 * ws;
  // Hidden rows (clamped past T); acc rows (lanes past T write the spare row S * T, never read).
  let h0 = min(t0 + 0u, T - 1u) * C4;
  let h1 = min(t0 + 1u, T - 1u) * C4;
  let h2 = min(t0 + 2u, T - 1u) * C4;
  let h3 = min(t0 + 3u, T - 1u) * C4;
  let spare = params.S * T * C4;
  let a0 = (s * T + t0) * C4;
  let a1 = select(spare, a0 + 1u * C4, t0 + 1u < T);
  let a2 = select(spare, a0 + 2u * C4, t0 + 2u < T);
  let a3 = select(spare, a0 + 3u * C4, t0 + 3u < T);
  for (var c = 0u; c < C4; c++) {
    acc[a0 + c] = vec4<f32>(0.0);
    acc[a1 + c] = vec4<f32>(0.0);
    acc[a2 + c] = vec4<f32>(0.0);
    acc[a3 + c] = vec4<f32>(0.0);
  }
  var m0 = vec4<f32>(NEG);
  var l0 = vec4<f32>(0.0);
  for (var v0 = vbeg; v0 < vend; v0 += RV) {
    // Logits of the 4 tokens x 8 rows (rows past the split's end clamped, masked below).
    let last = vend - 1u;
    let r0 = min(v0 + 0u, last) * wrow;
    let r1 = min(v0 + 1u, last) * wrow;
    let r2 = min(v0 + 2u, last) * wrow;
    let r3 = min(v0 + 3u, last) * wrow;
    let r4 = min(v0 + 4u, last) * wrow;
    let r5 = min(v0 + 5u, last) * wrow;
    let r6 = min(v0 + 6u, last) * wrow;
    let r7 = min(v0 + 7u, last) * wrow;
    var s0_0 = 0.0; var s0_1 = 0.0; var s0_2 = 0.0; var s0_3 = 0.0;
    var s0_4 = 0.0; var s0_5 = 0.0; var s0_6 = 0.0; var s0_7 = 0.0;
    var s1_0 = 0.0; var s1_1 = 0.0; var s1_2 = 0.0; var s1_3 = 0.0;
    var s1_4 = 0.0; var s1_5 = 0.0; var s1_6 = 0.0; var s1_7 = 0.0;
    var s2_0 = 0.0; var s2_1 = 0.0; var s2_2 = 0.0; var s2_3 = 0.0;
    var s2_4 = 0.0; var s2_5 = 0.0; var s2_6 = 0.0; var s2_7 = 0.0;
    var s3_0 = 0.0; var s3_1 = 0.0; var s3_2 = 0.0; var s3_3 = 0.0;
    var s3_4 = 0.0; var s3_5 = 0.0; var s3_6 = 0.0; var s3_7 = 0.0;
    for (var c = 0u; c < C4; c++) {
      let cw = c * ws;
      let x0 = hidden[h0 + c];
      let x1 = hidden[h1 + c];
      let x2 = hidden[h2 + c];
      let x3 = hidden[h3 + c];
      let y0 = w4(r0 + cw);
      s0_0 += dot(x0, y0);
      s1_0 += dot(x1, y0);
      s2_0 += dot(x2, y0);
      s3_0 += dot(x3, y0);
      let y1 = w4(r1 + cw);
      s0_1 += dot(x0, y1);
      s1_1 += dot(x1, y1);
      s2_1 += dot(x2, y1);
      s3_1 += dot(x3, y1);
      let y2 = w4(r2 + cw);
      s0_2 += dot(x0, y2);
      s1_2 += dot(x1, y2);
      s2_2 += dot(x2, y2);
      s3_2 += dot(x3, y2);
      let y3 = w4(r3 + cw);
      s0_3 += dot(x0, y3);
      s1_3 += dot(x1, y3);
      s2_3 += dot(x2, y3);
      s3_3 += dot(x3, y3);
      let y4 = w4(r4 + cw);
      s0_4 += dot(x0, y4);
      s1_4 += dot(x1, y4);
      s2_4 += dot(x2, y4);
      s3_4 += dot(x3, y4);
      let y5 = w4(r5 + cw);
      s0_5 += dot(x0, y5);
      s1_5 += dot(x1, y5);
      s2_5 += dot(x2, y5);
      s3_5 += dot(x3, y5);
      let y6 = w4(r6 + cw);
      s0_6 += dot(x0, y6);
      s1_6 += dot(x1, y6);
      s2_6 += dot(x2, y6);
      s3_6 += dot(x3, y6);
      let y7 = w4(r7 + cw);
      s0_7 += dot(x0, y7);
      s1_7 += dot(x1, y7);
      s2_7 += dot(x2, y7);
      s3_7 += dot(x3, y7);
    }
    // The same logits as vec4s over the 4 tokens, for the online log-sum-exp.
    var L0_0 = vec4<f32>(s0_0, s1_0, s2_0, s3_0);
    var L0_1 = vec4<f32>(s0_1, s1_1, s2_1, s3_1);
    var L0_2 = vec4<f32>(s0_2, s1_2, s2_2, s3_2);
    var L0_3 = vec4<f32>(s0_3, s1_3, s2_3, s3_3);
    var L0_4 = vec4<f32>(s0_4, s1_4, s2_4, s3_4);
    var L0_5 = vec4<f32>(s0_5, s1_5, s2_5, s3_5);
    var L0_6 = vec4<f32>(s0_6, s1_6, s2_6, s3_6);
    var L0_7 = vec4<f32>(s0_7, s1_7, s2_7, s3_7);
    if (v0 + RV > vend) {
      // Past the split's end: rows were clamped; mask their logits.
      let n = vend - v0;
      L0_1 = select(vec4<f32>(NEG), L0_1, n > 1u);
      L0_2 = select(vec4<f32>(NEG), L0_2, n > 2u);
      L0_3 = select(vec4<f32>(NEG), L0_3, n > 3u);
      L0_4 = select(vec4<f32>(NEG), L0_4, n > 4u);
      L0_5 = select(vec4<f32>(NEG), L0_5, n > 5u);
      L0_6 = select(vec4<f32>(NEG), L0_6, n > 6u);
      L0_7 = select(vec4<f32>(NEG), L0_7, n > 7u);
    }
    let n0 = max(m0, max(max(max(L0_0, L0_1), max(L0_2, L0_3)),
                         max(max(L0_4, L0_5), max(L0_6, L0_7))));
    let corr0 = exp(m0 - n0);
    let p0_0 = exp(L0_0 - n0);
    let p0_1 = exp(L0_1 - n0);
    let p0_2 = exp(L0_2 - n0);
    let p0_3 = exp(L0_3 - n0);
    let p0_4 = exp(L0_4 - n0);
    let p0_5 = exp(L0_5 - n0);
    let p0_6 = exp(L0_6 - n0);
    let p0_7 = exp(L0_7 - n0);
    l0 = l0 * corr0 + (((p0_0 + p0_1) + (p0_2 + p0_3)) + ((p0_4 + p0_5) + (p0_6 + p0_7)));
    m0 = n0;
    // acc_t = acc_t * corr_t + sum_v p_tv W_v, one row of W at a time (fewer live registers).
    for (var c = 0u; c < C4; c++) {
      let cw = c * ws;
      var b0 = acc[a0 + c] * corr0.x;
      var b1 = acc[a1 + c] * corr0.y;
      var b2 = acc[a2 + c] * corr0.z;
      var b3 = acc[a3 + c] * corr0.w;
      let y0 = w4(r0 + cw);
      b0 += p0_0.x * y0;
      b1 += p0_0.y * y0;
      b2 += p0_0.z * y0;
      b3 += p0_0.w * y0;
      let y1 = w4(r1 + cw);
      b0 += p0_1.x * y1;
      b1 += p0_1.y * y1;
      b2 += p0_1.z * y1;
      b3 += p0_1.w * y1;
      let y2 = w4(r2 + cw);
      b0 += p0_2.x * y2;
      b1 += p0_2.y * y2;
      b2 += p0_2.z * y2;
      b3 += p0_2.w * y2;
      let y3 = w4(r3 + cw);
      b0 += p0_3.x * y3;
      b1 += p0_3.y * y3;
      b2 += p0_3.z * y3;
      b3 += p0_3.w * y3;
      let y4 = w4(r4 + cw);
      b0 += p0_4.x * y4;
      b1 += p0_4.y * y4;
      b2 += p0_4.z * y4;
      b3 += p0_4.w * y4;
      let y5 = w4(r5 + cw);
      b0 += p0_5.x * y5;
      b1 += p0_5.y * y5;
      b2 += p0_5.z * y5;
      b3 += p0_5.w * y5;
      let y6 = w4(r6 + cw);
      b0 += p0_6.x * y6;
      b1 += p0_6.y * y6;
      b2 += p0_6.z * y6;
      b3 += p0_6.w * y6;
      let y7 = w4(r7 + cw);
      b0 += p0_7.x * y7;
      b1 += p0_7.y * y7;
      b2 += p0_7.z * y7;
      b3 += p0_7.w * y7;
      acc[a0 + c] = b0;
      acc[a1 + c] = b1;
      acc[a2 + c] = b2;
      acc[a3 + c] = b3;
    }
  }
  for (var a = 0u; a < RT; a++) {
    if (t0 + a < T) {
      let o = (s * T + t0 + a) * 2u;
      ml[o] = m0[a];
      ml[o + 1u] = l0[a];
    }
  }
}
