// Causal attention backward, part 1 of 2 (flash-attention-2): dQ and D, per query row.
//   D[i, h]  = sum_d dout[i, h, d] * out[i, h, d]
//   P[i, j]  = exp(scale * q_i . k_j - lse[i, h])        (recomputed, masked as in the forward)
//   dP[i, j] = dout_i . v_j,   dS = P * (dP - D_i)
//   dq_i     = scale * sum_j dS[i, j] k_j
//   q, k, v, starts as attention_forward.wgsl; out (T, NH, HS) and lse (T, NH) from the forward
//   dout  (T, NH, HS) f32  read
//   dq    (T, NH, HS) f32  =
//   delta (T, NH)     f32  =  D, read by attention_backward.wgsl (dK, dV)
// Dispatch: (ceil(T / (4 WG)), NH); one invocation per block of 4 consecutive query rows of one
// head, holding their q, dout and dq; keys j from starts[first row] to the last row one at a time,
// each k / v row load shared by the 4 rows, masked per row by select as in attention_forward.wgsl.
// (4 keys per step as in the forward measured no faster here and compiled 2.5x slower.)
// Registers: SwiftShader runs function-local arrays indexed by a runtime counter 8-10x slower
// than named values, so the per-row state lives in private structs Blk of 32 mat4x4 (m<d> holds
// dims 4d..4d+3 of the four rows, column r = row r) touched only by hand-unrolled lines, one per
// vec4 of the head. Each line is guarded by `HS4 > d` with the head size an override (one
// pipeline per head size), so the guards fold away and HS 64 runs 16 of the 32 lines.
// No workgroup memory: SwiftShader compiles big workgroup arrays very slowly (~25 s for 2 x 16 KB)
// and runs register-blocked code faster than tiled code (DESIGN.md).
// Compile time grows with the private state kept live (a few seconds to tens of seconds per head
// size on SwiftShader); it is paid once per head size at trainer creation.

override WG: u32 = 16;
override HS4: u32 = 16; // head size / 4 (vec4s per row), <= 32

struct Params {
  T: u32,
  NH: u32,
  NKV: u32,
  HS: u32,
  scale: f32,
}

// Dims 4d..4d+3 of four rows (query rows or key rows) as the columns of m<d>.
struct Blk {
  m0: mat4x4<f32>,
  m1: mat4x4<f32>,
  m2: mat4x4<f32>,
  m3: mat4x4<f32>,
  m4: mat4x4<f32>,
  m5: mat4x4<f32>,
  m6: mat4x4<f32>,
  m7: mat4x4<f32>,
  m8: mat4x4<f32>,
  m9: mat4x4<f32>,
  m10: mat4x4<f32>,
  m11: mat4x4<f32>,
  m12: mat4x4<f32>,
  m13: mat4x4<f32>,
  m14: mat4x4<f32>,
  m15: mat4x4<f32>,
  m16: mat4x4<f32>,
  m17: mat4x4<f32>,
  m18: mat4x4<f32>,
  m19: mat4x4<f32>,
  m20: mat4x4<f32>,
  m21: mat4x4<f32>,
  m22: mat4x4<f32>,
  m23: mat4x4<f32>,
  m24: mat4x4<f32>,
  m25: mat4x4<f32>,
  m26: mat4x4<f32>,
  m27: mat4x4<f32>,
  m28: mat4x4<f32>,
  m29: mat4x4<f32>,
  m30: mat4x4<f32>,
  m31: mat4x4<f32>,
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

var<private> qs: Blk; // scale * q of the four rows
var<private> go: Blk; // dout of the four rows
var<private> acc: Blk; // sum_j dS k_j of the four rows


// Loads q and dout of the four rows; returns D = rowsum(dout * out).
fn load_rows(b: vec4<u32>, scale: f32) -> vec4<f32> {
  var D = vec4<f32>(0.0);
  if (HS4 > 0u) { qs.m0 = mat4x4<f32>(q[b.x + 0u], q[b.y + 0u], q[b.z + 0u], q[b.w + 0u]) * scale; go.m0 = mat4x4<f32>(dout[b.x + 0u], dout[b.y + 0u], dout[b.z + 0u], dout[b.w + 0u]); D += vec4<f32>(dot(go.m0[0], out[b.x + 0u]), dot(go.m0[1], out[b.y + 0u]), dot(go.m0[2], out[b.z + 0u]), dot(go.m0[3], out[b.w + 0u])); }
  if (HS4 > 1u) { qs.m1 = mat4x4<f32>(q[b.x + 1u], q[b.y + 1u], q[b.z + 1u], q[b.w + 1u]) * scale; go.m1 = mat4x4<f32>(dout[b.x + 1u], dout[b.y + 1u], dout[b.z + 1u], dout[b.w + 1u]); D += vec4<f32>(dot(go.m1[0], out[b.x + 1u]), dot(go.m1[1], out[b.y + 1u]), dot(go.m1[2], out[b.z + 1u]), dot(go.m1[3], out[b.w + 1u])); }
  if (HS4 > 2u) { qs.m2 = mat4x4<f32>(q[b.x + 2u], q[b.y + 2u], q[b.z + 2u], q[b.w + 2u]) * scale; go.m2 = mat4x4<f32>(dout[b.x + 2u], dout[b.y + 2u], dout[b.z + 2u], dout[b.w + 2u]); D += vec4<f32>(dot(go.m2[0], out[b.x + 2u]), dot(go.m2[1], out[b.y + 2u]), dot(go.m2[2], out[b.z + 2u]), dot(go.m2[3], out[b.w + 2u])); }
  if (HS4 > 3u) { qs.m3 = mat4x4<f32>(q[b.x + 3u], q[b.y + 3u], q[b.z + 3u], q[b.w + 3u]) * scale; go.m3 = mat4x4<f32>(dout[b.x + 3u], dout[b.y + 3u], dout[b.z + 3u], dout[b.w + 3u]); D += vec4<f32>(dot(go.m3[0], out[b.x + 3u]), dot(go.m3[1], out[b.y + 3u]), dot(go.m3[2], out[b.z + 3u]), dot(go.m3[3], out[b.w + 3u])); }
  if (HS4 > 4u) { qs.m4 = mat4x4<f32>(q[b.x + 4u], q[b.y + 4u], q[b.z + 4u], q[b.w + 4u]) * scale; go.m4 = mat4x4<f32>(dout[b.x + 4u], dout[b.y + 4u], dout[b.z + 4u], dout[b.w + 4u]); D += vec4<f32>(dot(go.m4[0], out[b.x + 4u]), dot(go.m4[1], out[b.y + 4u]), dot(go.m4[2], out[b.z + 4u]), dot(go.m4[3], out[b.w + 4u])); }
  if (HS4 > 5u) { qs.m5 = mat4x4<f32>(q[b.x + 5u], q[b.y + 5u], q[b.z + 5u], q[b.w + 5u]) * scale; go.m5 = mat4x4<f32>(dout[b.x + 5u], dout[b.y + 5u], dout[b.z + 5u], dout[b.w + 5u]); D += vec4<f32>(dot(go.m5[0], out[b.x + 5u]), dot(go.m5[1], out[b.y + 5u]), dot(go.m5[2], out[b.z + 5u]), dot(go.m5[3], out[b.w + 5u])); }
  if (HS4 > 6u) { qs.m6 = mat4x4<f32>(q[b.x + 6u], q[b.y + 6u], q[b.z + 6u], q[b.w + 6u]) * scale; go.m6 = mat4x4<f32>(dout[b.x + 6u], dout[b.y + 6u], dout[b.z + 6u], dout[b.w + 6u]); D += vec4<f32>(dot(go.m6[0], out[b.x + 6u]), dot(go.m6[1], out[b.y + 6u]), dot(go.m6[2], out[b.z + 6u]), dot(go.m6[3], out[b.w + 6u])); }
  if (HS4 > 7u) { qs.m7 = mat4x4<f32>(q[b.x + 7u], q[b.y + 7u], q[b.z + 7u], q[b.w + 7u]) * scale; go.m7 = mat4x4<f32>(dout[b.x + 7u], dout[b.y + 7u], dout[b.z + 7u], dout[b.w + 7u]); D += vec4<f32>(dot(go.m7[0], out[b.x + 7u]), dot(go.m7[1], out[b.y + 7u]), dot(go.m7[2], out[b.z + 7u]), dot(go.m7[3], out[b.w + 7u])); }
  if (HS4 > 8u) { qs.m8 = mat4x4<f32>(q[b.x + 8u], q[b.y + 8u], q[b.z + 8u], q[b.w + 8u]) * scale; go.m8 = mat4x4<f32>(dout[b.x + 8u], dout[b.y + 8u], dout[b.z + 8u], dout[b.w + 8u]); D += vec4<f32>(dot(go.m8[0], out[b.x + 8u]), dot(go.m8[1], out[b.y + 8u]), dot(go.m8[2], out[b.z + 8u]), dot(go.m8[3], out[b.w + 8u])); }
  if (HS4 > 9u) { qs.m9 = mat4x4<f32>(q[b.x + 9u], q[b.y + 9u], q[b.z + 9u], q[b.w + 9u]) * scale; go.m9 = mat4x4<f32>(dout[b.x + 9u], dout[b.y + 9u], dout[b.z + 9u], dout[b.w + 9u]); D += vec4<f32>(dot(go.m9[0], out[b.x + 9u]), dot(go.m9[1], out[b.y + 9u]), dot(go.m9[2], out[b.z + 9u]), dot(go.m9[3], out[b.w + 9u])); }
  if (HS4 > 10u) { qs.m10 = mat4x4<f32>(q[b.x + 10u], q[b.y + 10u], q[b.z + 10u], q[b.w + 10u]) * scale; go.m10 = mat4x4<f32>(dout[b.x + 10u], dout[b.y + 10u], dout[b.z + 10u], dout[b.w + 10u]); D += vec4<f32>(dot(go.m10[0], out[b.x + 10u]), dot(go.m10[1], out[b.y + 10u]), dot(go.m10[2], out[b.z + 10u]), dot(go.m10[3], out[b.w + 10u])); }
  if (HS4 > 11u) { qs.m11 = mat4x4<f32>(q[b.x + 11u], q[b.y + 11u], q[b.z + 11u], q[b.w + 11u]) * scale; go.m11 = mat4x4<f32>(dout[b.x + 11u], dout[b.y + 11u], dout[b.z + 11u], dout[b.w + 11u]); D += vec4<f32>(dot(go.m11[0], out[b.x + 11u]), dot(go.m11[1], out[b.y + 11u]), dot(go.m11[2], out[b.z + 11u]), dot(go.m11[3], out[b.w + 11u])); }
  if (HS4 > 12u) { qs.m12 = mat4x4<f32>(q[b.x + 12u], q[b.y + 12u], q[b.z + 12u], q[b.w + 12u]) * scale; go.m12 = mat4x4<f32>(dout[b.x + 12u], dout[b.y + 12u], dout[b.z + 12u], dout[b.w + 12u]); D += vec4<f32>(dot(go.m12[0], out[b.x + 12u]), dot(go.m12[1], out[b.y + 12u]), dot(go.m12[2], out[b.z + 12u]), dot(go.m12[3], out[b.w + 12u])); }
  if (HS4 > 13u) { qs.m13 = mat4x4<f32>(q[b.x + 13u], q[b.y + 13u], q[b.z + 13u], q[b.w + 13u]) * scale; go.m13 = mat4x4<f32>(dout[b.x + 13u], dout[b.y + 13u], dout[b.z + 13u], dout[b.w + 13u]); D += vec4<f32>(dot(go.m13[0], out[b.x + 13u]), dot(go.m13[1], out[b.y + 13u]), dot(go.m13[2], out[b.z + 13u]), dot(go.m13[3], out[b.w + 13u])); }
  if (HS4 > 14u) { qs.m14 = mat4x4<f32>(q[b.x + 14u], q[b.y + 14u], q[b.z + 14u], q[b.w + 14u]) * scale; go.m14 = mat4x4<f32>(dout[b.x + 14u], dout[b.y + 14u], dout[b.z + 14u], dout[b.w + 14u]); D += vec4<f32>(dot(go.m14[0], out[b.x + 14u]), dot(go.m14[1], out[b.y + 14u]), dot(go.m14[2], out[b.z + 14u]), dot(go.m14[3], out[b.w + 14u])); }
  if (HS4 > 15u) { qs.m15 = mat4x4<f32>(q[b.x + 15u], q[b.y + 15u], q[b.z + 15u], q[b.w + 15u]) * scale; go.m15 = mat4x4<f32>(dout[b.x + 15u], dout[b.y + 15u], dout[b.z + 15u], dout[b.w + 15u]); D += vec4<f32>(dot(go.m15[0], out[b.x + 15u]), dot(go.m15[1], out[b.y + 15u]), dot(go.m15[2], out[b.z + 15u]), dot(go.m15[3], out[b.w + 15u])); }
  if (HS4 > 16u) { qs.m16 = mat4x4<f32>(q[b.x + 16u], q[b.y + 16u], q[b.z + 16u], q[b.w + 16u]) * scale; go.m16 = mat4x4<f32>(dout[b.x + 16u], dout[b.y + 16u], dout[b.z + 16u], dout[b.w + 16u]); D += vec4<f32>(dot(go.m16[0], out[b.x + 16u]), dot(go.m16[1], out[b.y + 16u]), dot(go.m16[2], out[b.z + 16u]), dot(go.m16[3], out[b.w + 16u])); }
  if (HS4 > 17u) { qs.m17 = mat4x4<f32>(q[b.x + 17u], q[b.y + 17u], q[b.z + 17u], q[b.w + 17u]) * scale; go.m17 = mat4x4<f32>(dout[b.x + 17u], dout[b.y + 17u], dout[b.z + 17u], dout[b.w + 17u]); D += vec4<f32>(dot(go.m17[0], out[b.x + 17u]), dot(go.m17[1], out[b.y + 17u]), dot(go.m17[2], out[b.z + 17u]), dot(go.m17[3], out[b.w + 17u])); }
  if (HS4 > 18u) { qs.m18 = mat4x4<f32>(q[b.x + 18u], q[b.y + 18u], q[b.z + 18u], q[b.w + 18u]) * scale; go.m18 = mat4x4<f32>(dout[b.x + 18u], dout[b.y + 18u], dout[b.z + 18u], dout[b.w + 18u]); D += vec4<f32>(dot(go.m18[0], out[b.x + 18u]), dot(go.m18[1], out[b.y + 18u]), dot(go.m18[2], out[b.z + 18u]), dot(go.m18[3], out[b.w + 18u])); }
  if (HS4 > 19u) { qs.m19 = mat4x4<f32>(q[b.x + 19u], q[b.y + 19u], q[b.z + 19u], q[b.w + 19u]) * scale; go.m19 = mat4x4<f32>(dout[b.x + 19u], dout[b.y + 19u], dout[b.z + 19u], dout[b.w + 19u]); D += vec4<f32>(dot(go.m19[0], out[b.x + 19u]), dot(go.m19[1], out[b.y + 19u]), dot(go.m19[2], out[b.z + 19u]), dot(go.m19[3], out[b.w + 19u])); }
  if (HS4 > 20u) { qs.m20 = mat4x4<f32>(q[b.x + 20u], q[b.y + 20u], q[b.z + 20u], q[b.w + 20u]) * scale; go.m20 = mat4x4<f32>(dout[b.x + 20u], dout[b.y + 20u], dout[b.z + 20u], dout[b.w + 20u]); D += vec4<f32>(dot(go.m20[0], out[b.x + 20u]), dot(go.m20[1], out[b.y + 20u]), dot(go.m20[2], out[b.z + 20u]), dot(go.m20[3], out[b.w + 20u])); }
  if (HS4 > 21u) { qs.m21 = mat4x4<f32>(q[b.x + 21u], q[b.y + 21u], q[b.z + 21u], q[b.w + 21u]) * scale; go.m21 = mat4x4<f32>(dout[b.x + 21u], dout[b.y + 21u], dout[b.z + 21u], dout[b.w + 21u]); D += vec4<f32>(dot(go.m21[0], out[b.x + 21u]), dot(go.m21[1], out[b.y + 21u]), dot(go.m21[2], out[b.z + 21u]), dot(go.m21[3], out[b.w + 21u])); }
  if (HS4 > 22u) { qs.m22 = mat4x4<f32>(q[b.x + 22u], q[b.y + 22u], q[b.z + 22u], q[b.w + 22u]) * scale; go.m22 = mat4x4<f32>(dout[b.x + 22u], dout[b.y + 22u], dout[b.z + 22u], dout[b.w + 22u]); D += vec4<f32>(dot(go.m22[0], out[b.x + 22u]), dot(go.m22[1], out[b.y + 22u]), dot(go.m22[2], out[b.z + 22u]), dot(go.m22[3], out[b.w + 22u])); }
  if (HS4 > 23u) { qs.m23 = mat4x4<f32>(q[b.x + 23u], q[b.y + 23u], q[b.z + 23u], q[b.w + 23u]) * scale; go.m23 = mat4x4<f32>(dout[b.x + 23u], dout[b.y + 23u], dout[b.z + 23u], dout[b.w + 23u]); D += vec4<f32>(dot(go.m23[0], out[b.x + 23u]), dot(go.m23[1], out[b.y + 23u]), dot(go.m23[2], out[b.z + 23u]), dot(go.m23[3], out[b.w + 23u])); }
  if (HS4 > 24u) { qs.m24 = mat4x4<f32>(q[b.x + 24u], q[b.y + 24u], q[b.z + 24u], q[b.w + 24u]) * scale; go.m24 = mat4x4<f32>(dout[b.x + 24u], dout[b.y + 24u], dout[b.z + 24u], dout[b.w + 24u]); D += vec4<f32>(dot(go.m24[0], out[b.x + 24u]), dot(go.m24[1], out[b.y + 24u]), dot(go.m24[2], out[b.z + 24u]), dot(go.m24[3], out[b.w + 24u])); }
  if (HS4 > 25u) { qs.m25 = mat4x4<f32>(q[b.x + 25u], q[b.y + 25u], q[b.z + 25u], q[b.w + 25u]) * scale; go.m25 = mat4x4<f32>(dout[b.x + 25u], dout[b.y + 25u], dout[b.z + 25u], dout[b.w + 25u]); D += vec4<f32>(dot(go.m25[0], out[b.x + 25u]), dot(go.m25[1], out[b.y + 25u]), dot(go.m25[2], out[b.z + 25u]), dot(go.m25[3], out[b.w + 25u])); }
  if (HS4 > 26u) { qs.m26 = mat4x4<f32>(q[b.x + 26u], q[b.y + 26u], q[b.z + 26u], q[b.w + 26u]) * scale; go.m26 = mat4x4<f32>(dout[b.x + 26u], dout[b.y + 26u], dout[b.z + 26u], dout[b.w + 26u]); D += vec4<f32>(dot(go.m26[0], out[b.x + 26u]), dot(go.m26[1], out[b.y + 26u]), dot(go.m26[2], out[b.z + 26u]), dot(go.m26[3], out[b.w + 26u])); }
  if (HS4 > 27u) { qs.m27 = mat4x4<f32>(q[b.x + 27u], q[b.y + 27u], q[b.z + 27u], q[b.w + 27u]) * scale; go.m27 = mat4x4<f32>(dout[b.x + 27u], dout[b.y + 27u], dout[b.z + 27u], dout[b.w + 27u]); D += vec4<f32>(dot(go.m27[0], out[b.x + 27u]), dot(go.m27[1], out[b.y + 27u]), dot(go.m27[2], out[b.z + 27u]), dot(go.m27[3], out[b.w + 27u])); }
  if (HS4 > 28u) { qs.m28 = mat4x4<f32>(q[b.x + 28u], q[b.y + 28u], q[b.z + 28u], q[b.w + 28u]) * scale; go.m28 = mat4x4<f32>(dout[b.x + 28u], dout[b.y + 28u], dout[b.z + 28u], dout[b.w + 28u]); D += vec4<f32>(dot(go.m28[0], out[b.x + 28u]), dot(go.m28[1], out[b.y + 28u]), dot(go.m28[2], out[b.z + 28u]), dot(go.m28[3], out[b.w + 28u])); }
  if (HS4 > 29u) { qs.m29 = mat4x4<f32>(q[b.x + 29u], q[b.y + 29u], q[b.z + 29u], q[b.w + 29u]) * scale; go.m29 = mat4x4<f32>(dout[b.x + 29u], dout[b.y + 29u], dout[b.z + 29u], dout[b.w + 29u]); D += vec4<f32>(dot(go.m29[0], out[b.x + 29u]), dot(go.m29[1], out[b.y + 29u]), dot(go.m29[2], out[b.z + 29u]), dot(go.m29[3], out[b.w + 29u])); }
  if (HS4 > 30u) { qs.m30 = mat4x4<f32>(q[b.x + 30u], q[b.y + 30u], q[b.z + 30u], q[b.w + 30u]) * scale; go.m30 = mat4x4<f32>(dout[b.x + 30u], dout[b.y + 30u], dout[b.z + 30u], dout[b.w + 30u]); D += vec4<f32>(dot(go.m30[0], out[b.x + 30u]), dot(go.m30[1], out[b.y + 30u]), dot(go.m30[2], out[b.z + 30u]), dot(go.m30[3], out[b.w + 30u])); }
  if (HS4 > 31u) { qs.m31 = mat4x4<f32>(q[b.x + 31u], q[b.y + 31u], q[b.z + 31u], q[b.w + 31u]) * scale; go.m31 = mat4x4<f32>(dout[b.x + 31u], dout[b.y + 31u], dout[b.z + 31u], dout[b.w + 31u]); D += vec4<f32>(dot(go.m31[0], out[b.x + 31u]), dot(go.m31[1], out[b.y + 31u]), dot(go.m31[2], out[b.z + 31u]), dot(go.m31[3], out[b.w + 31u])); }
  return D;
}

// The four rows' scale q . k with key row kb.
fn scores(kb: u32) -> vec4<f32> {
  var s = vec4<f32>(0.0);
  if (HS4 > 0u) { s += k[kb + 0u] * qs.m0; }
  if (HS4 > 1u) { s += k[kb + 1u] * qs.m1; }
  if (HS4 > 2u) { s += k[kb + 2u] * qs.m2; }
  if (HS4 > 3u) { s += k[kb + 3u] * qs.m3; }
  if (HS4 > 4u) { s += k[kb + 4u] * qs.m4; }
  if (HS4 > 5u) { s += k[kb + 5u] * qs.m5; }
  if (HS4 > 6u) { s += k[kb + 6u] * qs.m6; }
  if (HS4 > 7u) { s += k[kb + 7u] * qs.m7; }
  if (HS4 > 8u) { s += k[kb + 8u] * qs.m8; }
  if (HS4 > 9u) { s += k[kb + 9u] * qs.m9; }
  if (HS4 > 10u) { s += k[kb + 10u] * qs.m10; }
  if (HS4 > 11u) { s += k[kb + 11u] * qs.m11; }
  if (HS4 > 12u) { s += k[kb + 12u] * qs.m12; }
  if (HS4 > 13u) { s += k[kb + 13u] * qs.m13; }
  if (HS4 > 14u) { s += k[kb + 14u] * qs.m14; }
  if (HS4 > 15u) { s += k[kb + 15u] * qs.m15; }
  if (HS4 > 16u) { s += k[kb + 16u] * qs.m16; }
  if (HS4 > 17u) { s += k[kb + 17u] * qs.m17; }
  if (HS4 > 18u) { s += k[kb + 18u] * qs.m18; }
  if (HS4 > 19u) { s += k[kb + 19u] * qs.m19; }
  if (HS4 > 20u) { s += k[kb + 20u] * qs.m20; }
  if (HS4 > 21u) { s += k[kb + 21u] * qs.m21; }
  if (HS4 > 22u) { s += k[kb + 22u] * qs.m22; }
  if (HS4 > 23u) { s += k[kb + 23u] * qs.m23; }
  if (HS4 > 24u) { s += k[kb + 24u] * qs.m24; }
  if (HS4 > 25u) { s += k[kb + 25u] * qs.m25; }
  if (HS4 > 26u) { s += k[kb + 26u] * qs.m26; }
  if (HS4 > 27u) { s += k[kb + 27u] * qs.m27; }
  if (HS4 > 28u) { s += k[kb + 28u] * qs.m28; }
  if (HS4 > 29u) { s += k[kb + 29u] * qs.m29; }
  if (HS4 > 30u) { s += k[kb + 30u] * qs.m30; }
  if (HS4 > 31u) { s += k[kb + 31u] * qs.m31; }
  return s;
}

// The four rows' dout . v with key row vb.
fn dscores(vb: u32) -> vec4<f32> {
  var s = vec4<f32>(0.0);
  if (HS4 > 0u) { s += v[vb + 0u] * go.m0; }
  if (HS4 > 1u) { s += v[vb + 1u] * go.m1; }
  if (HS4 > 2u) { s += v[vb + 2u] * go.m2; }
  if (HS4 > 3u) { s += v[vb + 3u] * go.m3; }
  if (HS4 > 4u) { s += v[vb + 4u] * go.m4; }
  if (HS4 > 5u) { s += v[vb + 5u] * go.m5; }
  if (HS4 > 6u) { s += v[vb + 6u] * go.m6; }
  if (HS4 > 7u) { s += v[vb + 7u] * go.m7; }
  if (HS4 > 8u) { s += v[vb + 8u] * go.m8; }
  if (HS4 > 9u) { s += v[vb + 9u] * go.m9; }
  if (HS4 > 10u) { s += v[vb + 10u] * go.m10; }
  if (HS4 > 11u) { s += v[vb + 11u] * go.m11; }
  if (HS4 > 12u) { s += v[vb + 12u] * go.m12; }
  if (HS4 > 13u) { s += v[vb + 13u] * go.m13; }
  if (HS4 > 14u) { s += v[vb + 14u] * go.m14; }
  if (HS4 > 15u) { s += v[vb + 15u] * go.m15; }
  if (HS4 > 16u) { s += v[vb + 16u] * go.m16; }
  if (HS4 > 17u) { s += v[vb + 17u] * go.m17; }
  if (HS4 > 18u) { s += v[vb + 18u] * go.m18; }
  if (HS4 > 19u) { s += v[vb + 19u] * go.m19; }
  if (HS4 > 20u) { s += v[vb + 20u] * go.m20; }
  if (HS4 > 21u) { s += v[vb + 21u] * go.m21; }
  if (HS4 > 22u) { s += v[vb + 22u] * go.m22; }
  if (HS4 > 23u) { s += v[vb + 23u] * go.m23; }
  if (HS4 > 24u) { s += v[vb + 24u] * go.m24; }
  if (HS4 > 25u) { s += v[vb + 25u] * go.m25; }
  if (HS4 > 26u) { s += v[vb + 26u] * go.m26; }
  if (HS4 > 27u) { s += v[vb + 27u] * go.m27; }
  if (HS4 > 28u) { s += v[vb + 28u] * go.m28; }
  if (HS4 > 29u) { s += v[vb + 29u] * go.m29; }
  if (HS4 > 30u) { s += v[vb + 30u] * go.m30; }
  if (HS4 > 31u) { s += v[vb + 31u] * go.m31; }
  return s;
}

// acc += k_row (x) p: column r gets p[r] times key row kb.
fn add_dsk(kb: u32, p: vec4<f32>) {
  if (HS4 > 0u) { let x = k[kb + 0u]; acc.m0 += mat4x4<f32>(x * p.x, x * p.y, x * p.z, x * p.w); }
  if (HS4 > 1u) { let x = k[kb + 1u]; acc.m1 += mat4x4<f32>(x * p.x, x * p.y, x * p.z, x * p.w); }
  if (HS4 > 2u) { let x = k[kb + 2u]; acc.m2 += mat4x4<f32>(x * p.x, x * p.y, x * p.z, x * p.w); }
  if (HS4 > 3u) { let x = k[kb + 3u]; acc.m3 += mat4x4<f32>(x * p.x, x * p.y, x * p.z, x * p.w); }
  if (HS4 > 4u) { let x = k[kb + 4u]; acc.m4 += mat4x4<f32>(x * p.x, x * p.y, x * p.z, x * p.w); }
  if (HS4 > 5u) { let x = k[kb + 5u]; acc.m5 += mat4x4<f32>(x * p.x, x * p.y, x * p.z, x * p.w); }
  if (HS4 > 6u) { let x = k[kb + 6u]; acc.m6 += mat4x4<f32>(x * p.x, x * p.y, x * p.z, x * p.w); }
  if (HS4 > 7u) { let x = k[kb + 7u]; acc.m7 += mat4x4<f32>(x * p.x, x * p.y, x * p.z, x * p.w); }
  if (HS4 > 8u) { let x = k[kb + 8u]; acc.m8 += mat4x4<f32>(x * p.x, x * p.y, x * p.z, x * p.w); }
  if (HS4 > 9u) { let x = k[kb + 9u]; acc.m9 += mat4x4<f32>(x * p.x, x * p.y, x * p.z, x * p.w); }
  if (HS4 > 10u) { let x = k[kb + 10u]; acc.m10 += mat4x4<f32>(x * p.x, x * p.y, x * p.z, x * p.w); }
  if (HS4 > 11u) { let x = k[kb + 11u]; acc.m11 += mat4x4<f32>(x * p.x, x * p.y, x * p.z, x * p.w); }
  if (HS4 > 12u) { let x = k[kb + 12u]; acc.m12 += mat4x4<f32>(x * p.x, x * p.y, x * p.z, x * p.w); }
  if (HS4 > 13u) { let x = k[kb + 13u]; acc.m13 += mat4x4<f32>(x * p.x, x * p.y, x * p.z, x * p.w); }
  if (HS4 > 14u) { let x = k[kb + 14u]; acc.m14 += mat4x4<f32>(x * p.x, x * p.y, x * p.z, x * p.w); }
  if (HS4 > 15u) { let x = k[kb + 15u]; acc.m15 += mat4x4<f32>(x * p.x, x * p.y, x * p.z, x * p.w); }
  if (HS4 > 16u) { let x = k[kb + 16u]; acc.m16 += mat4x4<f32>(x * p.x, x * p.y, x * p.z, x * p.w); }
  if (HS4 > 17u) { let x = k[kb + 17u]; acc.m17 += mat4x4<f32>(x * p.x, x * p.y, x * p.z, x * p.w); }
  if (HS4 > 18u) { let x = k[kb + 18u]; acc.m18 += mat4x4<f32>(x * p.x, x * p.y, x * p.z, x * p.w); }
  if (HS4 > 19u) { let x = k[kb + 19u]; acc.m19 += mat4x4<f32>(x * p.x, x * p.y, x * p.z, x * p.w); }
  if (HS4 > 20u) { let x = k[kb + 20u]; acc.m20 += mat4x4<f32>(x * p.x, x * p.y, x * p.z, x * p.w); }
  if (HS4 > 21u) { let x = k[kb + 21u]; acc.m21 += mat4x4<f32>(x * p.x, x * p.y, x * p.z, x * p.w); }
  if (HS4 > 22u) { let x = k[kb + 22u]; acc.m22 += mat4x4<f32>(x * p.x, x * p.y, x * p.z, x * p.w); }
  if (HS4 > 23u) { let x = k[kb + 23u]; acc.m23 += mat4x4<f32>(x * p.x, x * p.y, x * p.z, x * p.w); }
  if (HS4 > 24u) { let x = k[kb + 24u]; acc.m24 += mat4x4<f32>(x * p.x, x * p.y, x * p.z, x * p.w); }
  if (HS4 > 25u) { let x = k[kb + 25u]; acc.m25 += mat4x4<f32>(x * p.x, x * p.y, x * p.z, x * p.w); }
  if (HS4 > 26u) { let x = k[kb + 26u]; acc.m26 += mat4x4<f32>(x * p.x, x * p.y, x * p.z, x * p.w); }
  if (HS4 > 27u) { let x = k[kb + 27u]; acc.m27 += mat4x4<f32>(x * p.x, x * p.y, x * p.z, x * p.w); }
  if (HS4 > 28u) { let x = k[kb + 28u]; acc.m28 += mat4x4<f32>(x * p.x, x * p.y, x * p.z, x * p.w); }
  if (HS4 > 29u) { let x = k[kb + 29u]; acc.m29 += mat4x4<f32>(x * p.x, x * p.y, x * p.z, x * p.w); }
  if (HS4 > 30u) { let x = k[kb + 30u]; acc.m30 += mat4x4<f32>(x * p.x, x * p.y, x * p.z, x * p.w); }
  if (HS4 > 31u) { let x = k[kb + 31u]; acc.m31 += mat4x4<f32>(x * p.x, x * p.y, x * p.z, x * p.w); }
}

fn store_row(b: u32, r: u32, scale: f32) {
  if (HS4 > 0u) { dq[b + 0u] = acc.m0[r] * scale; }
  if (HS4 > 1u) { dq[b + 1u] = acc.m1[r] * scale; }
  if (HS4 > 2u) { dq[b + 2u] = acc.m2[r] * scale; }
  if (HS4 > 3u) { dq[b + 3u] = acc.m3[r] * scale; }
  if (HS4 > 4u) { dq[b + 4u] = acc.m4[r] * scale; }
  if (HS4 > 5u) { dq[b + 5u] = acc.m5[r] * scale; }
  if (HS4 > 6u) { dq[b + 6u] = acc.m6[r] * scale; }
  if (HS4 > 7u) { dq[b + 7u] = acc.m7[r] * scale; }
  if (HS4 > 8u) { dq[b + 8u] = acc.m8[r] * scale; }
  if (HS4 > 9u) { dq[b + 9u] = acc.m9[r] * scale; }
  if (HS4 > 10u) { dq[b + 10u] = acc.m10[r] * scale; }
  if (HS4 > 11u) { dq[b + 11u] = acc.m11[r] * scale; }
  if (HS4 > 12u) { dq[b + 12u] = acc.m12[r] * scale; }
  if (HS4 > 13u) { dq[b + 13u] = acc.m13[r] * scale; }
  if (HS4 > 14u) { dq[b + 14u] = acc.m14[r] * scale; }
  if (HS4 > 15u) { dq[b + 15u] = acc.m15[r] * scale; }
  if (HS4 > 16u) { dq[b + 16u] = acc.m16[r] * scale; }
  if (HS4 > 17u) { dq[b + 17u] = acc.m17[r] * scale; }
  if (HS4 > 18u) { dq[b + 18u] = acc.m18[r] * scale; }
  if (HS4 > 19u) { dq[b + 19u] = acc.m19[r] * scale; }
  if (HS4 > 20u) { dq[b + 20u] = acc.m20[r] * scale; }
  if (HS4 > 21u) { dq[b + 21u] = acc.m21[r] * scale; }
  if (HS4 > 22u) { dq[b + 22u] = acc.m22[r] * scale; }
  if (HS4 > 23u) { dq[b + 23u] = acc.m23[r] * scale; }
  if (HS4 > 24u) { dq[b + 24u] = acc.m24[r] * scale; }
  if (HS4 > 25u) { dq[b + 25u] = acc.m25[r] * scale; }
  if (HS4 > 26u) { dq[b + 26u] = acc.m26[r] * scale; }
  if (HS4 > 27u) { dq[b + 27u] = acc.m27[r] * scale; }
  if (HS4 > 28u) { dq[b + 28u] = acc.m28[r] * scale; }
  if (HS4 > 29u) { dq[b + 29u] = acc.m29[r] * scale; }
  if (HS4 > 30u) { dq[b + 30u] = acc.m30[r] * scale; }
  if (HS4 > 31u) { dq[b + 31u] = acc.m31[r] * scale; }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let T = params.T;
  let i0 = gid.x * 4u;
  let h = gid.y;
  if (i0 >= T) {
    return;
  }
  let NH = params.NH;
  let NKV = params.NKV;
  let g = h / (NH / NKV);
  let rows = vec4<u32>(i0) + vec4<u32>(0u, 1u, 2u, 3u);
  let rc = min(rows, vec4<u32>(T - 1u));
  let st = vec4<u32>(starts[rc.x], starts[rc.y], starts[rc.z], starts[rc.w]);
  let D = load_rows((rc * NH + h) * HS4, params.scale);
  let lr = rc * NH + h;
  let L = vec4<f32>(lse[lr.x], lse[lr.y], lse[lr.z], lse[lr.w]);
  acc = Blk();
  let jend = rc.w;
  for (var j = st.x; j <= jend; j++) {
    let kr = (j * NKV + g) * HS4;
    let ok = (st <= vec4<u32>(j)) & (vec4<u32>(j) <= rc);
    let ds = select(vec4<f32>(0.0), exp(scores(kr) - L) * (dscores(kr) - D), ok);
    add_dsk(kr, ds);
  }
  let ob = (rows * NH + h) * HS4;
  store_row(ob.x, 0u, params.scale);
  delta[lr.x] = D.x;
  if (rows.y < T) {
    store_row(ob.y, 1u, params.scale);
    delta[lr.y] = D.y;
  }
  if (rows.z < T) {
    store_row(ob.z, 2u, params.scale);
    delta[lr.z] = D.z;
  }
  if (rows.w < T) {
    store_row(ob.w, 3u, params.scale);
    delta[lr.w] = D.w;
  }
}
