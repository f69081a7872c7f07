// Causal attention backward, part 2 of 2 (flash-attention-2): dK and dV, per key row and kv head,
// summed over the NH / NKV query heads that share the kv head (GQA) inside the kernel, so no
// atomics and no second pass are needed. Run after attention_backward_dq.wgsl (it writes delta).
//   dv_j = sum_{h in group} sum_i P[i, j] dout_i
//   dk_j = sum_{h in group} sum_i dS[i, j] * scale * q_i,  dS = P * (dout_i . v_j - D_i)
// over queries i >= j of the same packed sequence (starts[i] <= j; starts is non-decreasing).
//   q, k, v, starts, lse, dout as attention_backward_dq.wgsl; delta (T, NH) from it
//   dk (T, NKV, HS) f32  =
//   dv (T, NKV, HS) f32  =
// Dispatch: (ceil(T / (4 WG)), NKV); one invocation per block of 4 consecutive key rows of one kv
// head, holding their k, v, dk and dv. It walks queries from the first key, 4 at a time, until the
// packed sequence of the last key ends; for each query head of the group, 4 x 4 tiles of scores
// and dout . v in one pass over the head, then dk += Q^T dS^T and dv += dOut^T P^T as mat4x4
// products. Masked per (query, key) by select: keys after the query, keys before its
// starts, keys or queries past T (clamped rows redo row T - 1). Heads over 64 (HS4 > 16) walk one
// query row per step instead: at HS 128 the 4 x 4 tiles compiled for 2 minutes and ran slower.
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
@group(0) @binding(4) var<storage, read> lse: array<f32>;
@group(0) @binding(5) var<storage, read> dout: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> delta: array<f32>;
@group(0) @binding(7) var<storage, read_write> dk: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> dv: array<vec4<f32>>;
@group(0) @binding(9) var<uniform> params: Params;

var<private> ks: Blk; // scale * k of the four key rows
var<private> vs: Blk; // v of the four key rows
var<private> dks: Blk; // sum dS q
var<private> dvs: Blk; // sum P dout

fn load_rows(b: vec4<u32>, scale: f32) {
  if (HS4 > 0u) { ks.m0 = mat4x4<f32>(k[b.x + 0u], k[b.y + 0u], k[b.z + 0u], k[b.w + 0u]) * scale; vs.m0 = mat4x4<f32>(v[b.x + 0u], v[b.y + 0u], v[b.z + 0u], v[b.w + 0u]); }
  if (HS4 > 1u) { ks.m1 = mat4x4<f32>(k[b.x + 1u], k[b.y + 1u], k[b.z + 1u], k[b.w + 1u]) * scale; vs.m1 = mat4x4<f32>(v[b.x + 1u], v[b.y + 1u], v[b.z + 1u], v[b.w + 1u]); }
  if (HS4 > 2u) { ks.m2 = mat4x4<f32>(k[b.x + 2u], k[b.y + 2u], k[b.z + 2u], k[b.w + 2u]) * scale; vs.m2 = mat4x4<f32>(v[b.x + 2u], v[b.y + 2u], v[b.z + 2u], v[b.w + 2u]); }
  if (HS4 > 3u) { ks.m3 = mat4x4<f32>(k[b.x + 3u], k[b.y + 3u], k[b.z + 3u], k[b.w + 3u]) * scale; vs.m3 = mat4x4<f32>(v[b.x + 3u], v[b.y + 3u], v[b.z + 3u], v[b.w + 3u]); }
  if (HS4 > 4u) { ks.m4 = mat4x4<f32>(k[b.x + 4u], k[b.y + 4u], k[b.z + 4u], k[b.w + 4u]) * scale; vs.m4 = mat4x4<f32>(v[b.x + 4u], v[b.y + 4u], v[b.z + 4u], v[b.w + 4u]); }
  if (HS4 > 5u) { ks.m5 = mat4x4<f32>(k[b.x + 5u], k[b.y + 5u], k[b.z + 5u], k[b.w + 5u]) * scale; vs.m5 = mat4x4<f32>(v[b.x + 5u], v[b.y + 5u], v[b.z + 5u], v[b.w + 5u]); }
  if (HS4 > 6u) { ks.m6 = mat4x4<f32>(k[b.x + 6u], k[b.y + 6u], k[b.z + 6u], k[b.w + 6u]) * scale; vs.m6 = mat4x4<f32>(v[b.x + 6u], v[b.y + 6u], v[b.z + 6u], v[b.w + 6u]); }
  if (HS4 > 7u) { ks.m7 = mat4x4<f32>(k[b.x + 7u], k[b.y + 7u], k[b.z + 7u], k[b.w + 7u]) * scale; vs.m7 = mat4x4<f32>(v[b.x + 7u], v[b.y + 7u], v[b.z + 7u], v[b.w + 7u]); }
  if (HS4 > 8u) { ks.m8 = mat4x4<f32>(k[b.x + 8u], k[b.y + 8u], k[b.z + 8u], k[b.w + 8u]) * scale; vs.m8 = mat4x4<f32>(v[b.x + 8u], v[b.y + 8u], v[b.z + 8u], v[b.w + 8u]); }
  if (HS4 > 9u) { ks.m9 = mat4x4<f32>(k[b.x + 9u], k[b.y + 9u], k[b.z + 9u], k[b.w + 9u]) * scale; vs.m9 = mat4x4<f32>(v[b.x + 9u], v[b.y + 9u], v[b.z + 9u], v[b.w + 9u]); }
  if (HS4 > 10u) { ks.m10 = mat4x4<f32>(k[b.x + 10u], k[b.y + 10u], k[b.z + 10u], k[b.w + 10u]) * scale; vs.m10 = mat4x4<f32>(v[b.x + 10u], v[b.y + 10u], v[b.z + 10u], v[b.w + 10u]); }
  if (HS4 > 11u) { ks.m11 = mat4x4<f32>(k[b.x + 11u], k[b.y + 11u], k[b.z + 11u], k[b.w + 11u]) * scale; vs.m11 = mat4x4<f32>(v[b.x + 11u], v[b.y + 11u], v[b.z + 11u], v[b.w + 11u]); }
  if (HS4 > 12u) { ks.m12 = mat4x4<f32>(k[b.x + 12u], k[b.y + 12u], k[b.z + 12u], k[b.w + 12u]) * scale; vs.m12 = mat4x4<f32>(v[b.x + 12u], v[b.y + 12u], v[b.z + 12u], v[b.w + 12u]); }
  if (HS4 > 13u) { ks.m13 = mat4x4<f32>(k[b.x + 13u], k[b.y + 13u], k[b.z + 13u], k[b.w + 13u]) * scale; vs.m13 = mat4x4<f32>(v[b.x + 13u], v[b.y + 13u], v[b.z + 13u], v[b.w + 13u]); }
  if (HS4 > 14u) { ks.m14 = mat4x4<f32>(k[b.x + 14u], k[b.y + 14u], k[b.z + 14u], k[b.w + 14u]) * scale; vs.m14 = mat4x4<f32>(v[b.x + 14u], v[b.y + 14u], v[b.z + 14u], v[b.w + 14u]); }
  if (HS4 > 15u) { ks.m15 = mat4x4<f32>(k[b.x + 15u], k[b.y + 15u], k[b.z + 15u], k[b.w + 15u]) * scale; vs.m15 = mat4x4<f32>(v[b.x + 15u], v[b.y + 15u], v[b.z + 15u], v[b.w + 15u]); }
  if (HS4 > 16u) { ks.m16 = mat4x4<f32>(k[b.x + 16u], k[b.y + 16u], k[b.z + 16u], k[b.w + 16u]) * scale; vs.m16 = mat4x4<f32>(v[b.x + 16u], v[b.y + 16u], v[b.z + 16u], v[b.w + 16u]); }
  if (HS4 > 17u) { ks.m17 = mat4x4<f32>(k[b.x + 17u], k[b.y + 17u], k[b.z + 17u], k[b.w + 17u]) * scale; vs.m17 = mat4x4<f32>(v[b.x + 17u], v[b.y + 17u], v[b.z + 17u], v[b.w + 17u]); }
  if (HS4 > 18u) { ks.m18 = mat4x4<f32>(k[b.x + 18u], k[b.y + 18u], k[b.z + 18u], k[b.w + 18u]) * scale; vs.m18 = mat4x4<f32>(v[b.x + 18u], v[b.y + 18u], v[b.z + 18u], v[b.w + 18u]); }
  if (HS4 > 19u) { ks.m19 = mat4x4<f32>(k[b.x + 19u], k[b.y + 19u], k[b.z + 19u], k[b.w + 19u]) * scale; vs.m19 = mat4x4<f32>(v[b.x + 19u], v[b.y + 19u], v[b.z + 19u], v[b.w + 19u]); }
  if (HS4 > 20u) { ks.m20 = mat4x4<f32>(k[b.x + 20u], k[b.y + 20u], k[b.z + 20u], k[b.w + 20u]) * scale; vs.m20 = mat4x4<f32>(v[b.x + 20u], v[b.y + 20u], v[b.z + 20u], v[b.w + 20u]); }
  if (HS4 > 21u) { ks.m21 = mat4x4<f32>(k[b.x + 21u], k[b.y + 21u], k[b.z + 21u], k[b.w + 21u]) * scale; vs.m21 = mat4x4<f32>(v[b.x + 21u], v[b.y + 21u], v[b.z + 21u], v[b.w + 21u]); }
  if (HS4 > 22u) { ks.m22 = mat4x4<f32>(k[b.x + 22u], k[b.y + 22u], k[b.z + 22u], k[b.w + 22u]) * scale; vs.m22 = mat4x4<f32>(v[b.x + 22u], v[b.y + 22u], v[b.z + 22u], v[b.w + 22u]); }
  if (HS4 > 23u) { ks.m23 = mat4x4<f32>(k[b.x + 23u], k[b.y + 23u], k[b.z + 23u], k[b.w + 23u]) * scale; vs.m23 = mat4x4<f32>(v[b.x + 23u], v[b.y + 23u], v[b.z + 23u], v[b.w + 23u]); }
  if (HS4 > 24u) { ks.m24 = mat4x4<f32>(k[b.x + 24u], k[b.y + 24u], k[b.z + 24u], k[b.w + 24u]) * scale; vs.m24 = mat4x4<f32>(v[b.x + 24u], v[b.y + 24u], v[b.z + 24u], v[b.w + 24u]); }
  if (HS4 > 25u) { ks.m25 = mat4x4<f32>(k[b.x + 25u], k[b.y + 25u], k[b.z + 25u], k[b.w + 25u]) * scale; vs.m25 = mat4x4<f32>(v[b.x + 25u], v[b.y + 25u], v[b.z + 25u], v[b.w + 25u]); }
  if (HS4 > 26u) { ks.m26 = mat4x4<f32>(k[b.x + 26u], k[b.y + 26u], k[b.z + 26u], k[b.w + 26u]) * scale; vs.m26 = mat4x4<f32>(v[b.x + 26u], v[b.y + 26u], v[b.z + 26u], v[b.w + 26u]); }
  if (HS4 > 27u) { ks.m27 = mat4x4<f32>(k[b.x + 27u], k[b.y + 27u], k[b.z + 27u], k[b.w + 27u]) * scale; vs.m27 = mat4x4<f32>(v[b.x + 27u], v[b.y + 27u], v[b.z + 27u], v[b.w + 27u]); }
  if (HS4 > 28u) { ks.m28 = mat4x4<f32>(k[b.x + 28u], k[b.y + 28u], k[b.z + 28u], k[b.w + 28u]) * scale; vs.m28 = mat4x4<f32>(v[b.x + 28u], v[b.y + 28u], v[b.z + 28u], v[b.w + 28u]); }
  if (HS4 > 29u) { ks.m29 = mat4x4<f32>(k[b.x + 29u], k[b.y + 29u], k[b.z + 29u], k[b.w + 29u]) * scale; vs.m29 = mat4x4<f32>(v[b.x + 29u], v[b.y + 29u], v[b.z + 29u], v[b.w + 29u]); }
  if (HS4 > 30u) { ks.m30 = mat4x4<f32>(k[b.x + 30u], k[b.y + 30u], k[b.z + 30u], k[b.w + 30u]) * scale; vs.m30 = mat4x4<f32>(v[b.x + 30u], v[b.y + 30u], v[b.z + 30u], v[b.w + 30u]); }
  if (HS4 > 31u) { ks.m31 = mat4x4<f32>(k[b.x + 31u], k[b.y + 31u], k[b.z + 31u], k[b.w + 31u]) * scale; vs.m31 = mat4x4<f32>(v[b.x + 31u], v[b.y + 31u], v[b.z + 31u], v[b.w + 31u]); }
}

// Column c: the four keys' scores with query row b[c].
fn scores4(b: vec4<u32>) -> mat4x4<f32> {
  var s0 = vec4<f32>(0.0);
  var s1 = vec4<f32>(0.0);
  var s2 = vec4<f32>(0.0);
  var s3 = vec4<f32>(0.0);
  if (HS4 > 0u) { let m = ks.m0; s0 += q[b.x + 0u] * m; s1 += q[b.y + 0u] * m; s2 += q[b.z + 0u] * m; s3 += q[b.w + 0u] * m; }
  if (HS4 > 1u) { let m = ks.m1; s0 += q[b.x + 1u] * m; s1 += q[b.y + 1u] * m; s2 += q[b.z + 1u] * m; s3 += q[b.w + 1u] * m; }
  if (HS4 > 2u) { let m = ks.m2; s0 += q[b.x + 2u] * m; s1 += q[b.y + 2u] * m; s2 += q[b.z + 2u] * m; s3 += q[b.w + 2u] * m; }
  if (HS4 > 3u) { let m = ks.m3; s0 += q[b.x + 3u] * m; s1 += q[b.y + 3u] * m; s2 += q[b.z + 3u] * m; s3 += q[b.w + 3u] * m; }
  if (HS4 > 4u) { let m = ks.m4; s0 += q[b.x + 4u] * m; s1 += q[b.y + 4u] * m; s2 += q[b.z + 4u] * m; s3 += q[b.w + 4u] * m; }
  if (HS4 > 5u) { let m = ks.m5; s0 += q[b.x + 5u] * m; s1 += q[b.y + 5u] * m; s2 += q[b.z + 5u] * m; s3 += q[b.w + 5u] * m; }
  if (HS4 > 6u) { let m = ks.m6; s0 += q[b.x + 6u] * m; s1 += q[b.y + 6u] * m; s2 += q[b.z + 6u] * m; s3 += q[b.w + 6u] * m; }
  if (HS4 > 7u) { let m = ks.m7; s0 += q[b.x + 7u] * m; s1 += q[b.y + 7u] * m; s2 += q[b.z + 7u] * m; s3 += q[b.w + 7u] * m; }
  if (HS4 > 8u) { let m = ks.m8; s0 += q[b.x + 8u] * m; s1 += q[b.y + 8u] * m; s2 += q[b.z + 8u] * m; s3 += q[b.w + 8u] * m; }
  if (HS4 > 9u) { let m = ks.m9; s0 += q[b.x + 9u] * m; s1 += q[b.y + 9u] * m; s2 += q[b.z + 9u] * m; s3 += q[b.w + 9u] * m; }
  if (HS4 > 10u) { let m = ks.m10; s0 += q[b.x + 10u] * m; s1 += q[b.y + 10u] * m; s2 += q[b.z + 10u] * m; s3 += q[b.w + 10u] * m; }
  if (HS4 > 11u) { let m = ks.m11; s0 += q[b.x + 11u] * m; s1 += q[b.y + 11u] * m; s2 += q[b.z + 11u] * m; s3 += q[b.w + 11u] * m; }
  if (HS4 > 12u) { let m = ks.m12; s0 += q[b.x + 12u] * m; s1 += q[b.y + 12u] * m; s2 += q[b.z + 12u] * m; s3 += q[b.w + 12u] * m; }
  if (HS4 > 13u) { let m = ks.m13; s0 += q[b.x + 13u] * m; s1 += q[b.y + 13u] * m; s2 += q[b.z + 13u] * m; s3 += q[b.w + 13u] * m; }
  if (HS4 > 14u) { let m = ks.m14; s0 += q[b.x + 14u] * m; s1 += q[b.y + 14u] * m; s2 += q[b.z + 14u] * m; s3 += q[b.w + 14u] * m; }
  if (HS4 > 15u) { let m = ks.m15; s0 += q[b.x + 15u] * m; s1 += q[b.y + 15u] * m; s2 += q[b.z + 15u] * m; s3 += q[b.w + 15u] * m; }
  if (HS4 > 16u) { let m = ks.m16; s0 += q[b.x + 16u] * m; s1 += q[b.y + 16u] * m; s2 += q[b.z + 16u] * m; s3 += q[b.w + 16u] * m; }
  if (HS4 > 17u) { let m = ks.m17; s0 += q[b.x + 17u] * m; s1 += q[b.y + 17u] * m; s2 += q[b.z + 17u] * m; s3 += q[b.w + 17u] * m; }
  if (HS4 > 18u) { let m = ks.m18; s0 += q[b.x + 18u] * m; s1 += q[b.y + 18u] * m; s2 += q[b.z + 18u] * m; s3 += q[b.w + 18u] * m; }
  if (HS4 > 19u) { let m = ks.m19; s0 += q[b.x + 19u] * m; s1 += q[b.y + 19u] * m; s2 += q[b.z + 19u] * m; s3 += q[b.w + 19u] * m; }
  if (HS4 > 20u) { let m = ks.m20; s0 += q[b.x + 20u] * m; s1 += q[b.y + 20u] * m; s2 += q[b.z + 20u] * m; s3 += q[b.w + 20u] * m; }
  if (HS4 > 21u) { let m = ks.m21; s0 += q[b.x + 21u] * m; s1 += q[b.y + 21u] * m; s2 += q[b.z + 21u] * m; s3 += q[b.w + 21u] * m; }
  if (HS4 > 22u) { let m = ks.m22; s0 += q[b.x + 22u] * m; s1 += q[b.y + 22u] * m; s2 += q[b.z + 22u] * m; s3 += q[b.w + 22u] * m; }
  if (HS4 > 23u) { let m = ks.m23; s0 += q[b.x + 23u] * m; s1 += q[b.y + 23u] * m; s2 += q[b.z + 23u] * m; s3 += q[b.w + 23u] * m; }
  if (HS4 > 24u) { let m = ks.m24; s0 += q[b.x + 24u] * m; s1 += q[b.y + 24u] * m; s2 += q[b.z + 24u] * m; s3 += q[b.w + 24u] * m; }
  if (HS4 > 25u) { let m = ks.m25; s0 += q[b.x + 25u] * m; s1 += q[b.y + 25u] * m; s2 += q[b.z + 25u] * m; s3 += q[b.w + 25u] * m; }
  if (HS4 > 26u) { let m = ks.m26; s0 += q[b.x + 26u] * m; s1 += q[b.y + 26u] * m; s2 += q[b.z + 26u] * m; s3 += q[b.w + 26u] * m; }
  if (HS4 > 27u) { let m = ks.m27; s0 += q[b.x + 27u] * m; s1 += q[b.y + 27u] * m; s2 += q[b.z + 27u] * m; s3 += q[b.w + 27u] * m; }
  if (HS4 > 28u) { let m = ks.m28; s0 += q[b.x + 28u] * m; s1 += q[b.y + 28u] * m; s2 += q[b.z + 28u] * m; s3 += q[b.w + 28u] * m; }
  if (HS4 > 29u) { let m = ks.m29; s0 += q[b.x + 29u] * m; s1 += q[b.y + 29u] * m; s2 += q[b.z + 29u] * m; s3 += q[b.w + 29u] * m; }
  if (HS4 > 30u) { let m = ks.m30; s0 += q[b.x + 30u] * m; s1 += q[b.y + 30u] * m; s2 += q[b.z + 30u] * m; s3 += q[b.w + 30u] * m; }
  if (HS4 > 31u) { let m = ks.m31; s0 += q[b.x + 31u] * m; s1 += q[b.y + 31u] * m; s2 += q[b.z + 31u] * m; s3 += q[b.w + 31u] * m; }
  return mat4x4<f32>(s0, s1, s2, s3);
}

// Column c: the four keys' v . dout with query row b[c].
fn dscores4(b: vec4<u32>) -> mat4x4<f32> {
  var s0 = vec4<f32>(0.0);
  var s1 = vec4<f32>(0.0);
  var s2 = vec4<f32>(0.0);
  var s3 = vec4<f32>(0.0);
  if (HS4 > 0u) { let m = vs.m0; s0 += dout[b.x + 0u] * m; s1 += dout[b.y + 0u] * m; s2 += dout[b.z + 0u] * m; s3 += dout[b.w + 0u] * m; }
  if (HS4 > 1u) { let m = vs.m1; s0 += dout[b.x + 1u] * m; s1 += dout[b.y + 1u] * m; s2 += dout[b.z + 1u] * m; s3 += dout[b.w + 1u] * m; }
  if (HS4 > 2u) { let m = vs.m2; s0 += dout[b.x + 2u] * m; s1 += dout[b.y + 2u] * m; s2 += dout[b.z + 2u] * m; s3 += dout[b.w + 2u] * m; }
  if (HS4 > 3u) { let m = vs.m3; s0 += dout[b.x + 3u] * m; s1 += dout[b.y + 3u] * m; s2 += dout[b.z + 3u] * m; s3 += dout[b.w + 3u] * m; }
  if (HS4 > 4u) { let m = vs.m4; s0 += dout[b.x + 4u] * m; s1 += dout[b.y + 4u] * m; s2 += dout[b.z + 4u] * m; s3 += dout[b.w + 4u] * m; }
  if (HS4 > 5u) { let m = vs.m5; s0 += dout[b.x + 5u] * m; s1 += dout[b.y + 5u] * m; s2 += dout[b.z + 5u] * m; s3 += dout[b.w + 5u] * m; }
  if (HS4 > 6u) { let m = vs.m6; s0 += dout[b.x + 6u] * m; s1 += dout[b.y + 6u] * m; s2 += dout[b.z + 6u] * m; s3 += dout[b.w + 6u] * m; }
  if (HS4 > 7u) { let m = vs.m7; s0 += dout[b.x + 7u] * m; s1 += dout[b.y + 7u] * m; s2 += dout[b.z + 7u] * m; s3 += dout[b.w + 7u] * m; }
  if (HS4 > 8u) { let m = vs.m8; s0 += dout[b.x + 8u] * m; s1 += dout[b.y + 8u] * m; s2 += dout[b.z + 8u] * m; s3 += dout[b.w + 8u] * m; }
  if (HS4 > 9u) { let m = vs.m9; s0 += dout[b.x + 9u] * m; s1 += dout[b.y + 9u] * m; s2 += dout[b.z + 9u] * m; s3 += dout[b.w + 9u] * m; }
  if (HS4 > 10u) { let m = vs.m10; s0 += dout[b.x + 10u] * m; s1 += dout[b.y + 10u] * m; s2 += dout[b.z + 10u] * m; s3 += dout[b.w + 10u] * m; }
  if (HS4 > 11u) { let m = vs.m11; s0 += dout[b.x + 11u] * m; s1 += dout[b.y + 11u] * m; s2 += dout[b.z + 11u] * m; s3 += dout[b.w + 11u] * m; }
  if (HS4 > 12u) { let m = vs.m12; s0 += dout[b.x + 12u] * m; s1 += dout[b.y + 12u] * m; s2 += dout[b.z + 12u] * m; s3 += dout[b.w + 12u] * m; }
  if (HS4 > 13u) { let m = vs.m13; s0 += dout[b.x + 13u] * m; s1 += dout[b.y + 13u] * m; s2 += dout[b.z + 13u] * m; s3 += dout[b.w + 13u] * m; }
  if (HS4 > 14u) { let m = vs.m14; s0 += dout[b.x + 14u] * m; s1 += dout[b.y + 14u] * m; s2 += dout[b.z + 14u] * m; s3 += dout[b.w + 14u] * m; }
  if (HS4 > 15u) { let m = vs.m15; s0 += dout[b.x + 15u] * m; s1 += dout[b.y + 15u] * m; s2 += dout[b.z + 15u] * m; s3 += dout[b.w + 15u] * m; }
  if (HS4 > 16u) { let m = vs.m16; s0 += dout[b.x + 16u] * m; s1 += dout[b.y + 16u] * m; s2 += dout[b.z + 16u] * m; s3 += dout[b.w + 16u] * m; }
  if (HS4 > 17u) { let m = vs.m17; s0 += dout[b.x + 17u] * m; s1 += dout[b.y + 17u] * m; s2 += dout[b.z + 17u] * m; s3 += dout[b.w + 17u] * m; }
  if (HS4 > 18u) { let m = vs.m18; s0 += dout[b.x + 18u] * m; s1 += dout[b.y + 18u] * m; s2 += dout[b.z + 18u] * m; s3 += dout[b.w + 18u] * m; }
  if (HS4 > 19u) { let m = vs.m19; s0 += dout[b.x + 19u] * m; s1 += dout[b.y + 19u] * m; s2 += dout[b.z + 19u] * m; s3 += dout[b.w + 19u] * m; }
  if (HS4 > 20u) { let m = vs.m20; s0 += dout[b.x + 20u] * m; s1 += dout[b.y + 20u] * m; s2 += dout[b.z + 20u] * m; s3 += dout[b.w + 20u] * m; }
  if (HS4 > 21u) { let m = vs.m21; s0 += dout[b.x + 21u] * m; s1 += dout[b.y + 21u] * m; s2 += dout[b.z + 21u] * m; s3 += dout[b.w + 21u] * m; }
  if (HS4 > 22u) { let m = vs.m22; s0 += dout[b.x + 22u] * m; s1 += dout[b.y + 22u] * m; s2 += dout[b.z + 22u] * m; s3 += dout[b.w + 22u] * m; }
  if (HS4 > 23u) { let m = vs.m23; s0 += dout[b.x + 23u] * m; s1 += dout[b.y + 23u] * m; s2 += dout[b.z + 23u] * m; s3 += dout[b.w + 23u] * m; }
  if (HS4 > 24u) { let m = vs.m24; s0 += dout[b.x + 24u] * m; s1 += dout[b.y + 24u] * m; s2 += dout[b.z + 24u] * m; s3 += dout[b.w + 24u] * m; }
  if (HS4 > 25u) { let m = vs.m25; s0 += dout[b.x + 25u] * m; s1 += dout[b.y + 25u] * m; s2 += dout[b.z + 25u] * m; s3 += dout[b.w + 25u] * m; }
  if (HS4 > 26u) { let m = vs.m26; s0 += dout[b.x + 26u] * m; s1 += dout[b.y + 26u] * m; s2 += dout[b.z + 26u] * m; s3 += dout[b.w + 26u] * m; }
  if (HS4 > 27u) { let m = vs.m27; s0 += dout[b.x + 27u] * m; s1 += dout[b.y + 27u] * m; s2 += dout[b.z + 27u] * m; s3 += dout[b.w + 27u] * m; }
  if (HS4 > 28u) { let m = vs.m28; s0 += dout[b.x + 28u] * m; s1 += dout[b.y + 28u] * m; s2 += dout[b.z + 28u] * m; s3 += dout[b.w + 28u] * m; }
  if (HS4 > 29u) { let m = vs.m29; s0 += dout[b.x + 29u] * m; s1 += dout[b.y + 29u] * m; s2 += dout[b.z + 29u] * m; s3 += dout[b.w + 29u] * m; }
  if (HS4 > 30u) { let m = vs.m30; s0 += dout[b.x + 30u] * m; s1 += dout[b.y + 30u] * m; s2 += dout[b.z + 30u] * m; s3 += dout[b.w + 30u] * m; }
  if (HS4 > 31u) { let m = vs.m31; s0 += dout[b.x + 31u] * m; s1 += dout[b.y + 31u] * m; s2 += dout[b.z + 31u] * m; s3 += dout[b.w + 31u] * m; }
  return mat4x4<f32>(s0, s1, s2, s3);
}

// dk += Q^T dS^T and dv += dOut^T P^T over the query rows b: column r of dst / pt gets key r's
// dS / P with the 4 queries.
fn update4(b: vec4<u32>, dst: mat4x4<f32>, pt: mat4x4<f32>) {
  if (HS4 > 0u) { dks.m0 += mat4x4<f32>(q[b.x + 0u], q[b.y + 0u], q[b.z + 0u], q[b.w + 0u]) * dst; dvs.m0 += mat4x4<f32>(dout[b.x + 0u], dout[b.y + 0u], dout[b.z + 0u], dout[b.w + 0u]) * pt; }
  if (HS4 > 1u) { dks.m1 += mat4x4<f32>(q[b.x + 1u], q[b.y + 1u], q[b.z + 1u], q[b.w + 1u]) * dst; dvs.m1 += mat4x4<f32>(dout[b.x + 1u], dout[b.y + 1u], dout[b.z + 1u], dout[b.w + 1u]) * pt; }
  if (HS4 > 2u) { dks.m2 += mat4x4<f32>(q[b.x + 2u], q[b.y + 2u], q[b.z + 2u], q[b.w + 2u]) * dst; dvs.m2 += mat4x4<f32>(dout[b.x + 2u], dout[b.y + 2u], dout[b.z + 2u], dout[b.w + 2u]) * pt; }
  if (HS4 > 3u) { dks.m3 += mat4x4<f32>(q[b.x + 3u], q[b.y + 3u], q[b.z + 3u], q[b.w + 3u]) * dst; dvs.m3 += mat4x4<f32>(dout[b.x + 3u], dout[b.y + 3u], dout[b.z + 3u], dout[b.w + 3u]) * pt; }
  if (HS4 > 4u) { dks.m4 += mat4x4<f32>(q[b.x + 4u], q[b.y + 4u], q[b.z + 4u], q[b.w + 4u]) * dst; dvs.m4 += mat4x4<f32>(dout[b.x + 4u], dout[b.y + 4u], dout[b.z + 4u], dout[b.w + 4u]) * pt; }
  if (HS4 > 5u) { dks.m5 += mat4x4<f32>(q[b.x + 5u], q[b.y + 5u], q[b.z + 5u], q[b.w + 5u]) * dst; dvs.m5 += mat4x4<f32>(dout[b.x + 5u], dout[b.y + 5u], dout[b.z + 5u], dout[b.w + 5u]) * pt; }
  if (HS4 > 6u) { dks.m6 += mat4x4<f32>(q[b.x + 6u], q[b.y + 6u], q[b.z + 6u], q[b.w + 6u]) * dst; dvs.m6 += mat4x4<f32>(dout[b.x + 6u], dout[b.y + 6u], dout[b.z + 6u], dout[b.w + 6u]) * pt; }
  if (HS4 > 7u) { dks.m7 += mat4x4<f32>(q[b.x + 7u], q[b.y + 7u], q[b.z + 7u], q[b.w + 7u]) * dst; dvs.m7 += mat4x4<f32>(dout[b.x + 7u], dout[b.y + 7u], dout[b.z + 7u], dout[b.w + 7u]) * pt; }
  if (HS4 > 8u) { dks.m8 += mat4x4<f32>(q[b.x + 8u], q[b.y + 8u], q[b.z + 8u], q[b.w + 8u]) * dst; dvs.m8 += mat4x4<f32>(dout[b.x + 8u], dout[b.y + 8u], dout[b.z + 8u], dout[b.w + 8u]) * pt; }
  if (HS4 > 9u) { dks.m9 += mat4x4<f32>(q[b.x + 9u], q[b.y + 9u], q[b.z + 9u], q[b.w + 9u]) * dst; dvs.m9 += mat4x4<f32>(dout[b.x + 9u], dout[b.y + 9u], dout[b.z + 9u], dout[b.w + 9u]) * pt; }
  if (HS4 > 10u) { dks.m10 += mat4x4<f32>(q[b.x + 10u], q[b.y + 10u], q[b.z + 10u], q[b.w + 10u]) * dst; dvs.m10 += mat4x4<f32>(dout[b.x + 10u], dout[b.y + 10u], dout[b.z + 10u], dout[b.w + 10u]) * pt; }
  if (HS4 > 11u) { dks.m11 += mat4x4<f32>(q[b.x + 11u], q[b.y + 11u], q[b.z + 11u], q[b.w + 11u]) * dst; dvs.m11 += mat4x4<f32>(dout[b.x + 11u], dout[b.y + 11u], dout[b.z + 11u], dout[b.w + 11u]) * pt; }
  if (HS4 > 12u) { dks.m12 += mat4x4<f32>(q[b.x + 12u], q[b.y + 12u], q[b.z + 12u], q[b.w + 12u]) * dst; dvs.m12 += mat4x4<f32>(dout[b.x + 12u], dout[b.y + 12u], dout[b.z + 12u], dout[b.w + 12u]) * pt; }
  if (HS4 > 13u) { dks.m13 += mat4x4<f32>(q[b.x + 13u], q[b.y + 13u], q[b.z + 13u], q[b.w + 13u]) * dst; dvs.m13 += mat4x4<f32>(dout[b.x + 13u], dout[b.y + 13u], dout[b.z + 13u], dout[b.w + 13u]) * pt; }
  if (HS4 > 14u) { dks.m14 += mat4x4<f32>(q[b.x + 14u], q[b.y + 14u], q[b.z + 14u], q[b.w + 14u]) * dst; dvs.m14 += mat4x4<f32>(dout[b.x + 14u], dout[b.y + 14u], dout[b.z + 14u], dout[b.w + 14u]) * pt; }
  if (HS4 > 15u) { dks.m15 += mat4x4<f32>(q[b.x + 15u], q[b.y + 15u], q[b.z + 15u], q[b.w + 15u]) * dst; dvs.m15 += mat4x4<f32>(dout[b.x + 15u], dout[b.y + 15u], dout[b.z + 15u], dout[b.w + 15u]) * pt; }
  if (HS4 > 16u) { dks.m16 += mat4x4<f32>(q[b.x + 16u], q[b.y + 16u], q[b.z + 16u], q[b.w + 16u]) * dst; dvs.m16 += mat4x4<f32>(dout[b.x + 16u], dout[b.y + 16u], dout[b.z + 16u], dout[b.w + 16u]) * pt; }
  if (HS4 > 17u) { dks.m17 += mat4x4<f32>(q[b.x + 17u], q[b.y + 17u], q[b.z + 17u], q[b.w + 17u]) * dst; dvs.m17 += mat4x4<f32>(dout[b.x + 17u], dout[b.y + 17u], dout[b.z + 17u], dout[b.w + 17u]) * pt; }
  if (HS4 > 18u) { dks.m18 += mat4x4<f32>(q[b.x + 18u], q[b.y + 18u], q[b.z + 18u], q[b.w + 18u]) * dst; dvs.m18 += mat4x4<f32>(dout[b.x + 18u], dout[b.y + 18u], dout[b.z + 18u], dout[b.w + 18u]) * pt; }
  if (HS4 > 19u) { dks.m19 += mat4x4<f32>(q[b.x + 19u], q[b.y + 19u], q[b.z + 19u], q[b.w + 19u]) * dst; dvs.m19 += mat4x4<f32>(dout[b.x + 19u], dout[b.y + 19u], dout[b.z + 19u], dout[b.w + 19u]) * pt; }
  if (HS4 > 20u) { dks.m20 += mat4x4<f32>(q[b.x + 20u], q[b.y + 20u], q[b.z + 20u], q[b.w + 20u]) * dst; dvs.m20 += mat4x4<f32>(dout[b.x + 20u], dout[b.y + 20u], dout[b.z + 20u], dout[b.w + 20u]) * pt; }
  if (HS4 > 21u) { dks.m21 += mat4x4<f32>(q[b.x + 21u], q[b.y + 21u], q[b.z + 21u], q[b.w + 21u]) * dst; dvs.m21 += mat4x4<f32>(dout[b.x + 21u], dout[b.y + 21u], dout[b.z + 21u], dout[b.w + 21u]) * pt; }
  if (HS4 > 22u) { dks.m22 += mat4x4<f32>(q[b.x + 22u], q[b.y + 22u], q[b.z + 22u], q[b.w + 22u]) * dst; dvs.m22 += mat4x4<f32>(dout[b.x + 22u], dout[b.y + 22u], dout[b.z + 22u], dout[b.w + 22u]) * pt; }
  if (HS4 > 23u) { dks.m23 += mat4x4<f32>(q[b.x + 23u], q[b.y + 23u], q[b.z + 23u], q[b.w + 23u]) * dst; dvs.m23 += mat4x4<f32>(dout[b.x + 23u], dout[b.y + 23u], dout[b.z + 23u], dout[b.w + 23u]) * pt; }
  if (HS4 > 24u) { dks.m24 += mat4x4<f32>(q[b.x + 24u], q[b.y + 24u], q[b.z + 24u], q[b.w + 24u]) * dst; dvs.m24 += mat4x4<f32>(dout[b.x + 24u], dout[b.y + 24u], dout[b.z + 24u], dout[b.w + 24u]) * pt; }
  if (HS4 > 25u) { dks.m25 += mat4x4<f32>(q[b.x + 25u], q[b.y + 25u], q[b.z + 25u], q[b.w + 25u]) * dst; dvs.m25 += mat4x4<f32>(dout[b.x + 25u], dout[b.y + 25u], dout[b.z + 25u], dout[b.w + 25u]) * pt; }
  if (HS4 > 26u) { dks.m26 += mat4x4<f32>(q[b.x + 26u], q[b.y + 26u], q[b.z + 26u], q[b.w + 26u]) * dst; dvs.m26 += mat4x4<f32>(dout[b.x + 26u], dout[b.y + 26u], dout[b.z + 26u], dout[b.w + 26u]) * pt; }
  if (HS4 > 27u) { dks.m27 += mat4x4<f32>(q[b.x + 27u], q[b.y + 27u], q[b.z + 27u], q[b.w + 27u]) * dst; dvs.m27 += mat4x4<f32>(dout[b.x + 27u], dout[b.y + 27u], dout[b.z + 27u], dout[b.w + 27u]) * pt; }
  if (HS4 > 28u) { dks.m28 += mat4x4<f32>(q[b.x + 28u], q[b.y + 28u], q[b.z + 28u], q[b.w + 28u]) * dst; dvs.m28 += mat4x4<f32>(dout[b.x + 28u], dout[b.y + 28u], dout[b.z + 28u], dout[b.w + 28u]) * pt; }
  if (HS4 > 29u) { dks.m29 += mat4x4<f32>(q[b.x + 29u], q[b.y + 29u], q[b.z + 29u], q[b.w + 29u]) * dst; dvs.m29 += mat4x4<f32>(dout[b.x + 29u], dout[b.y + 29u], dout[b.z + 29u], dout[b.w + 29u]) * pt; }
  if (HS4 > 30u) { dks.m30 += mat4x4<f32>(q[b.x + 30u], q[b.y + 30u], q[b.z + 30u], q[b.w + 30u]) * dst; dvs.m30 += mat4x4<f32>(dout[b.x + 30u], dout[b.y + 30u], dout[b.z + 30u], dout[b.w + 30u]) * pt; }
  if (HS4 > 31u) { dks.m31 += mat4x4<f32>(q[b.x + 31u], q[b.y + 31u], q[b.z + 31u], q[b.w + 31u]) * dst; dvs.m31 += mat4x4<f32>(dout[b.x + 31u], dout[b.y + 31u], dout[b.z + 31u], dout[b.w + 31u]) * pt; }
}

// The four keys' scores with query row qb (heads over 64: see main).
fn scores1(qb: u32) -> vec4<f32> {
  var s = vec4<f32>(0.0);
  if (HS4 > 0u) { s += q[qb + 0u] * ks.m0; }
  if (HS4 > 1u) { s += q[qb + 1u] * ks.m1; }
  if (HS4 > 2u) { s += q[qb + 2u] * ks.m2; }
  if (HS4 > 3u) { s += q[qb + 3u] * ks.m3; }
  if (HS4 > 4u) { s += q[qb + 4u] * ks.m4; }
  if (HS4 > 5u) { s += q[qb + 5u] * ks.m5; }
  if (HS4 > 6u) { s += q[qb + 6u] * ks.m6; }
  if (HS4 > 7u) { s += q[qb + 7u] * ks.m7; }
  if (HS4 > 8u) { s += q[qb + 8u] * ks.m8; }
  if (HS4 > 9u) { s += q[qb + 9u] * ks.m9; }
  if (HS4 > 10u) { s += q[qb + 10u] * ks.m10; }
  if (HS4 > 11u) { s += q[qb + 11u] * ks.m11; }
  if (HS4 > 12u) { s += q[qb + 12u] * ks.m12; }
  if (HS4 > 13u) { s += q[qb + 13u] * ks.m13; }
  if (HS4 > 14u) { s += q[qb + 14u] * ks.m14; }
  if (HS4 > 15u) { s += q[qb + 15u] * ks.m15; }
  if (HS4 > 16u) { s += q[qb + 16u] * ks.m16; }
  if (HS4 > 17u) { s += q[qb + 17u] * ks.m17; }
  if (HS4 > 18u) { s += q[qb + 18u] * ks.m18; }
  if (HS4 > 19u) { s += q[qb + 19u] * ks.m19; }
  if (HS4 > 20u) { s += q[qb + 20u] * ks.m20; }
  if (HS4 > 21u) { s += q[qb + 21u] * ks.m21; }
  if (HS4 > 22u) { s += q[qb + 22u] * ks.m22; }
  if (HS4 > 23u) { s += q[qb + 23u] * ks.m23; }
  if (HS4 > 24u) { s += q[qb + 24u] * ks.m24; }
  if (HS4 > 25u) { s += q[qb + 25u] * ks.m25; }
  if (HS4 > 26u) { s += q[qb + 26u] * ks.m26; }
  if (HS4 > 27u) { s += q[qb + 27u] * ks.m27; }
  if (HS4 > 28u) { s += q[qb + 28u] * ks.m28; }
  if (HS4 > 29u) { s += q[qb + 29u] * ks.m29; }
  if (HS4 > 30u) { s += q[qb + 30u] * ks.m30; }
  if (HS4 > 31u) { s += q[qb + 31u] * ks.m31; }
  return s;
}

// The four keys' v . dout with query row qb.
fn dscores1(qb: u32) -> vec4<f32> {
  var s = vec4<f32>(0.0);
  if (HS4 > 0u) { s += dout[qb + 0u] * vs.m0; }
  if (HS4 > 1u) { s += dout[qb + 1u] * vs.m1; }
  if (HS4 > 2u) { s += dout[qb + 2u] * vs.m2; }
  if (HS4 > 3u) { s += dout[qb + 3u] * vs.m3; }
  if (HS4 > 4u) { s += dout[qb + 4u] * vs.m4; }
  if (HS4 > 5u) { s += dout[qb + 5u] * vs.m5; }
  if (HS4 > 6u) { s += dout[qb + 6u] * vs.m6; }
  if (HS4 > 7u) { s += dout[qb + 7u] * vs.m7; }
  if (HS4 > 8u) { s += dout[qb + 8u] * vs.m8; }
  if (HS4 > 9u) { s += dout[qb + 9u] * vs.m9; }
  if (HS4 > 10u) { s += dout[qb + 10u] * vs.m10; }
  if (HS4 > 11u) { s += dout[qb + 11u] * vs.m11; }
  if (HS4 > 12u) { s += dout[qb + 12u] * vs.m12; }
  if (HS4 > 13u) { s += dout[qb + 13u] * vs.m13; }
  if (HS4 > 14u) { s += dout[qb + 14u] * vs.m14; }
  if (HS4 > 15u) { s += dout[qb + 15u] * vs.m15; }
  if (HS4 > 16u) { s += dout[qb + 16u] * vs.m16; }
  if (HS4 > 17u) { s += dout[qb + 17u] * vs.m17; }
  if (HS4 > 18u) { s += dout[qb + 18u] * vs.m18; }
  if (HS4 > 19u) { s += dout[qb + 19u] * vs.m19; }
  if (HS4 > 20u) { s += dout[qb + 20u] * vs.m20; }
  if (HS4 > 21u) { s += dout[qb + 21u] * vs.m21; }
  if (HS4 > 22u) { s += dout[qb + 22u] * vs.m22; }
  if (HS4 > 23u) { s += dout[qb + 23u] * vs.m23; }
  if (HS4 > 24u) { s += dout[qb + 24u] * vs.m24; }
  if (HS4 > 25u) { s += dout[qb + 25u] * vs.m25; }
  if (HS4 > 26u) { s += dout[qb + 26u] * vs.m26; }
  if (HS4 > 27u) { s += dout[qb + 27u] * vs.m27; }
  if (HS4 > 28u) { s += dout[qb + 28u] * vs.m28; }
  if (HS4 > 29u) { s += dout[qb + 29u] * vs.m29; }
  if (HS4 > 30u) { s += dout[qb + 30u] * vs.m30; }
  if (HS4 > 31u) { s += dout[qb + 31u] * vs.m31; }
  return s;
}

// dk += q_row (x) ds, dv += dout_row (x) p: column r gets key r's share.
fn update1(qb: u32, p: vec4<f32>, ds: vec4<f32>) {
  if (HS4 > 0u) { let x = q[qb + 0u]; dks.m0 += mat4x4<f32>(x * ds.x, x * ds.y, x * ds.z, x * ds.w); let y = dout[qb + 0u]; dvs.m0 += mat4x4<f32>(y * p.x, y * p.y, y * p.z, y * p.w); }
  if (HS4 > 1u) { let x = q[qb + 1u]; dks.m1 += mat4x4<f32>(x * ds.x, x * ds.y, x * ds.z, x * ds.w); let y = dout[qb + 1u]; dvs.m1 += mat4x4<f32>(y * p.x, y * p.y, y * p.z, y * p.w); }
  if (HS4 > 2u) { let x = q[qb + 2u]; dks.m2 += mat4x4<f32>(x * ds.x, x * ds.y, x * ds.z, x * ds.w); let y = dout[qb + 2u]; dvs.m2 += mat4x4<f32>(y * p.x, y * p.y, y * p.z, y * p.w); }
  if (HS4 > 3u) { let x = q[qb + 3u]; dks.m3 += mat4x4<f32>(x * ds.x, x * ds.y, x * ds.z, x * ds.w); let y = dout[qb + 3u]; dvs.m3 += mat4x4<f32>(y * p.x, y * p.y, y * p.z, y * p.w); }
  if (HS4 > 4u) { let x = q[qb + 4u]; dks.m4 += mat4x4<f32>(x * ds.x, x * ds.y, x * ds.z, x * ds.w); let y = dout[qb + 4u]; dvs.m4 += mat4x4<f32>(y * p.x, y * p.y, y * p.z, y * p.w); }
  if (HS4 > 5u) { let x = q[qb + 5u]; dks.m5 += mat4x4<f32>(x * ds.x, x * ds.y, x * ds.z, x * ds.w); let y = dout[qb + 5u]; dvs.m5 += mat4x4<f32>(y * p.x, y * p.y, y * p.z, y * p.w); }
  if (HS4 > 6u) { let x = q[qb + 6u]; dks.m6 += mat4x4<f32>(x * ds.x, x * ds.y, x * ds.z, x * ds.w); let y = dout[qb + 6u]; dvs.m6 += mat4x4<f32>(y * p.x, y * p.y, y * p.z, y * p.w); }
  if (HS4 > 7u) { let x = q[qb + 7u]; dks.m7 += mat4x4<f32>(x * ds.x, x * ds.y, x * ds.z, x * ds.w); let y = dout[qb + 7u]; dvs.m7 += mat4x4<f32>(y * p.x, y * p.y, y * p.z, y * p.w); }
  if (HS4 > 8u) { let x = q[qb + 8u]; dks.m8 += mat4x4<f32>(x * ds.x, x * ds.y, x * ds.z, x * ds.w); let y = dout[qb + 8u]; dvs.m8 += mat4x4<f32>(y * p.x, y * p.y, y * p.z, y * p.w); }
  if (HS4 > 9u) { let x = q[qb + 9u]; dks.m9 += mat4x4<f32>(x * ds.x, x * ds.y, x * ds.z, x * ds.w); let y = dout[qb + 9u]; dvs.m9 += mat4x4<f32>(y * p.x, y * p.y, y * p.z, y * p.w); }
  if (HS4 > 10u) { let x = q[qb + 10u]; dks.m10 += mat4x4<f32>(x * ds.x, x * ds.y, x * ds.z, x * ds.w); let y = dout[qb + 10u]; dvs.m10 += mat4x4<f32>(y * p.x, y * p.y, y * p.z, y * p.w); }
  if (HS4 > 11u) { let x = q[qb + 11u]; dks.m11 += mat4x4<f32>(x * ds.x, x * ds.y, x * ds.z, x * ds.w); let y = dout[qb + 11u]; dvs.m11 += mat4x4<f32>(y * p.x, y * p.y, y * p.z, y * p.w); }
  if (HS4 > 12u) { let x = q[qb + 12u]; dks.m12 += mat4x4<f32>(x * ds.x, x * ds.y, x * ds.z, x * ds.w); let y = dout[qb + 12u]; dvs.m12 += mat4x4<f32>(y * p.x, y * p.y, y * p.z, y * p.w); }
  if (HS4 > 13u) { let x = q[qb + 13u]; dks.m13 += mat4x4<f32>(x * ds.x, x * ds.y, x * ds.z, x * ds.w); let y = dout[qb + 13u]; dvs.m13 += mat4x4<f32>(y * p.x, y * p.y, y * p.z, y * p.w); }
  if (HS4 > 14u) { let x = q[qb + 14u]; dks.m14 += mat4x4<f32>(x * ds.x, x * ds.y, x * ds.z, x * ds.w); let y = dout[qb + 14u]; dvs.m14 += mat4x4<f32>(y * p.x, y * p.y, y * p.z, y * p.w); }
  if (HS4 > 15u) { let x = q[qb + 15u]; dks.m15 += mat4x4<f32>(x * ds.x, x * ds.y, x * ds.z, x * ds.w); let y = dout[qb + 15u]; dvs.m15 += mat4x4<f32>(y * p.x, y * p.y, y * p.z, y * p.w); }
  if (HS4 > 16u) { let x = q[qb + 16u]; dks.m16 += mat4x4<f32>(x * ds.x, x * ds.y, x * ds.z, x * ds.w); let y = dout[qb + 16u]; dvs.m16 += mat4x4<f32>(y * p.x, y * p.y, y * p.z, y * p.w); }
  if (HS4 > 17u) { let x = q[qb + 17u]; dks.m17 += mat4x4<f32>(x * ds.x, x * ds.y, x * ds.z, x * ds.w); let y = dout[qb + 17u]; dvs.m17 += mat4x4<f32>(y * p.x, y * p.y, y * p.z, y * p.w); }
  if (HS4 > 18u) { let x = q[qb + 18u]; dks.m18 += mat4x4<f32>(x * ds.x, x * ds.y, x * ds.z, x * ds.w); let y = dout[qb + 18u]; dvs.m18 += mat4x4<f32>(y * p.x, y * p.y, y * p.z, y * p.w); }
  if (HS4 > 19u) { let x = q[qb + 19u]; dks.m19 += mat4x4<f32>(x * ds.x, x * ds.y, x * ds.z, x * ds.w); let y = dout[qb + 19u]; dvs.m19 += mat4x4<f32>(y * p.x, y * p.y, y * p.z, y * p.w); }
  if (HS4 > 20u) { let x = q[qb + 20u]; dks.m20 += mat4x4<f32>(x * ds.x, x * ds.y, x * ds.z, x * ds.w); let y = dout[qb + 20u]; dvs.m20 += mat4x4<f32>(y * p.x, y * p.y, y * p.z, y * p.w); }
  if (HS4 > 21u) { let x = q[qb + 21u]; dks.m21 += mat4x4<f32>(x * ds.x, x * ds.y, x * ds.z, x * ds.w); let y = dout[qb + 21u]; dvs.m21 += mat4x4<f32>(y * p.x, y * p.y, y * p.z, y * p.w); }
  if (HS4 > 22u) { let x = q[qb + 22u]; dks.m22 += mat4x4<f32>(x * ds.x, x * ds.y, x * ds.z, x * ds.w); let y = dout[qb + 22u]; dvs.m22 += mat4x4<f32>(y * p.x, y * p.y, y * p.z, y * p.w); }
  if (HS4 > 23u) { let x = q[qb + 23u]; dks.m23 += mat4x4<f32>(x * ds.x, x * ds.y, x * ds.z, x * ds.w); let y = dout[qb + 23u]; dvs.m23 += mat4x4<f32>(y * p.x, y * p.y, y * p.z, y * p.w); }
  if (HS4 > 24u) { let x = q[qb + 24u]; dks.m24 += mat4x4<f32>(x * ds.x, x * ds.y, x * ds.z, x * ds.w); let y = dout[qb + 24u]; dvs.m24 += mat4x4<f32>(y * p.x, y * p.y, y * p.z, y * p.w); }
  if (HS4 > 25u) { let x = q[qb + 25u]; dks.m25 += mat4x4<f32>(x * ds.x, x * ds.y, x * ds.z, x * ds.w); let y = dout[qb + 25u]; dvs.m25 += mat4x4<f32>(y * p.x, y * p.y, y * p.z, y * p.w); }
  if (HS4 > 26u) { let x = q[qb + 26u]; dks.m26 += mat4x4<f32>(x * ds.x, x * ds.y, x * ds.z, x * ds.w); let y = dout[qb + 26u]; dvs.m26 += mat4x4<f32>(y * p.x, y * p.y, y * p.z, y * p.w); }
  if (HS4 > 27u) { let x = q[qb + 27u]; dks.m27 += mat4x4<f32>(x * ds.x, x * ds.y, x * ds.z, x * ds.w); let y = dout[qb + 27u]; dvs.m27 += mat4x4<f32>(y * p.x, y * p.y, y * p.z, y * p.w); }
  if (HS4 > 28u) { let x = q[qb + 28u]; dks.m28 += mat4x4<f32>(x * ds.x, x * ds.y, x * ds.z, x * ds.w); let y = dout[qb + 28u]; dvs.m28 += mat4x4<f32>(y * p.x, y * p.y, y * p.z, y * p.w); }
  if (HS4 > 29u) { let x = q[qb + 29u]; dks.m29 += mat4x4<f32>(x * ds.x, x * ds.y, x * ds.z, x * ds.w); let y = dout[qb + 29u]; dvs.m29 += mat4x4<f32>(y * p.x, y * p.y, y * p.z, y * p.w); }
  if (HS4 > 30u) { let x = q[qb + 30u]; dks.m30 += mat4x4<f32>(x * ds.x, x * ds.y, x * ds.z, x * ds.w); let y = dout[qb + 30u]; dvs.m30 += mat4x4<f32>(y * p.x, y * p.y, y * p.z, y * p.w); }
  if (HS4 > 31u) { let x = q[qb + 31u]; dks.m31 += mat4x4<f32>(x * ds.x, x * ds.y, x * ds.z, x * ds.w); let y = dout[qb + 31u]; dvs.m31 += mat4x4<f32>(y * p.x, y * p.y, y * p.z, y * p.w); }
}

fn store_row(b: u32, r: u32, scale: f32) {
  if (HS4 > 0u) { dk[b + 0u] = dks.m0[r] * scale; dv[b + 0u] = dvs.m0[r]; }
  if (HS4 > 1u) { dk[b + 1u] = dks.m1[r] * scale; dv[b + 1u] = dvs.m1[r]; }
  if (HS4 > 2u) { dk[b + 2u] = dks.m2[r] * scale; dv[b + 2u] = dvs.m2[r]; }
  if (HS4 > 3u) { dk[b + 3u] = dks.m3[r] * scale; dv[b + 3u] = dvs.m3[r]; }
  if (HS4 > 4u) { dk[b + 4u] = dks.m4[r] * scale; dv[b + 4u] = dvs.m4[r]; }
  if (HS4 > 5u) { dk[b + 5u] = dks.m5[r] * scale; dv[b + 5u] = dvs.m5[r]; }
  if (HS4 > 6u) { dk[b + 6u] = dks.m6[r] * scale; dv[b + 6u] = dvs.m6[r]; }
  if (HS4 > 7u) { dk[b + 7u] = dks.m7[r] * scale; dv[b + 7u] = dvs.m7[r]; }
  if (HS4 > 8u) { dk[b + 8u] = dks.m8[r] * scale; dv[b + 8u] = dvs.m8[r]; }
  if (HS4 > 9u) { dk[b + 9u] = dks.m9[r] * scale; dv[b + 9u] = dvs.m9[r]; }
  if (HS4 > 10u) { dk[b + 10u] = dks.m10[r] * scale; dv[b + 10u] = dvs.m10[r]; }
  if (HS4 > 11u) { dk[b + 11u] = dks.m11[r] * scale; dv[b + 11u] = dvs.m11[r]; }
  if (HS4 > 12u) { dk[b + 12u] = dks.m12[r] * scale; dv[b + 12u] = dvs.m12[r]; }
  if (HS4 > 13u) { dk[b + 13u] = dks.m13[r] * scale; dv[b + 13u] = dvs.m13[r]; }
  if (HS4 > 14u) { dk[b + 14u] = dks.m14[r] * scale; dv[b + 14u] = dvs.m14[r]; }
  if (HS4 > 15u) { dk[b + 15u] = dks.m15[r] * scale; dv[b + 15u] = dvs.m15[r]; }
  if (HS4 > 16u) { dk[b + 16u] = dks.m16[r] * scale; dv[b + 16u] = dvs.m16[r]; }
  if (HS4 > 17u) { dk[b + 17u] = dks.m17[r] * scale; dv[b + 17u] = dvs.m17[r]; }
  if (HS4 > 18u) { dk[b + 18u] = dks.m18[r] * scale; dv[b + 18u] = dvs.m18[r]; }
  if (HS4 > 19u) { dk[b + 19u] = dks.m19[r] * scale; dv[b + 19u] = dvs.m19[r]; }
  if (HS4 > 20u) { dk[b + 20u] = dks.m20[r] * scale; dv[b + 20u] = dvs.m20[r]; }
  if (HS4 > 21u) { dk[b + 21u] = dks.m21[r] * scale; dv[b + 21u] = dvs.m21[r]; }
  if (HS4 > 22u) { dk[b + 22u] = dks.m22[r] * scale; dv[b + 22u] = dvs.m22[r]; }
  if (HS4 > 23u) { dk[b + 23u] = dks.m23[r] * scale; dv[b + 23u] = dvs.m23[r]; }
  if (HS4 > 24u) { dk[b + 24u] = dks.m24[r] * scale; dv[b + 24u] = dvs.m24[r]; }
  if (HS4 > 25u) { dk[b + 25u] = dks.m25[r] * scale; dv[b + 25u] = dvs.m25[r]; }
  if (HS4 > 26u) { dk[b + 26u] = dks.m26[r] * scale; dv[b + 26u] = dvs.m26[r]; }
  if (HS4 > 27u) { dk[b + 27u] = dks.m27[r] * scale; dv[b + 27u] = dvs.m27[r]; }
  if (HS4 > 28u) { dk[b + 28u] = dks.m28[r] * scale; dv[b + 28u] = dvs.m28[r]; }
  if (HS4 > 29u) { dk[b + 29u] = dks.m29[r] * scale; dv[b + 29u] = dvs.m29[r]; }
  if (HS4 > 30u) { dk[b + 30u] = dks.m30[r] * scale; dv[b + 30u] = dvs.m30[r]; }
  if (HS4 > 31u) { dk[b + 31u] = dks.m31[r] * scale; dv[b + 31u] = dvs.m31[r]; }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let T = params.T;
  let j0 = gid.x * 4u;
  let g = gid.y;
  if (j0 >= T) {
    return;
  }
  let NH = params.NH;
  let NKV = params.NKV;
  let group = NH / NKV;
  let keys = vec4<u32>(j0) + vec4<u32>(0u, 1u, 2u, 3u);
  let kc = min(keys, vec4<u32>(T - 1u));
  load_rows((kc * NKV + g) * HS4, params.scale);
  dks = Blk();
  dvs = Blk();
  let jlast = kc.w;
  let live = keys < vec4<u32>(T);
  if (HS4 <= 16u) {
    for (var i = j0; i < T; i += 4u) {
      if (starts[i] > jlast) {
        break; // the next packed sequence: no later query sees these keys
      }
      let qi = min(vec4<u32>(i) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(T - 1u));
      // Key r is seen by query c when starts[c] <= key r <= c and both are < T.
      let sq = vec4<u32>(starts[qi.x], starts[qi.y], starts[qi.z], starts[qi.w]);
      let ok0 = (vec4<u32>(sq.x) <= kc) & (kc <= vec4<u32>(i)) & live;
      let ok1 = (vec4<u32>(sq.y) <= kc) & (kc <= vec4<u32>(i + 1u)) & live & vec4<bool>(i + 1u < T);
      let ok2 = (vec4<u32>(sq.z) <= kc) & (kc <= vec4<u32>(i + 2u)) & live & vec4<bool>(i + 2u < T);
      let ok3 = (vec4<u32>(sq.w) <= kc) & (kc <= vec4<u32>(i + 3u)) & live & vec4<bool>(i + 3u < T);
      for (var hh = 0u; hh < group; hh++) {
        let h = g * group + hh;
        let r = qi * NH + h;
        let qb = r * HS4;
        let S = scores4(qb);
        let dP = dscores4(qb);
        let p0 = select(vec4<f32>(0.0), exp(S[0] - lse[r.x]), ok0);
        let p1 = select(vec4<f32>(0.0), exp(S[1] - lse[r.y]), ok1);
        let p2 = select(vec4<f32>(0.0), exp(S[2] - lse[r.z]), ok2);
        let p3 = select(vec4<f32>(0.0), exp(S[3] - lse[r.w]), ok3);
        let ds0 = p0 * (dP[0] - delta[r.x]);
        let ds1 = p1 * (dP[1] - delta[r.y]);
        let ds2 = p2 * (dP[2] - delta[r.z]);
        let ds3 = p3 * (dP[3] - delta[r.w]);
        let dst = transpose(mat4x4<f32>(ds0, ds1, ds2, ds3));
        update4(qb, dst, transpose(mat4x4<f32>(p0, p1, p2, p3)));
      }
    }
  } else {
    // Heads over 64: one query row per step (4 x 4 tiles compiled for 2 minutes at HS 128 and
    // ran slower: too much live state for SwiftShader's register allocator).
    for (var i = j0; i < T; i++) {
      let si = starts[i];
      if (si > jlast) {
        break;
      }
      let ok = (vec4<u32>(si) <= kc) & (kc <= vec4<u32>(i)) & live;
      for (var hh = 0u; hh < group; hh++) {
        let h = g * group + hh;
        let r = i * NH + h;
        let p = select(vec4<f32>(0.0), exp(scores1(r * HS4) - lse[r]), ok);
        let ds = p * (dscores1(r * HS4) - delta[r]);
        update1(r * HS4, p, ds);
      }
    }
  }
  let ob = (keys * NKV + g) * HS4;
  store_row(ob.x, 0u, params.scale);
  if (keys.y < T) {
    store_row(ob.y, 1u, params.scale);
  }
  if (keys.z < T) {
    store_row(ob.z, 2u, params.scale);
  }
  if (keys.w < T) {
    store_row(ob.w, 3u, params.scale);
  }
}
