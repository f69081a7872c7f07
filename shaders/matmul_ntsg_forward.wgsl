// matmul_ntsg_forward: matmul_nt_forward.wgsl (Y = X·Wᵀ, vec4 loads along K, a 4 × 8 block of C
// per invocation) with the loads of B shared across a subgroup. All invocations of a workgroup own
// the same 8 columns of C (one workgroup row, WG_Y = 1) and different 4-row blocks; in each step of
// the K loop lanes 0..3 of every subgroup load two of the 8 rows of B each, and every lane takes
// the 8 vec4s with subgroupBroadcast: 4 + 2 loads per step instead of 4 + 8. On SwiftShader (4-wide
// subgroups, every lane's load a gather with a bounds check) this ran 1.2-1.45× faster than
// matmul_nt_forward.wgsl on the LLM shapes, with bit-identical results (same order of operations).
//
// Needs the 'subgroups' feature and subgroups of 4 to 64 invocations (the launcher checks the
// adapter's subgroupMinSize / subgroupMaxSize); correct for any layout of invocations into
// subgroups since every invocation of the workgroup shares the columns. No early return: every
// lane reaches every broadcast (rows past M are clamped for loads and masked on store).
//
//   c (M, N) = alpha · a (M, K) · b (N, K)ᵀ  (+ bias)  (+ c)    layouts as matmul_nt_forward.wgsl
// K must be a multiple of 4.
//
// Dispatch: workgroup (WG_X, 1); grid (ceil(M / (4·WG_X)), ceil(N / 8), 1).
// Override constants: WG_X (a multiple of the subgroup size, default 64), B_DTYPE (0 f32, 1 bf16,
// 2 f16).

enable subgroups;

override WG_X: u32 = 64u;
override B_DTYPE: u32 = 1u;

struct Params {
  m: u32,
  n: u32,
  k: u32,
  flags: u32, // bit 0: add bias; bit 1: accumulate into c
  alpha: f32,
}

@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> b: array<vec2<u32>>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
// The same buffer as b, viewed as f32 vec4s: an f32 B needs one load per 4 elements, not two.
@group(0) @binding(4) var<storage, read> b32: array<vec4<f32>>;
@group(0) @binding(5) var<uniform> params: Params;

// Four consecutive elements of B starting at element 4·q, as f32.
fn load_b4(q: u32) -> vec4<f32> {
  if (B_DTYPE == 0u) {
    return b32[q];
  }
  let w = b[q];
  if (B_DTYPE == 1u) {
    return vec4<f32>(
      bitcast<f32>(w.x << 16u),
      bitcast<f32>(w.x & 0xffff0000u),
      bitcast<f32>(w.y << 16u),
      bitcast<f32>(w.y & 0xffff0000u),
    );
  }
  return vec4<f32>(unpack2x16float(w.x), unpack2x16float(w.y));
}

fn store(row: u32, col: u32, acc: f32) {
  if (row >= params.m || col >= params.n) {
    return;
  }
  var v = params.alpha * acc;
  if ((params.flags & 1u) != 0u) {
    v += bias[col];
  }
  let e = row * params.n + col;
  if ((params.flags & 2u) != 0u) {
    v += c[e];
  }
  c[e] = v;
}

@compute @workgroup_size(WG_X, 1, 1)
fn main(
  @builtin(global_invocation_id) gid: vec3<u32>,
  @builtin(subgroup_invocation_id) lane: u32,
) {
  let m = params.m;
  let n = params.n;
  let k4 = params.k / 4u;
  let row0 = gid.x * 4u;
  let col0 = gid.y * 8u;
  // Clamped vec4 offsets of this lane's 4 rows of A, and of the two rows of B it loads for the
  // subgroup (lanes >= 4 load a clamped row nobody reads).
  let ra0 = min(row0 + 0u, m - 1u) * k4;
  let ra1 = min(row0 + 1u, m - 1u) * k4;
  let ra2 = min(row0 + 2u, m - 1u) * k4;
  let ra3 = min(row0 + 3u, m - 1u) * k4;
  let rbe = min(col0 + 2u * lane, n - 1u) * k4;
  let rbo = min(col0 + 2u * lane + 1u, n - 1u) * k4;
  var c00 = 0.0; var c01 = 0.0; var c02 = 0.0; var c03 = 0.0; var c04 = 0.0; var c05 = 0.0; var c06 = 0.0; var c07 = 0.0;
  var c10 = 0.0; var c11 = 0.0; var c12 = 0.0; var c13 = 0.0; var c14 = 0.0; var c15 = 0.0; var c16 = 0.0; var c17 = 0.0;
  var c20 = 0.0; var c21 = 0.0; var c22 = 0.0; var c23 = 0.0; var c24 = 0.0; var c25 = 0.0; var c26 = 0.0; var c27 = 0.0;
  var c30 = 0.0; var c31 = 0.0; var c32 = 0.0; var c33 = 0.0; var c34 = 0.0; var c35 = 0.0; var c36 = 0.0; var c37 = 0.0;
  for (var p = 0u; p < k4; p += 1u) {
    let a0 = a[ra0 + p];
    let a1 = a[ra1 + p];
    let a2 = a[ra2 + p];
    let a3 = a[ra3 + p];
    let be = load_b4(rbe + p);
    let bo = load_b4(rbo + p);
    let b0 = subgroupBroadcast(be, 0u);
    let b1 = subgroupBroadcast(bo, 0u);
    let b2 = subgroupBroadcast(be, 1u);
    let b3 = subgroupBroadcast(bo, 1u);
    let b4 = subgroupBroadcast(be, 2u);
    let b5 = subgroupBroadcast(bo, 2u);
    let b6 = subgroupBroadcast(be, 3u);
    let b7 = subgroupBroadcast(bo, 3u);
    c00 += dot(a0, b0);
    c01 += dot(a0, b1);
    c02 += dot(a0, b2);
    c03 += dot(a0, b3);
    c04 += dot(a0, b4);
    c05 += dot(a0, b5);
    c06 += dot(a0, b6);
    c07 += dot(a0, b7);
    c10 += dot(a1, b0);
    c11 += dot(a1, b1);
    c12 += dot(a1, b2);
    c13 += dot(a1, b3);
    c14 += dot(a1, b4);
    c15 += dot(a1, b5);
    c16 += dot(a1, b6);
    c17 += dot(a1, b7);
    c20 += dot(a2, b0);
    c21 += dot(a2, b1);
    c22 += dot(a2, b2);
    c23 += dot(a2, b3);
    c24 += dot(a2, b4);
    c25 += dot(a2, b5);
    c26 += dot(a2, b6);
    c27 += dot(a2, b7);
    c30 += dot(a3, b0);
    c31 += dot(a3, b1);
    c32 += dot(a3, b2);
    c33 += dot(a3, b3);
    c34 += dot(a3, b4);
    c35 += dot(a3, b5);
    c36 += dot(a3, b6);
    c37 += dot(a3, b7);
  }
  store(row0 + 0u, col0 + 0u, c00);
  store(row0 + 0u, col0 + 1u, c01);
  store(row0 + 0u, col0 + 2u, c02);
  store(row0 + 0u, col0 + 3u, c03);
  store(row0 + 0u, col0 + 4u, c04);
  store(row0 + 0u, col0 + 5u, c05);
  store(row0 + 0u, col0 + 6u, c06);
  store(row0 + 0u, col0 + 7u, c07);
  store(row0 + 1u, col0 + 0u, c10);
  store(row0 + 1u, col0 + 1u, c11);
  store(row0 + 1u, col0 + 2u, c12);
  store(row0 + 1u, col0 + 3u, c13);
  store(row0 + 1u, col0 + 4u, c14);
  store(row0 + 1u, col0 + 5u, c15);
  store(row0 + 1u, col0 + 6u, c16);
  store(row0 + 1u, col0 + 7u, c17);
  store(row0 + 2u, col0 + 0u, c20);
  store(row0 + 2u, col0 + 1u, c21);
  store(row0 + 2u, col0 + 2u, c22);
  store(row0 + 2u, col0 + 3u, c23);
  store(row0 + 2u, col0 + 4u, c24);
  store(row0 + 2u, col0 + 5u, c25);
  store(row0 + 2u, col0 + 6u, c26);
  store(row0 + 2u, col0 + 7u, c27);
  store(row0 + 3u, col0 + 0u, c30);
  store(row0 + 3u, col0 + 1u, c31);
  store(row0 + 3u, col0 + 2u, c32);
  store(row0 + 3u, col0 + 3u, c33);
  store(row0 + 3u, col0 + 4u, c34);
  store(row0 + 3u, col0 + 5u, c35);
  store(row0 + 3u, col0 + 6u, c36);
  store(row0 + 3u, col0 + 7u, c37);
}
