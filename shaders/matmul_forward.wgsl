// matmul_forward: the matmuls of a linear layer, as one strided, register-blocked kernel
//
//   C (M, N) = alpha · op(A) · op(B)  (+ bias)  (+ C),  reduction over K
//
// op(A)[i, p] = a[i·sa_i + p·sa_k] and op(B)[p, j] = b[p·sb_k + j·sb_j] (strides in elements, in
// Params), so the same code runs every form a linear layer Y = X·Wᵀ needs (W (N_out, K_in) as
// Hugging Face stores it); src/kernels/matmul.ts sets the strides:
//
//   forward        Y  = X·Wᵀ    a = X (M, K)           b = W (N, K)     sa = (K, 1)  sb = (1, K)
//   input grad     dX = dY·W    a = dY (M, N_out)      b = W (N_out, K) sa = (N, 1)  sb = (K, 1)
//   weight grad    dW = dYᵀ·X   a = dY (rows, N_out)   b = X (rows, K)  sa = (1, N)  sb = (K, 1)
//
//   a    f32
//   b    B_DTYPE: 0 f32 (one per u32), 1 bf16, 2 f16 (two per u32: element e in word e/2, low half
//        first, i.e. the raw bytes of a safetensors tensor; f16 goes through unpack2x16float, so it
//        needs no shader-f16)
//   bias (N) f32, added when flags bit 0 is set (bind any buffer otherwise)
//   c    (M, N) f32: c = alpha·acc (+ bias)      when flags bit 1 is clear   (=)
//                    c += alpha·acc (+ bias)     when flags bit 1 is set     (+=)
//
// Each invocation owns an 8×8 block of C in 64 scalar registers and walks K one step at a time:
// 8 loads of A, 8 of B, 64 multiply-adds. No workgroup memory and no branch in the loop: rows and
// columns past M/N are clamped for loads and masked on store. On SwiftShader (every lane's load is
// a gather, every branch runs both sides) this beats shared-memory tiling 2× (DESIGN.md); on
// discrete GPUs the autotuner still picks the workgroup shape.
//
// Dispatch: workgroup (WG_X, WG_Y); grid (ceil(N / (8·WG_X)), ceil(M / (8·WG_Y)), 1).
// Override constants: WG_X, WG_Y (autotuned), B_DTYPE.

override WG_X: u32 = 8u;
override WG_Y: u32 = 8u;
override B_DTYPE: u32 = 0u;

struct Params {
  m: u32,
  n: u32,
  k: u32,
  flags: u32, // bit 0: add bias; bit 1: accumulate into c
  alpha: f32,
  sa_i: u32, // stride of A between rows of op(A)
  sa_k: u32, // stride of A along K
  sb_k: u32, // stride of B along K
  sb_j: u32, // stride of B between columns of op(B)
}

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<u32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

// Element e of B as f32.
fn b_at(e: u32) -> f32 {
  if (B_DTYPE == 0u) {
    return bitcast<f32>(b[e]);
  }
  let word = b[e >> 1u];
  let odd = (e & 1u) == 1u;
  if (B_DTYPE == 1u) {
    return bitcast<f32>(select(word << 16u, word & 0xffff0000u, odd));
  }
  let v = unpack2x16float(word);
  return select(v.x, v.y, odd);
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
  let row0 = gid.y * 8u;
  let col0 = gid.x * 8u;
  if (row0 >= m || col0 >= n) {
    return;
  }
  // Clamped element offsets of the 8 rows of op(A) and the 8 columns of op(B).
  let ra0 = min(row0 + 0u, m - 1u) * params.sa_i;
  let ra1 = min(row0 + 1u, m - 1u) * params.sa_i;
  let ra2 = min(row0 + 2u, m - 1u) * params.sa_i;
  let ra3 = min(row0 + 3u, m - 1u) * params.sa_i;
  let ra4 = min(row0 + 4u, m - 1u) * params.sa_i;
  let ra5 = min(row0 + 5u, m - 1u) * params.sa_i;
  let ra6 = min(row0 + 6u, m - 1u) * params.sa_i;
  let ra7 = min(row0 + 7u, m - 1u) * params.sa_i;
  let cb0 = min(col0 + 0u, n - 1u) * params.sb_j;
  let cb1 = min(col0 + 1u, n - 1u) * params.sb_j;
  let cb2 = min(col0 + 2u, n - 1u) * params.sb_j;
  let cb3 = min(col0 + 3u, n - 1u) * params.sb_j;
  let cb4 = min(col0 + 4u, n - 1u) * params.sb_j;
  let cb5 = min(col0 + 5u, n - 1u) * params.sb_j;
  let cb6 = min(col0 + 6u, n - 1u) * params.sb_j;
  let cb7 = min(col0 + 7u, n - 1u) * params.sb_j;
  var c00 = 0.0; var c01 = 0.0; var c02 = 0.0; var c03 = 0.0; var c04 = 0.0; var c05 = 0.0; var c06 = 0.0; var c07 = 0.0;
  var c10 = 0.0; var c11 = 0.0; var c12 = 0.0; var c13 = 0.0; var c14 = 0.0; var c15 = 0.0; var c16 = 0.0; var c17 = 0.0;
  var c20 = 0.0; var c21 = 0.0; var c22 = 0.0; var c23 = 0.0; var c24 = 0.0; var c25 = 0.0; var c26 = 0.0; var c27 = 0.0;
  var c30 = 0.0; var c31 = 0.0; var c32 = 0.0; var c33 = 0.0; var c34 = 0.0; var c35 = 0.0; var c36 = 0.0; var c37 = 0.0;
  var c40 = 0.0; var c41 = 0.0; var c42 = 0.0; var c43 = 0.0; var c44 = 0.0; var c45 = 0.0; var c46 = 0.0; var c47 = 0.0;
  var c50 = 0.0; var c51 = 0.0; var c52 = 0.0; var c53 = 0.0; var c54 = 0.0; var c55 = 0.0; var c56 = 0.0; var c57 = 0.0;
  var c60 = 0.0; var c61 = 0.0; var c62 = 0.0; var c63 = 0.0; var c64 = 0.0; var c65 = 0.0; var c66 = 0.0; var c67 = 0.0;
  var c70 = 0.0; var c71 = 0.0; var c72 = 0.0; var c73 = 0.0; var c74 = 0.0; var c75 = 0.0; var c76 = 0.0; var c77 = 0.0;
  var oa = 0u;
  var ob = 0u;
  for (var p = 0u; p < params.k; p += 1u) {
    let a0 = a[ra0 + oa];
    let a1 = a[ra1 + oa];
    let a2 = a[ra2 + oa];
    let a3 = a[ra3 + oa];
    let a4 = a[ra4 + oa];
    let a5 = a[ra5 + oa];
    let a6 = a[ra6 + oa];
    let a7 = a[ra7 + oa];
    let b0 = b_at(cb0 + ob);
    let b1 = b_at(cb1 + ob);
    let b2 = b_at(cb2 + ob);
    let b3 = b_at(cb3 + ob);
    let b4 = b_at(cb4 + ob);
    let b5 = b_at(cb5 + ob);
    let b6 = b_at(cb6 + ob);
    let b7 = b_at(cb7 + ob);
    c00 += a0 * b0;
    c01 += a0 * b1;
    c02 += a0 * b2;
    c03 += a0 * b3;
    c04 += a0 * b4;
    c05 += a0 * b5;
    c06 += a0 * b6;
    c07 += a0 * b7;
    c10 += a1 * b0;
    c11 += a1 * b1;
    c12 += a1 * b2;
    c13 += a1 * b3;
    c14 += a1 * b4;
    c15 += a1 * b5;
    c16 += a1 * b6;
    c17 += a1 * b7;
    c20 += a2 * b0;
    c21 += a2 * b1;
    c22 += a2 * b2;
    c23 += a2 * b3;
    c24 += a2 * b4;
    c25 += a2 * b5;
    c26 += a2 * b6;
    c27 += a2 * b7;
    c30 += a3 * b0;
    c31 += a3 * b1;
    c32 += a3 * b2;
    c33 += a3 * b3;
    c34 += a3 * b4;
    c35 += a3 * b5;
    c36 += a3 * b6;
    c37 += a3 * b7;
    c40 += a4 * b0;
    c41 += a4 * b1;
    c42 += a4 * b2;
    c43 += a4 * b3;
    c44 += a4 * b4;
    c45 += a4 * b5;
    c46 += a4 * b6;
    c47 += a4 * b7;
    c50 += a5 * b0;
    c51 += a5 * b1;
    c52 += a5 * b2;
    c53 += a5 * b3;
    c54 += a5 * b4;
    c55 += a5 * b5;
    c56 += a5 * b6;
    c57 += a5 * b7;
    c60 += a6 * b0;
    c61 += a6 * b1;
    c62 += a6 * b2;
    c63 += a6 * b3;
    c64 += a6 * b4;
    c65 += a6 * b5;
    c66 += a6 * b6;
    c67 += a6 * b7;
    c70 += a7 * b0;
    c71 += a7 * b1;
    c72 += a7 * b2;
    c73 += a7 * b3;
    c74 += a7 * b4;
    c75 += a7 * b5;
    c76 += a7 * b6;
    c77 += a7 * b7;
    oa += params.sa_k;
    ob += params.sb_k;
  }
  // Epilogue as a loop over a private copy: one inlined store instead of 64 keeps compile time
  // down (SwiftShader JIT), at the cost of a few private-memory moves per invocation.
  let acc = array<f32, 64>(
    c00, c01, c02, c03, c04, c05, c06, c07,
    c10, c11, c12, c13, c14, c15, c16, c17,
    c20, c21, c22, c23, c24, c25, c26, c27,
    c30, c31, c32, c33, c34, c35, c36, c37,
    c40, c41, c42, c43, c44, c45, c46, c47,
    c50, c51, c52, c53, c54, c55, c56, c57,
    c60, c61, c62, c63, c64, c65, c66, c67,
    c70, c71, c72, c73, c74, c75, c76, c77,
  );
  for (var t = 0u; t < 64u; t += 1u) {
    store(row0 + t / 8u, col0 + t % 8u, acc[t]);
  }
}
