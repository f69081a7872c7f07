// matmul_nt_forward: the forward of a linear layer, Y = X·Wᵀ, with vec4 loads along K
//
//   c (M, N) = alpha · a (M, K) · b (N, K)ᵀ  (+ bias)  (+ c)
//
//   a    (M, K) f32, read as vec4 along K
//   b    (N, K) B_DTYPE, read along K as vec2<u32> (4 elements of bf16 / f16 per load, two per
//        u32, low half first: the raw bytes of a safetensors tensor) or, for f32 (B_DTYPE 0),
//        through b32, the same buffer bound again as vec4<f32>
//   bias (N) f32, added when flags bit 0 is set (bind any buffer otherwise)
//   c    (M, N) f32: = when flags bit 1 is clear, += when it is set
// K must be a multiple of 4 (src/kernels/matmul.ts falls back to matmul_forward.wgsl otherwise).
//
// Each invocation owns a 4 × 8 block of C in 32 named scalar registers. One step of the K loop
// loads 4 vec4 of A and 8 of B (12 loads) for 128 multiply-adds, as dot(vec4, vec4). On
// SwiftShader every lane's load is a gather with a bounds check, so loads, not FMAs, bound the
// scalar kernel (8 + 8 loads per 64 FMAs); vec4 loads along the contiguous K halve the load count
// per FMA and ran 1.6-1.9× faster on the LLM shapes (512³ … 2048×1536×576). 4 × 8 beat 8 × 8 here
// (64 vec4-wide accumulators spill) and 4 × 4 (too few FMAs per load). Named registers, not arrays:
// arrays indexed in a loop ran 8-10× slower. Rows and columns past M / N are clamped for loads and
// masked on store, so the loop has no branch.
//
// ROWS = 1 makes it a 1 × 8 block (the other rows' code is compiled out): for M = 1, decoding one
// token, where 4-row blocks would compute 3 clamped copies of the same row (2× slower measured).
//
// Dispatch: workgroup (WG_X, WG_Y); grid (ceil(N / (8·WG_X)), ceil(M / (ROWS·WG_Y)), 1).
// Override constants: WG_X, WG_Y (autotuned), B_DTYPE (0 f32, 1 bf16, 2 f16), ROWS (4 or 1).

override WG_X: u32 = 16u;
override WG_Y: u32 = 4u;
override B_DTYPE: u32 = 1u;
override ROWS: u32 = 4u; // 4, or 1 for matrix-vector products (decoding one token)

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

@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let m = params.m;
  let n = params.n;
  let k4 = params.k / 4u;
  let row0 = gid.y * ROWS;
  let col0 = gid.x * 8u;
  if (row0 >= m || col0 >= n) {
    return;
  }
  // Clamped vec4 offsets of the 4 rows of A and the 8 rows of B (columns of C).
  let ra0 = min(row0 + 0u, m - 1u) * k4;
  let ra1 = min(row0 + 1u, m - 1u) * k4;
  let ra2 = min(row0 + 2u, m - 1u) * k4;
  let ra3 = min(row0 + 3u, m - 1u) * k4;
  let rb0 = min(col0 + 0u, n - 1u) * k4;
  let rb1 = min(col0 + 1u, n - 1u) * k4;
  let rb2 = min(col0 + 2u, n - 1u) * k4;
  let rb3 = min(col0 + 3u, n - 1u) * k4;
  let rb4 = min(col0 + 4u, n - 1u) * k4;
  let rb5 = min(col0 + 5u, n - 1u) * k4;
  let rb6 = min(col0 + 6u, n - 1u) * k4;
  let rb7 = min(col0 + 7u, n - 1u) * k4;
  var c00 = 0.0; var c01 = 0.0; var c02 = 0.0; var c03 = 0.0; var c04 = 0.0; var c05 = 0.0; var c06 = 0.0; var c07 = 0.0;
  var c10 = 0.0; var c11 = 0.0; var c12 = 0.0; var c13 = 0.0; var c14 = 0.0; var c15 = 0.0; var c16 = 0.0; var c17 = 0.0;
  var c20 = 0.0; var c21 = 0.0; var c22 = 0.0; var c23 = 0.0; var c24 = 0.0; var c25 = 0.0; var c26 = 0.0; var c27 = 0.0;
  var c30 = 0.0; var c31 = 0.0; var c32 = 0.0; var c33 = 0.0; var c34 = 0.0; var c35 = 0.0; var c36 = 0.0; var c37 = 0.0;
  for (var p = 0u; p < k4; p += 1u) {
    let a0 = a[ra0 + p];
    let b0 = load_b4(rb0 + p);
    let b1 = load_b4(rb1 + p);
    let b2 = load_b4(rb2 + p);
    let b3 = load_b4(rb3 + p);
    let b4 = load_b4(rb4 + p);
    let b5 = load_b4(rb5 + p);
    let b6 = load_b4(rb6 + p);
    let b7 = load_b4(rb7 + p);
    c00 += dot(a0, b0);
    c01 += dot(a0, b1);
    c02 += dot(a0, b2);
    c03 += dot(a0, b3);
    c04 += dot(a0, b4);
    c05 += dot(a0, b5);
    c06 += dot(a0, b6);
    c07 += dot(a0, b7);
    if (ROWS == 4u) {
      let a1 = a[ra1 + p];
      let a2 = a[ra2 + p];
      let a3 = a[ra3 + p];
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
  }
  store(row0, col0 + 0u, c00);
  store(row0, col0 + 1u, c01);
  store(row0, col0 + 2u, c02);
  store(row0, col0 + 3u, c03);
  store(row0, col0 + 4u, c04);
  store(row0, col0 + 5u, c05);
  store(row0, col0 + 6u, c06);
  store(row0, col0 + 7u, c07);
  if (ROWS == 4u) {
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
}
