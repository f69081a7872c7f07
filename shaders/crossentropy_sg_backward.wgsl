// Fused lm_head + cross-entropy, loss and gradient pass (part 1 of 2: per vocabulary split), with
// the weight loads shared across a subgroup: crossentropy_backward.wgsl with the trick of
// matmul_ntsg_forward.wgsl. All invocations of a workgroup sweep the same vocabulary split (s =
// workgroup_id.y) in lockstep, so at each step they need the same 8 lm_head rows: lanes 0..3 of
// every subgroup load two of them each (rows 2L and 2L + 1 of the step) and every lane takes all
// 8 with subgroupBroadcast, in the logits loop (4 hidden + 2 weight loads per 128 FMAs instead of
// 4 + 8) and in the acc update (8 acc accesses + 2 weight loads instead of 8 + 8). Same order of
// operations as crossentropy_backward.wgsl, so the outputs are bit-identical to it; the layouts,
// bindings and dispatch are that file's (read its header).
//
// Uniformity: every lane must reach every broadcast, so there is no early return per invocation.
// Lanes past T work on clamped rows and write the spare acc row; a whole subgroup whose tokens
// are all ignored (or past T) returns at once (subgroupAll), so prompt tokens still cost nothing in
// blocks of 4 x subgroup size. The uniformity analysis cannot see that subgroupAll's result is the
// same on every lane of the subgroup, hence the diagnostic filter below. (Made from
// crossentropy_backward.wgsl by a mechanical edit; edit as plain WGSL.)
// Needs the 'subgroups' feature and subgroups of 4 to 64 invocations (src/kernels/launch.ts
// subgroupSharingOk; the launcher checks it), and C % 4 == 0. Tried and no faster here: 16 or 32
// vocabulary rows per acc update (two or four 8-row logits steps), to halve the acc traffic.

enable subgroups;
diagnostic(off, subgroup_uniformity);

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
fn main(
  @builtin(global_invocation_id) gid: vec3<u32>,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(subgroup_invocation_id) lane: u32,
) {
  let T = params.T;
  let C4 = params.C / 4u;
  let V = params.V;
  let s = wid.y; // the same for the whole workgroup: its lanes sweep the same rows in lockstep
  let t0 = gid.x * RT;
  var trained = false;
  for (var a = 0u; a < RT; a++) {
    if (t0 + a < T) {
      let lab = labels[t0 + a];
      trained = trained || (lab >= 0 && u32(lab) < V);
    }
  }
  if (subgroupAll(!trained)) {
    return; // the merge never reads ignored tokens (lanes past T count as ignored)
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
  let a0 = select(spare, (s * T + t0) * C4, t0 < T);
  let a1 = select(spare, (s * T + t0 + 1u) * C4, t0 + 1u < T);
  let a2 = select(spare, (s * T + t0 + 2u) * C4, t0 + 2u < T);
  let a3 = select(spare, (s * T + t0 + 3u) * C4, t0 + 3u < T);
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
    // This lane's two rows of the step (lanes 0..3 serve the subgroup; the others load copies).
    let last = vend - 1u;
    let re = min(v0 + 2u * (lane & 3u), last) * wrow;
    let ro = min(v0 + 2u * (lane & 3u) + 1u, last) * wrow;
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
      let ye = w4(re + cw);
      let yo = w4(ro + cw);
      let y0 = subgroupBroadcast(ye, 0u);
      let y1 = subgroupBroadcast(yo, 0u);
      let y2 = subgroupBroadcast(ye, 1u);
      let y3 = subgroupBroadcast(yo, 1u);
      let y4 = subgroupBroadcast(ye, 2u);
      let y5 = subgroupBroadcast(yo, 2u);
      let y6 = subgroupBroadcast(ye, 3u);
      let y7 = subgroupBroadcast(yo, 3u);
      s0_0 += dot(x0, y0);
      s1_0 += dot(x1, y0);
      s2_0 += dot(x2, y0);
      s3_0 += dot(x3, y0);
      s0_1 += dot(x0, y1);
      s1_1 += dot(x1, y1);
      s2_1 += dot(x2, y1);
      s3_1 += dot(x3, y1);
      s0_2 += dot(x0, y2);
      s1_2 += dot(x1, y2);
      s2_2 += dot(x2, y2);
      s3_2 += dot(x3, y2);
      s0_3 += dot(x0, y3);
      s1_3 += dot(x1, y3);
      s2_3 += dot(x2, y3);
      s3_3 += dot(x3, y3);
      s0_4 += dot(x0, y4);
      s1_4 += dot(x1, y4);
      s2_4 += dot(x2, y4);
      s3_4 += dot(x3, y4);
      s0_5 += dot(x0, y5);
      s1_5 += dot(x1, y5);
      s2_5 += dot(x2, y5);
      s3_5 += dot(x3, y5);
      s0_6 += dot(x0, y6);
      s1_6 += dot(x1, y6);
      s2_6 += dot(x2, y6);
      s3_6 += dot(x3, y6);
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
      let ye = w4(re + cw);
      let yo = w4(ro + cw);
      let y0 = subgroupBroadcast(ye, 0u);
      let y1 = subgroupBroadcast(yo, 0u);
      let y2 = subgroupBroadcast(ye, 1u);
      let y3 = subgroupBroadcast(yo, 1u);
      let y4 = subgroupBroadcast(ye, 2u);
      let y5 = subgroupBroadcast(yo, 2u);
      let y6 = subgroupBroadcast(ye, 3u);
      let y7 = subgroupBroadcast(yo, 3u);
      b0 += p0_0.x * y0;
      b1 += p0_0.y * y0;
      b2 += p0_0.z * y0;
      b3 += p0_0.w * y0;
      b0 += p0_1.x * y1;
      b1 += p0_1.y * y1;
      b2 += p0_1.z * y1;
      b3 += p0_1.w * y1;
      b0 += p0_2.x * y2;
      b1 += p0_2.y * y2;
      b2 += p0_2.z * y2;
      b3 += p0_2.w * y2;
      b0 += p0_3.x * y3;
      b1 += p0_3.y * y3;
      b2 += p0_3.z * y3;
      b3 += p0_3.w * y3;
      b0 += p0_4.x * y4;
      b1 += p0_4.y * y4;
      b2 += p0_4.z * y4;
      b3 += p0_4.w * y4;
      b0 += p0_5.x * y5;
      b1 += p0_5.y * y5;
      b2 += p0_5.z * y5;
      b3 += p0_5.w * y5;
      b0 += p0_6.x * y6;
      b1 += p0_6.y * y6;
      b2 += p0_6.z * y6;
      b3 += p0_6.w * y6;
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
