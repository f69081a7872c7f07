// matmul_nn_forward: the input gradient of a linear layer, dX = dY·W, with vec4 loads
//
//   c (M, N) = alpha · a (M, K) · b (K, N)  (+ c)        (layer letters: dX (M, in) = dY (M, out) · W (out, in))
//
//   a    (M, K) f32, read as vec4 along K (the reduction)
//   b    (K, N) B_DTYPE, read along N as vec2<u32> (4 elements of bf16 / f16 per load, two per
//        u32, low half first) or, for f32 (B_DTYPE 0), through b32 (the same buffer as vec4<f32>)
//   bias unused (bound for the shared layout of the matmul kernels; flags bit 0 must be clear)
//   c    (M, N) f32: = when flags bit 1 is clear, += when it is set
// K and N must be multiples of 4 (src/kernels/matmul.ts falls back to matmul_forward.wgsl otherwise).
//
// Each invocation owns 4 rows × 8 columns of C, as two vec4 registers per row. One step of the
// reduction loop takes 4 values of K: 4 vec4 loads of A (one per row) and 8 of B (4 rows of B ×
// 2 column quads) for 128 multiply-adds. Same reasoning as matmul_nt_forward.wgsl: on SwiftShader
// loads bound the scalar kernel; vec4 loads along the contiguous dimension of each operand halve
// the loads per FMA. Rows past M and column quads past N are clamped for loads, masked on store.
//
// Dispatch: workgroup (WG_X, WG_Y); grid (ceil(N / (8·WG_X)), ceil(M / (4·WG_Y)), 1).
// Override constants: WG_X, WG_Y (autotuned), B_DTYPE (0 f32, 1 bf16, 2 f16).

override WG_X: u32 = 16u;
override WG_Y: u32 = 4u;
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

fn store4(row: u32, col: u32, acc: vec4<f32>) {
  store(row, col, acc.x);
  store(row, col + 1u, acc.y);
  store(row, col + 2u, acc.z);
  store(row, col + 3u, acc.w);
}

@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let m = params.m;
  let n4 = params.n / 4u;
  let k4 = params.k / 4u;
  let row0 = gid.y * 4u;
  let q0 = gid.x * 2u; // first column quad
  if (row0 >= m || q0 >= n4) {
    return;
  }
  // Clamped vec4 offsets of the 4 rows of A; column quads of B (the second clamped).
  let ra0 = min(row0 + 0u, m - 1u) * k4;
  let ra1 = min(row0 + 1u, m - 1u) * k4;
  let ra2 = min(row0 + 2u, m - 1u) * k4;
  let ra3 = min(row0 + 3u, m - 1u) * k4;
  let qa = q0;
  let qb = min(q0 + 1u, n4 - 1u);
  var c0a = vec4<f32>(0.0);
  var c0b = vec4<f32>(0.0);
  var c1a = vec4<f32>(0.0);
  var c1b = vec4<f32>(0.0);
  var c2a = vec4<f32>(0.0);
  var c2b = vec4<f32>(0.0);
  var c3a = vec4<f32>(0.0);
  var c3b = vec4<f32>(0.0);
  var rb = 0u; // vec4 offset of B's row 4·p
  for (var p = 0u; p < k4; p += 1u) {
    let a0 = a[ra0 + p];
    let a1 = a[ra1 + p];
    let a2 = a[ra2 + p];
    let a3 = a[ra3 + p];
    let b0a = load_b4(rb + 0u * n4 + qa);
    let b0b = load_b4(rb + 0u * n4 + qb);
    let b1a = load_b4(rb + 1u * n4 + qa);
    let b1b = load_b4(rb + 1u * n4 + qb);
    let b2a = load_b4(rb + 2u * n4 + qa);
    let b2b = load_b4(rb + 2u * n4 + qb);
    let b3a = load_b4(rb + 3u * n4 + qa);
    let b3b = load_b4(rb + 3u * n4 + qb);
    c0a += a0.x * b0a + a0.y * b1a + a0.z * b2a + a0.w * b3a;
    c0b += a0.x * b0b + a0.y * b1b + a0.z * b2b + a0.w * b3b;
    c1a += a1.x * b0a + a1.y * b1a + a1.z * b2a + a1.w * b3a;
    c1b += a1.x * b0b + a1.y * b1b + a1.z * b2b + a1.w * b3b;
    c2a += a2.x * b0a + a2.y * b1a + a2.z * b2a + a2.w * b3a;
    c2b += a2.x * b0b + a2.y * b1b + a2.z * b2b + a2.w * b3b;
    c3a += a3.x * b0a + a3.y * b1a + a3.z * b2a + a3.w * b3a;
    c3b += a3.x * b0b + a3.y * b1b + a3.z * b2b + a3.w * b3b;
    rb += 4u * n4;
  }
  store4(row0 + 0u, 4u * qa, c0a);
  if (q0 + 1u < n4) {
    store4(row0 + 0u, 4u * qb, c0b);
  }
  store4(row0 + 1u, 4u * qa, c1a);
  if (q0 + 1u < n4) {
    store4(row0 + 1u, 4u * qb, c1b);
  }
  store4(row0 + 2u, 4u * qa, c2a);
  if (q0 + 1u < n4) {
    store4(row0 + 2u, 4u * qb, c2b);
  }
  store4(row0 + 3u, 4u * qa, c3a);
  if (q0 + 1u < n4) {
    store4(row0 + 3u, 4u * qb, c3b);
  }
}
