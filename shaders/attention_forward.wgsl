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
// scale = params.scale (1 / sqrt(HS) for Llama/Qwen); HS = 4 * HS4, HS4 <= 32 an override.
// Dispatch: (ceil(T / (4 WG)), NH); one invocation per block of 4 consecutive query rows of one
// head. It walks keys starts[first row] ..= last row, 4 keys at a time: a 4 x 4 score tile in
// one pass over the head (each k row load, a per-lane gather with a bounds check on SwiftShader,
// serves 4 rows; each vec4 of q read from private memory serves 4 keys), one online-softmax
// rescale, then acc = acc * diag(corr) + V^T P^T as one mat4x4 product per vec4 of the head. A
// row that does not see a key (the causal diagonal, a packed-sequence boundary inside the block,
// keys past the last row) gets p = 0 by select; rows past T redo row T - 1 and are not stored.
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

const NEG: f32 = -3.0e38; // below any score: exp(NEG - m) == 0

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
@group(0) @binding(4) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> lse: array<f32>;
@group(0) @binding(6) var<uniform> params: Params;

var<private> qs: Blk; // scale * q of the four rows
var<private> acc: Blk; // running softmax(s) v of the four rows

fn load_q(b: vec4<u32>, scale: f32) {
  if (HS4 > 0u) { qs.m0 = mat4x4<f32>(q[b.x + 0u], q[b.y + 0u], q[b.z + 0u], q[b.w + 0u]) * scale; }
  if (HS4 > 1u) { qs.m1 = mat4x4<f32>(q[b.x + 1u], q[b.y + 1u], q[b.z + 1u], q[b.w + 1u]) * scale; }
  if (HS4 > 2u) { qs.m2 = mat4x4<f32>(q[b.x + 2u], q[b.y + 2u], q[b.z + 2u], q[b.w + 2u]) * scale; }
  if (HS4 > 3u) { qs.m3 = mat4x4<f32>(q[b.x + 3u], q[b.y + 3u], q[b.z + 3u], q[b.w + 3u]) * scale; }
  if (HS4 > 4u) { qs.m4 = mat4x4<f32>(q[b.x + 4u], q[b.y + 4u], q[b.z + 4u], q[b.w + 4u]) * scale; }
  if (HS4 > 5u) { qs.m5 = mat4x4<f32>(q[b.x + 5u], q[b.y + 5u], q[b.z + 5u], q[b.w + 5u]) * scale; }
  if (HS4 > 6u) { qs.m6 = mat4x4<f32>(q[b.x + 6u], q[b.y + 6u], q[b.z + 6u], q[b.w + 6u]) * scale; }
  if (HS4 > 7u) { qs.m7 = mat4x4<f32>(q[b.x + 7u], q[b.y + 7u], q[b.z + 7u], q[b.w + 7u]) * scale; }
  if (HS4 > 8u) { qs.m8 = mat4x4<f32>(q[b.x + 8u], q[b.y + 8u], q[b.z + 8u], q[b.w + 8u]) * scale; }
  if (HS4 > 9u) { qs.m9 = mat4x4<f32>(q[b.x + 9u], q[b.y + 9u], q[b.z + 9u], q[b.w + 9u]) * scale; }
  if (HS4 > 10u) { qs.m10 = mat4x4<f32>(q[b.x + 10u], q[b.y + 10u], q[b.z + 10u], q[b.w + 10u]) * scale; }
  if (HS4 > 11u) { qs.m11 = mat4x4<f32>(q[b.x + 11u], q[b.y + 11u], q[b.z + 11u], q[b.w + 11u]) * scale; }
  if (HS4 > 12u) { qs.m12 = mat4x4<f32>(q[b.x + 12u], q[b.y + 12u], q[b.z + 12u], q[b.w + 12u]) * scale; }
  if (HS4 > 13u) { qs.m13 = mat4x4<f32>(q[b.x + 13u], q[b.y + 13u], q[b.z + 13u], q[b.w + 13u]) * scale; }
  if (HS4 > 14u) { qs.m14 = mat4x4<f32>(q[b.x + 14u], q[b.y + 14u], q[b.z + 14u], q[b.w + 14u]) * scale; }
  if (HS4 > 15u) { qs.m15 = mat4x4<f32>(q[b.x + 15u], q[b.y + 15u], q[b.z + 15u], q[b.w + 15u]) * scale; }
  if (HS4 > 16u) { qs.m16 = mat4x4<f32>(q[b.x + 16u], q[b.y + 16u], q[b.z + 16u], q[b.w + 16u]) * scale; }
  if (HS4 > 17u) { qs.m17 = mat4x4<f32>(q[b.x + 17u], q[b.y + 17u], q[b.z + 17u], q[b.w + 17u]) * scale; }
  if (HS4 > 18u) { qs.m18 = mat4x4<f32>(q[b.x + 18u], q[b.y + 18u], q[b.z + 18u], q[b.w + 18u]) * scale; }
  if (HS4 > 19u) { qs.m19 = mat4x4<f32>(q[b.x + 19u], q[b.y + 19u], q[b.z + 19u], q[b.w + 19u]) * scale; }
  if (HS4 > 20u) { qs.m20 = mat4x4<f32>(q[b.x + 20u], q[b.y + 20u], q[b.z + 20u], q[b.w + 20u]) * scale; }
  if (HS4 > 21u) { qs.m21 = mat4x4<f32>(q[b.x + 21u], q[b.y + 21u], q[b.z + 21u], q[b.w + 21u]) * scale; }
  if (HS4 > 22u) { qs.m22 = mat4x4<f32>(q[b.x + 22u], q[b.y + 22u], q[b.z + 22u], q[b.w + 22u]) * scale; }
  if (HS4 > 23u) { qs.m23 = mat4x4<f32>(q[b.x + 23u], q[b.y + 23u], q[b.z + 23u], q[b.w + 23u]) * scale; }
  if (HS4 > 24u) { qs.m24 = mat4x4<f32>(q[b.x + 24u], q[b.y + 24u], q[b.z + 24u], q[b.w + 24u]) * scale; }
  if (HS4 > 25u) { qs.m25 = mat4x4<f32>(q[b.x + 25u], q[b.y + 25u], q[b.z + 25u], q[b.w + 25u]) * scale; }
  if (HS4 > 26u) { qs.m26 = mat4x4<f32>(q[b.x + 26u], q[b.y + 26u], q[b.z + 26u], q[b.w + 26u]) * scale; }
  if (HS4 > 27u) { qs.m27 = mat4x4<f32>(q[b.x + 27u], q[b.y + 27u], q[b.z + 27u], q[b.w + 27u]) * scale; }
  if (HS4 > 28u) { qs.m28 = mat4x4<f32>(q[b.x + 28u], q[b.y + 28u], q[b.z + 28u], q[b.w + 28u]) * scale; }
  if (HS4 > 29u) { qs.m29 = mat4x4<f32>(q[b.x + 29u], q[b.y + 29u], q[b.z + 29u], q[b.w + 29u]) * scale; }
  if (HS4 > 30u) { qs.m30 = mat4x4<f32>(q[b.x + 30u], q[b.y + 30u], q[b.z + 30u], q[b.w + 30u]) * scale; }
  if (HS4 > 31u) { qs.m31 = mat4x4<f32>(q[b.x + 31u], q[b.y + 31u], q[b.z + 31u], q[b.w + 31u]) * scale; }
}

// Column c: the four rows' scores with key row kb[c].
fn scores4(kb: vec4<u32>) -> mat4x4<f32> {
  var s0 = vec4<f32>(0.0);
  var s1 = vec4<f32>(0.0);
  var s2 = vec4<f32>(0.0);
  var s3 = vec4<f32>(0.0);
  if (HS4 > 0u) { let m = qs.m0; s0 += k[kb.x + 0u] * m; s1 += k[kb.y + 0u] * m; s2 += k[kb.z + 0u] * m; s3 += k[kb.w + 0u] * m; }
  if (HS4 > 1u) { let m = qs.m1; s0 += k[kb.x + 1u] * m; s1 += k[kb.y + 1u] * m; s2 += k[kb.z + 1u] * m; s3 += k[kb.w + 1u] * m; }
  if (HS4 > 2u) { let m = qs.m2; s0 += k[kb.x + 2u] * m; s1 += k[kb.y + 2u] * m; s2 += k[kb.z + 2u] * m; s3 += k[kb.w + 2u] * m; }
  if (HS4 > 3u) { let m = qs.m3; s0 += k[kb.x + 3u] * m; s1 += k[kb.y + 3u] * m; s2 += k[kb.z + 3u] * m; s3 += k[kb.w + 3u] * m; }
  if (HS4 > 4u) { let m = qs.m4; s0 += k[kb.x + 4u] * m; s1 += k[kb.y + 4u] * m; s2 += k[kb.z + 4u] * m; s3 += k[kb.w + 4u] * m; }
  if (HS4 > 5u) { let m = qs.m5; s0 += k[kb.x + 5u] * m; s1 += k[kb.y + 5u] * m; s2 += k[kb.z + 5u] * m; s3 += k[kb.w + 5u] * m; }
  if (HS4 > 6u) { let m = qs.m6; s0 += k[kb.x + 6u] * m; s1 += k[kb.y + 6u] * m; s2 += k[kb.z + 6u] * m; s3 += k[kb.w + 6u] * m; }
  if (HS4 > 7u) { let m = qs.m7; s0 += k[kb.x + 7u] * m; s1 += k[kb.y + 7u] * m; s2 += k[kb.z + 7u] * m; s3 += k[kb.w + 7u] * m; }
  if (HS4 > 8u) { let m = qs.m8; s0 += k[kb.x + 8u] * m; s1 += k[kb.y + 8u] * m; s2 += k[kb.z + 8u] * m; s3 += k[kb.w + 8u] * m; }
  if (HS4 > 9u) { let m = qs.m9; s0 += k[kb.x + 9u] * m; s1 += k[kb.y + 9u] * m; s2 += k[kb.z + 9u] * m; s3 += k[kb.w + 9u] * m; }
  if (HS4 > 10u) { let m = qs.m10; s0 += k[kb.x + 10u] * m; s1 += k[kb.y + 10u] * m; s2 += k[kb.z + 10u] * m; s3 += k[kb.w + 10u] * m; }
  if (HS4 > 11u) { let m = qs.m11; s0 += k[kb.x + 11u] * m; s1 += k[kb.y + 11u] * m; s2 += k[kb.z + 11u] * m; s3 += k[kb.w + 11u] * m; }
  if (HS4 > 12u) { let m = qs.m12; s0 += k[kb.x + 12u] * m; s1 += k[kb.y + 12u] * m; s2 += k[kb.z + 12u] * m; s3 += k[kb.w + 12u] * m; }
  if (HS4 > 13u) { let m = qs.m13; s0 += k[kb.x + 13u] * m; s1 += k[kb.y + 13u] * m; s2 += k[kb.z + 13u] * m; s3 += k[kb.w + 13u] * m; }
  if (HS4 > 14u) { let m = qs.m14; s0 += k[kb.x + 14u] * m; s1 += k[kb.y + 14u] * m; s2 += k[kb.z + 14u] * m; s3 += k[kb.w + 14u] * m; }
  if (HS4 > 15u) { let m = qs.m15; s0 += k[kb.x + 15u] * m; s1 += k[kb.y + 15u] * m; s2 += k[kb.z + 15u] * m; s3 += k[kb.w + 15u] * m; }
  if (HS4 > 16u) { let m = qs.m16; s0 += k[kb.x + 16u] * m; s1 += k[kb.y + 16u] * m; s2 += k[kb.z + 16u] * m; s3 += k[kb.w + 16u] * m; }
  if (HS4 > 17u) { let m = qs.m17; s0 += k[kb.x + 17u] * m; s1 += k[kb.y + 17u] * m; s2 += k[kb.z + 17u] * m; s3 += k[kb.w + 17u] * m; }
  if (HS4 > 18u) { let m = qs.m18; s0 += k[kb.x + 18u] * m; s1 += k[kb.y + 18u] * m; s2 += k[kb.z + 18u] * m; s3 += k[kb.w + 18u] * m; }
  if (HS4 > 19u) { let m = qs.m19; s0 += k[kb.x + 19u] * m; s1 += k[kb.y + 19u] * m; s2 += k[kb.z + 19u] * m; s3 += k[kb.w + 19u] * m; }
  if (HS4 > 20u) { let m = qs.m20; s0 += k[kb.x + 20u] * m; s1 += k[kb.y + 20u] * m; s2 += k[kb.z + 20u] * m; s3 += k[kb.w + 20u] * m; }
  if (HS4 > 21u) { let m = qs.m21; s0 += k[kb.x + 21u] * m; s1 += k[kb.y + 21u] * m; s2 += k[kb.z + 21u] * m; s3 += k[kb.w + 21u] * m; }
  if (HS4 > 22u) { let m = qs.m22; s0 += k[kb.x + 22u] * m; s1 += k[kb.y + 22u] * m; s2 += k[kb.z + 22u] * m; s3 += k[kb.w + 22u] * m; }
  if (HS4 > 23u) { let m = qs.m23; s0 += k[kb.x + 23u] * m; s1 += k[kb.y + 23u] * m; s2 += k[kb.z + 23u] * m; s3 += k[kb.w + 23u] * m; }
  if (HS4 > 24u) { let m = qs.m24; s0 += k[kb.x + 24u] * m; s1 += k[kb.y + 24u] * m; s2 += k[kb.z + 24u] * m; s3 += k[kb.w + 24u] * m; }
  if (HS4 > 25u) { let m = qs.m25; s0 += k[kb.x + 25u] * m; s1 += k[kb.y + 25u] * m; s2 += k[kb.z + 25u] * m; s3 += k[kb.w + 25u] * m; }
  if (HS4 > 26u) { let m = qs.m26; s0 += k[kb.x + 26u] * m; s1 += k[kb.y + 26u] * m; s2 += k[kb.z + 26u] * m; s3 += k[kb.w + 26u] * m; }
  if (HS4 > 27u) { let m = qs.m27; s0 += k[kb.x + 27u] * m; s1 += k[kb.y + 27u] * m; s2 += k[kb.z + 27u] * m; s3 += k[kb.w + 27u] * m; }
  if (HS4 > 28u) { let m = qs.m28; s0 += k[kb.x + 28u] * m; s1 += k[kb.y + 28u] * m; s2 += k[kb.z + 28u] * m; s3 += k[kb.w + 28u] * m; }
  if (HS4 > 29u) { let m = qs.m29; s0 += k[kb.x + 29u] * m; s1 += k[kb.y + 29u] * m; s2 += k[kb.z + 29u] * m; s3 += k[kb.w + 29u] * m; }
  if (HS4 > 30u) { let m = qs.m30; s0 += k[kb.x + 30u] * m; s1 += k[kb.y + 30u] * m; s2 += k[kb.z + 30u] * m; s3 += k[kb.w + 30u] * m; }
  if (HS4 > 31u) { let m = qs.m31; s0 += k[kb.x + 31u] * m; s1 += k[kb.y + 31u] * m; s2 += k[kb.z + 31u] * m; s3 += k[kb.w + 31u] * m; }
  return mat4x4<f32>(s0, s1, s2, s3);
}

// acc = acc * diag(c) + V^T P^T over the key rows vb; pt = transpose(P): column r holds row r's p
// with the 4 keys.
fn update4(vb: vec4<u32>, c: vec4<f32>, pt: mat4x4<f32>) {
  if (HS4 > 0u) { let a = acc.m0; acc.m0 = mat4x4<f32>(a[0] * c.x, a[1] * c.y, a[2] * c.z, a[3] * c.w) + mat4x4<f32>(v[vb.x + 0u], v[vb.y + 0u], v[vb.z + 0u], v[vb.w + 0u]) * pt; }
  if (HS4 > 1u) { let a = acc.m1; acc.m1 = mat4x4<f32>(a[0] * c.x, a[1] * c.y, a[2] * c.z, a[3] * c.w) + mat4x4<f32>(v[vb.x + 1u], v[vb.y + 1u], v[vb.z + 1u], v[vb.w + 1u]) * pt; }
  if (HS4 > 2u) { let a = acc.m2; acc.m2 = mat4x4<f32>(a[0] * c.x, a[1] * c.y, a[2] * c.z, a[3] * c.w) + mat4x4<f32>(v[vb.x + 2u], v[vb.y + 2u], v[vb.z + 2u], v[vb.w + 2u]) * pt; }
  if (HS4 > 3u) { let a = acc.m3; acc.m3 = mat4x4<f32>(a[0] * c.x, a[1] * c.y, a[2] * c.z, a[3] * c.w) + mat4x4<f32>(v[vb.x + 3u], v[vb.y + 3u], v[vb.z + 3u], v[vb.w + 3u]) * pt; }
  if (HS4 > 4u) { let a = acc.m4; acc.m4 = mat4x4<f32>(a[0] * c.x, a[1] * c.y, a[2] * c.z, a[3] * c.w) + mat4x4<f32>(v[vb.x + 4u], v[vb.y + 4u], v[vb.z + 4u], v[vb.w + 4u]) * pt; }
  if (HS4 > 5u) { let a = acc.m5; acc.m5 = mat4x4<f32>(a[0] * c.x, a[1] * c.y, a[2] * c.z, a[3] * c.w) + mat4x4<f32>(v[vb.x + 5u], v[vb.y + 5u], v[vb.z + 5u], v[vb.w + 5u]) * pt; }
  if (HS4 > 6u) { let a = acc.m6; acc.m6 = mat4x4<f32>(a[0] * c.x, a[1] * c.y, a[2] * c.z, a[3] * c.w) + mat4x4<f32>(v[vb.x + 6u], v[vb.y + 6u], v[vb.z + 6u], v[vb.w + 6u]) * pt; }
  if (HS4 > 7u) { let a = acc.m7; acc.m7 = mat4x4<f32>(a[0] * c.x, a[1] * c.y, a[2] * c.z, a[3] * c.w) + mat4x4<f32>(v[vb.x + 7u], v[vb.y + 7u], v[vb.z + 7u], v[vb.w + 7u]) * pt; }
  if (HS4 > 8u) { let a = acc.m8; acc.m8 = mat4x4<f32>(a[0] * c.x, a[1] * c.y, a[2] * c.z, a[3] * c.w) + mat4x4<f32>(v[vb.x + 8u], v[vb.y + 8u], v[vb.z + 8u], v[vb.w + 8u]) * pt; }
  if (HS4 > 9u) { let a = acc.m9; acc.m9 = mat4x4<f32>(a[0] * c.x, a[1] * c.y, a[2] * c.z, a[3] * c.w) + mat4x4<f32>(v[vb.x + 9u], v[vb.y + 9u], v[vb.z + 9u], v[vb.w + 9u]) * pt; }
  if (HS4 > 10u) { let a = acc.m10; acc.m10 = mat4x4<f32>(a[0] * c.x, a[1] * c.y, a[2] * c.z, a[3] * c.w) + mat4x4<f32>(v[vb.x + 10u], v[vb.y + 10u], v[vb.z + 10u], v[vb.w + 10u]) * pt; }
  if (HS4 > 11u) { let a = acc.m11; acc.m11 = mat4x4<f32>(a[0] * c.x, a[1] * c.y, a[2] * c.z, a[3] * c.w) + mat4x4<f32>(v[vb.x + 11u], v[vb.y + 11u], v[vb.z + 11u], v[vb.w + 11u]) * pt; }
  if (HS4 > 12u) { let a = acc.m12; acc.m12 = mat4x4<f32>(a[0] * c.x, a[1] * c.y, a[2] * c.z, a[3] * c.w) + mat4x4<f32>(v[vb.x + 12u], v[vb.y + 12u], v[vb.z + 12u], v[vb.w + 12u]) * pt; }
  if (HS4 > 13u) { let a = acc.m13; acc.m13 = mat4x4<f32>(a[0] * c.x, a[1] * c.y, a[2] * c.z, a[3] * c.w) + mat4x4<f32>(v[vb.x + 13u], v[vb.y + 13u], v[vb.z + 13u], v[vb.w + 13u]) * pt; }
  if (HS4 > 14u) { let a = acc.m14; acc.m14 = mat4x4<f32>(a[0] * c.x, a[1] * c.y, a[2] * c.z, a[3] * c.w) + mat4x4<f32>(v[vb.x + 14u], v[vb.y + 14u], v[vb.z + 14u], v[vb.w + 14u]) * pt; }
  if (HS4 > 15u) { let a = acc.m15; acc.m15 = mat4x4<f32>(a[0] * c.x, a[1] * c.y, a[2] * c.z, a[3] * c.w) + mat4x4<f32>(v[vb.x + 15u], v[vb.y + 15u], v[vb.z + 15u], v[vb.w + 15u]) * pt; }
  if (HS4 > 16u) { let a = acc.m16; acc.m16 = mat4x4<f32>(a[0] * c.x, a[1] * c.y, a[2] * c.z, a[3] * c.w) + mat4x4<f32>(v[vb.x + 16u], v[vb.y + 16u], v[vb.z + 16u], v[vb.w + 16u]) * pt; }
  if (HS4 > 17u) { let a = acc.m17; acc.m17 = mat4x4<f32>(a[0] * c.x, a[1] * c.y, a[2] * c.z, a[3] * c.w) + mat4x4<f32>(v[vb.x + 17u], v[vb.y + 17u], v[vb.z + 17u], v[vb.w + 17u]) * pt; }
  if (HS4 > 18u) { let a = acc.m18; acc.m18 = mat4x4<f32>(a[0] * c.x, a[1] * c.y, a[2] * c.z, a[3] * c.w) + mat4x4<f32>(v[vb.x + 18u], v[vb.y + 18u], v[vb.z + 18u], v[vb.w + 18u]) * pt; }
  if (HS4 > 19u) { let a = acc.m19; acc.m19 = mat4x4<f32>(a[0] * c.x, a[1] * c.y, a[2] * c.z, a[3] * c.w) + mat4x4<f32>(v[vb.x + 19u], v[vb.y + 19u], v[vb.z + 19u], v[vb.w + 19u]) * pt; }
  if (HS4 > 20u) { let a = acc.m20; acc.m20 = mat4x4<f32>(a[0] * c.x, a[1] * c.y, a[2] * c.z, a[3] * c.w) + mat4x4<f32>(v[vb.x + 20u], v[vb.y + 20u], v[vb.z + 20u], v[vb.w + 20u]) * pt; }
  if (HS4 > 21u) { let a = acc.m21; acc.m21 = mat4x4<f32>(a[0] * c.x, a[1] * c.y, a[2] * c.z, a[3] * c.w) + mat4x4<f32>(v[vb.x + 21u], v[vb.y + 21u], v[vb.z + 21u], v[vb.w + 21u]) * pt; }
  if (HS4 > 22u) { let a = acc.m22; acc.m22 = mat4x4<f32>(a[0] * c.x, a[1] * c.y, a[2] * c.z, a[3] * c.w) + mat4x4<f32>(v[vb.x + 22u], v[vb.y + 22u], v[vb.z + 22u], v[vb.w + 22u]) * pt; }
  if (HS4 > 23u) { let a = acc.m23; acc.m23 = mat4x4<f32>(a[0] * c.x, a[1] * c.y, a[2] * c.z, a[3] * c.w) + mat4x4<f32>(v[vb.x + 23u], v[vb.y + 23u], v[vb.z + 23u], v[vb.w + 23u]) * pt; }
  if (HS4 > 24u) { let a = acc.m24; acc.m24 = mat4x4<f32>(a[0] * c.x, a[1] * c.y, a[2] * c.z, a[3] * c.w) + mat4x4<f32>(v[vb.x + 24u], v[vb.y + 24u], v[vb.z + 24u], v[vb.w + 24u]) * pt; }
  if (HS4 > 25u) { let a = acc.m25; acc.m25 = mat4x4<f32>(a[0] * c.x, a[1] * c.y, a[2] * c.z, a[3] * c.w) + mat4x4<f32>(v[vb.x + 25u], v[vb.y + 25u], v[vb.z + 25u], v[vb.w + 25u]) * pt; }
  if (HS4 > 26u) { let a = acc.m26; acc.m26 = mat4x4<f32>(a[0] * c.x, a[1] * c.y, a[2] * c.z, a[3] * c.w) + mat4x4<f32>(v[vb.x + 26u], v[vb.y + 26u], v[vb.z + 26u], v[vb.w + 26u]) * pt; }
  if (HS4 > 27u) { let a = acc.m27; acc.m27 = mat4x4<f32>(a[0] * c.x, a[1] * c.y, a[2] * c.z, a[3] * c.w) + mat4x4<f32>(v[vb.x + 27u], v[vb.y + 27u], v[vb.z + 27u], v[vb.w + 27u]) * pt; }
  if (HS4 > 28u) { let a = acc.m28; acc.m28 = mat4x4<f32>(a[0] * c.x, a[1] * c.y, a[2] * c.z, a[3] * c.w) + mat4x4<f32>(v[vb.x + 28u], v[vb.y + 28u], v[vb.z + 28u], v[vb.w + 28u]) * pt; }
  if (HS4 > 29u) { let a = acc.m29; acc.m29 = mat4x4<f32>(a[0] * c.x, a[1] * c.y, a[2] * c.z, a[3] * c.w) + mat4x4<f32>(v[vb.x + 29u], v[vb.y + 29u], v[vb.z + 29u], v[vb.w + 29u]) * pt; }
  if (HS4 > 30u) { let a = acc.m30; acc.m30 = mat4x4<f32>(a[0] * c.x, a[1] * c.y, a[2] * c.z, a[3] * c.w) + mat4x4<f32>(v[vb.x + 30u], v[vb.y + 30u], v[vb.z + 30u], v[vb.w + 30u]) * pt; }
  if (HS4 > 31u) { let a = acc.m31; acc.m31 = mat4x4<f32>(a[0] * c.x, a[1] * c.y, a[2] * c.z, a[3] * c.w) + mat4x4<f32>(v[vb.x + 31u], v[vb.y + 31u], v[vb.z + 31u], v[vb.w + 31u]) * pt; }
}

fn store_row(b: u32, r: u32, inv: f32) {
  if (HS4 > 0u) { out[b + 0u] = acc.m0[r] * inv; }
  if (HS4 > 1u) { out[b + 1u] = acc.m1[r] * inv; }
  if (HS4 > 2u) { out[b + 2u] = acc.m2[r] * inv; }
  if (HS4 > 3u) { out[b + 3u] = acc.m3[r] * inv; }
  if (HS4 > 4u) { out[b + 4u] = acc.m4[r] * inv; }
  if (HS4 > 5u) { out[b + 5u] = acc.m5[r] * inv; }
  if (HS4 > 6u) { out[b + 6u] = acc.m6[r] * inv; }
  if (HS4 > 7u) { out[b + 7u] = acc.m7[r] * inv; }
  if (HS4 > 8u) { out[b + 8u] = acc.m8[r] * inv; }
  if (HS4 > 9u) { out[b + 9u] = acc.m9[r] * inv; }
  if (HS4 > 10u) { out[b + 10u] = acc.m10[r] * inv; }
  if (HS4 > 11u) { out[b + 11u] = acc.m11[r] * inv; }
  if (HS4 > 12u) { out[b + 12u] = acc.m12[r] * inv; }
  if (HS4 > 13u) { out[b + 13u] = acc.m13[r] * inv; }
  if (HS4 > 14u) { out[b + 14u] = acc.m14[r] * inv; }
  if (HS4 > 15u) { out[b + 15u] = acc.m15[r] * inv; }
  if (HS4 > 16u) { out[b + 16u] = acc.m16[r] * inv; }
  if (HS4 > 17u) { out[b + 17u] = acc.m17[r] * inv; }
  if (HS4 > 18u) { out[b + 18u] = acc.m18[r] * inv; }
  if (HS4 > 19u) { out[b + 19u] = acc.m19[r] * inv; }
  if (HS4 > 20u) { out[b + 20u] = acc.m20[r] * inv; }
  if (HS4 > 21u) { out[b + 21u] = acc.m21[r] * inv; }
  if (HS4 > 22u) { out[b + 22u] = acc.m22[r] * inv; }
  if (HS4 > 23u) { out[b + 23u] = acc.m23[r] * inv; }
  if (HS4 > 24u) { out[b + 24u] = acc.m24[r] * inv; }
  if (HS4 > 25u) { out[b + 25u] = acc.m25[r] * inv; }
  if (HS4 > 26u) { out[b + 26u] = acc.m26[r] * inv; }
  if (HS4 > 27u) { out[b + 27u] = acc.m27[r] * inv; }
  if (HS4 > 28u) { out[b + 28u] = acc.m28[r] * inv; }
  if (HS4 > 29u) { out[b + 29u] = acc.m29[r] * inv; }
  if (HS4 > 30u) { out[b + 30u] = acc.m30[r] * inv; }
  if (HS4 > 31u) { out[b + 31u] = acc.m31[r] * inv; }
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
  let rc = min(rows, vec4<u32>(T - 1u)); // rows past T recompute row T-1 and are not stored
  let st = vec4<u32>(starts[rc.x], starts[rc.y], starts[rc.z], starts[rc.w]);
  load_q((rc * NH + h) * HS4, params.scale);
  acc = Blk();
  var m = vec4<f32>(NEG);
  var l = vec4<f32>(0.0);
  let jend = rc.w;
  for (var j = st.x; j <= jend; j += 4u) {
    let jc = vec4<u32>(j) + vec4<u32>(0u, 1u, 2u, 3u);
    let kr = (min(jc, vec4<u32>(jend)) * NKV + g) * HS4;
    let S = scores4(kr);
    let ok0 = (st <= vec4<u32>(jc.x)) & (vec4<u32>(jc.x) <= rc);
    let ok1 = (st <= vec4<u32>(jc.y)) & (vec4<u32>(jc.y) <= rc);
    let ok2 = (st <= vec4<u32>(jc.z)) & (vec4<u32>(jc.z) <= rc);
    let ok3 = (st <= vec4<u32>(jc.w)) & (vec4<u32>(jc.w) <= rc);
    let mb = max(max(select(vec4<f32>(NEG), S[0], ok0), select(vec4<f32>(NEG), S[1], ok1)),
                 max(select(vec4<f32>(NEG), S[2], ok2), select(vec4<f32>(NEG), S[3], ok3)));
    let mn = max(m, mb);
    let corr = exp(m - mn);
    let p0 = select(vec4<f32>(0.0), exp(S[0] - mn), ok0);
    let p1 = select(vec4<f32>(0.0), exp(S[1] - mn), ok1);
    let p2 = select(vec4<f32>(0.0), exp(S[2] - mn), ok2);
    let p3 = select(vec4<f32>(0.0), exp(S[3] - mn), ok3);
    l = l * corr + (p0 + p1) + (p2 + p3);
    update4(kr, corr, transpose(mat4x4<f32>(p0, p1, p2, p3)));
    m = mn;
  }
  let inv = 1.0 / l;
  let ob = (rows * NH + h) * HS4;
  store_row(ob.x, 0u, inv.x);
  lse[rows.x * NH + h] = m.x + log(l.x);
  if (rows.y < T) {
    store_row(ob.y, 1u, inv.y);
    lse[rows.y * NH + h] = m.y + log(l.y);
  }
  if (rows.z < T) {
    store_row(ob.z, 2u, inv.z);
    lse[rows.z * NH + h] = m.z + log(l.z);
  }
  if (rows.w < T) {
    store_row(ob.w, 3u, inv.w);
    lse[rows.w * NH + h] = m.w + log(l.w);
  }
}
