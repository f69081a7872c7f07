// lora_forward: the LoRA branch of a linear layer, fused into one skinny-shape kernel,
//
//   h = x·aᵀ                    (M, R)   saved for the backward                        (=)
//   y += scale · h·bᵀ           (M, N)   added into the base layer's output            (+=)
//                                        (y = … when flags bit 1 is clear)
//
//   x (M, K) f32   M = B·T rows, K = in_features (the LoRA input: dropout(x) if dropout is on)
//   a (R, K) f32   lora_A.weight, R = rank
//   b (N, R) f32   lora_B.weight, N = out_features
//   h (M, R) f32   output
//   y (M, N) f32   output
// Every buffer is read as vec4s along its contiguous dimension, so K, N and R must be multiples
// of 4 (true of every supported model at the usual ranks); lora_scalar_forward.wgsl is the same
// kernel for any shape, which the launcher picks otherwise.
//
// One workgroup owns ROWS consecutive rows. Phase 1: its 64 invocations compute the (ROWS, R) block
// of h as 4×8 register blocks (4 rows × 8 ranks, dot products of vec4s along K) into workgroup
// memory and to `h`. Phase 2, after one barrier: they sweep the (ROWS, N) block of y as 4×8 blocks
// (4 rows × 8 columns), each a length-R dot product of h (workgroup memory) with rows of b, and
// vec4 read-modify-writes of y; so a general 64×64-tile matmul's wasted work on R = 8..64 never
// happens and h never makes a round trip through memory before it is used. An odd number of
// rank / column quads clamps the second quad of a block to the last one and skips its stores.
// SwiftShader: every storage access is a per-lane gather/scatter with a bounds check, so accesses
// are vec4 along the contiguous dimension and each block loads 12 vec4s per 32 dot products (4×4
// blocks: 8 per 16); the 32 sums are named scalars (a function-local array indexed in a loop lives
// in memory and ran 8-10× slower) and the stores are unrolled. 1.15-1.4× the scalar version at
// M = 2048, R = 16, K and N of 576 / 1536.
//
// Dispatch: workgroup (64); grid (ceil(M / ROWS), 1, 1). Knobs (override constants): ROWS (multiple
// of 4, autotuned), RV = R / 4.

override ROWS: u32 = 32u;
override RV: u32 = 4u;
const WG: u32 = 64u;

struct Params {
  m: u32,
  n: u32,
  k: u32,
  r: u32,
  flags: u32, // bit 1: accumulate into y
  scale: f32,
}

@group(0) @binding(0) var<storage, read> x: array<vec4<f32>>; // (M, K/4)
@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>; // (R, K/4)
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>; // (N, R/4)
@group(0) @binding(3) var<storage, read_write> h: array<vec4<f32>>; // (M, R/4)
@group(0) @binding(4) var<storage, read_write> y: array<vec4<f32>>; // (M, N/4)
@group(0) @binding(5) var<uniform> params: Params;

var<workgroup> hs: array<vec4<f32>, ROWS * RV>; // (ROWS, RV) vec4 of ranks

fn put_y(e: u32, v: vec4<f32>, accumulate: bool) {
  if (accumulate) {
    y[e] = y[e] + v;
  } else {
    y[e] = v;
  }
}

@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let m = params.m;
  let k4 = params.k / 4u;
  let n4 = params.n / 4u;
  let row_base = wid.x * ROWS;
  let rv2 = (RV + 1u) / 2u;

  // Phase 1: h block = x rows · aᵀ, as (ROWS/4) × ceil(RV/2) blocks of 4 rows × 8 ranks (two vec4s
  // of ranks; the second is clamped to the last and not stored when RV is odd).
  for (var t = lid; t < (ROWS / 4u) * rv2; t += WG) {
    let ti = t / rv2;
    let qa = (t % rv2) * 2u;
    let qb = min(qa + 1u, RV - 1u);
    let row0 = row_base + ti * 4u;
    let xr0 = min(row0 + 0u, m - 1u) * k4;
    let xr1 = min(row0 + 1u, m - 1u) * k4;
    let xr2 = min(row0 + 2u, m - 1u) * k4;
    let xr3 = min(row0 + 3u, m - 1u) * k4;
    let ar0 = (qa * 4u + 0u) * k4;
    let ar1 = (qa * 4u + 1u) * k4;
    let ar2 = (qa * 4u + 2u) * k4;
    let ar3 = (qa * 4u + 3u) * k4;
    let ar4 = (qb * 4u + 0u) * k4;
    let ar5 = (qb * 4u + 1u) * k4;
    let ar6 = (qb * 4u + 2u) * k4;
    let ar7 = (qb * 4u + 3u) * k4;
    var s00 = 0.0; var s01 = 0.0; var s02 = 0.0; var s03 = 0.0;
    var s04 = 0.0; var s05 = 0.0; var s06 = 0.0; var s07 = 0.0;
    var s10 = 0.0; var s11 = 0.0; var s12 = 0.0; var s13 = 0.0;
    var s14 = 0.0; var s15 = 0.0; var s16 = 0.0; var s17 = 0.0;
    var s20 = 0.0; var s21 = 0.0; var s22 = 0.0; var s23 = 0.0;
    var s24 = 0.0; var s25 = 0.0; var s26 = 0.0; var s27 = 0.0;
    var s30 = 0.0; var s31 = 0.0; var s32 = 0.0; var s33 = 0.0;
    var s34 = 0.0; var s35 = 0.0; var s36 = 0.0; var s37 = 0.0;
    for (var c = 0u; c < k4; c += 1u) {
      let x0 = x[xr0 + c];
      let x1 = x[xr1 + c];
      let x2 = x[xr2 + c];
      let x3 = x[xr3 + c];
      let a0 = a[ar0 + c];
      s00 += dot(x0, a0);
      s10 += dot(x1, a0);
      s20 += dot(x2, a0);
      s30 += dot(x3, a0);
      let a1 = a[ar1 + c];
      s01 += dot(x0, a1);
      s11 += dot(x1, a1);
      s21 += dot(x2, a1);
      s31 += dot(x3, a1);
      let a2 = a[ar2 + c];
      s02 += dot(x0, a2);
      s12 += dot(x1, a2);
      s22 += dot(x2, a2);
      s32 += dot(x3, a2);
      let a3 = a[ar3 + c];
      s03 += dot(x0, a3);
      s13 += dot(x1, a3);
      s23 += dot(x2, a3);
      s33 += dot(x3, a3);
      let a4 = a[ar4 + c];
      s04 += dot(x0, a4);
      s14 += dot(x1, a4);
      s24 += dot(x2, a4);
      s34 += dot(x3, a4);
      let a5 = a[ar5 + c];
      s05 += dot(x0, a5);
      s15 += dot(x1, a5);
      s25 += dot(x2, a5);
      s35 += dot(x3, a5);
      let a6 = a[ar6 + c];
      s06 += dot(x0, a6);
      s16 += dot(x1, a6);
      s26 += dot(x2, a6);
      s36 += dot(x3, a6);
      let a7 = a[ar7 + c];
      s07 += dot(x0, a7);
      s17 += dot(x1, a7);
      s27 += dot(x2, a7);
      s37 += dot(x3, a7);
    }
    let hb = ti * 4u * RV;
    let h0a = vec4<f32>(s00, s01, s02, s03);
    let h0b = vec4<f32>(s04, s05, s06, s07);
    let h1a = vec4<f32>(s10, s11, s12, s13);
    let h1b = vec4<f32>(s14, s15, s16, s17);
    let h2a = vec4<f32>(s20, s21, s22, s23);
    let h2b = vec4<f32>(s24, s25, s26, s27);
    let h3a = vec4<f32>(s30, s31, s32, s33);
    let h3b = vec4<f32>(s34, s35, s36, s37);
    hs[hb + 0u * RV + qa] = h0a;
    hs[hb + 1u * RV + qa] = h1a;
    hs[hb + 2u * RV + qa] = h2a;
    hs[hb + 3u * RV + qa] = h3a;
    if (qa + 1u < RV) {
      hs[hb + 0u * RV + qb] = h0b;
      hs[hb + 1u * RV + qb] = h1b;
      hs[hb + 2u * RV + qb] = h2b;
      hs[hb + 3u * RV + qb] = h3b;
    }
    if (row0 + 0u < m) {
      h[(row0 + 0u) * RV + qa] = h0a;
      if (qa + 1u < RV) {
        h[(row0 + 0u) * RV + qb] = h0b;
      }
    }
    if (row0 + 1u < m) {
      h[(row0 + 1u) * RV + qa] = h1a;
      if (qa + 1u < RV) {
        h[(row0 + 1u) * RV + qb] = h1b;
      }
    }
    if (row0 + 2u < m) {
      h[(row0 + 2u) * RV + qa] = h2a;
      if (qa + 1u < RV) {
        h[(row0 + 2u) * RV + qb] = h2b;
      }
    }
    if (row0 + 3u < m) {
      h[(row0 + 3u) * RV + qa] = h3a;
      if (qa + 1u < RV) {
        h[(row0 + 3u) * RV + qb] = h3b;
      }
    }
  }
  workgroupBarrier();

  // Phase 2: y block (+)= scale · h block · bᵀ, as (rows here / 4) × ceil(N/8) blocks of 4 rows ×
  // 8 columns (two vec4s; the second clamped and not stored past N); neighbouring invocations take
  // neighbouring columns.
  let accumulate = (params.flags & 2u) != 0u;
  let sc = params.scale;
  let n8 = (n4 + 1u) / 2u;
  let tasks = ((min(ROWS, m - row_base) + 3u) / 4u) * n8;
  for (var t = lid; t < tasks; t += WG) {
    let ti = t / n8;
    let ca = (t % n8) * 2u;
    let cb = min(ca + 1u, n4 - 1u);
    let row0 = row_base + ti * 4u;
    let hb = ti * 4u * RV;
    let br0 = (ca * 4u + 0u) * RV;
    let br1 = (ca * 4u + 1u) * RV;
    let br2 = (ca * 4u + 2u) * RV;
    let br3 = (ca * 4u + 3u) * RV;
    let br4 = (cb * 4u + 0u) * RV;
    let br5 = (cb * 4u + 1u) * RV;
    let br6 = (cb * 4u + 2u) * RV;
    let br7 = (cb * 4u + 3u) * RV;
    var c00 = 0.0; var c01 = 0.0; var c02 = 0.0; var c03 = 0.0;
    var c04 = 0.0; var c05 = 0.0; var c06 = 0.0; var c07 = 0.0;
    var c10 = 0.0; var c11 = 0.0; var c12 = 0.0; var c13 = 0.0;
    var c14 = 0.0; var c15 = 0.0; var c16 = 0.0; var c17 = 0.0;
    var c20 = 0.0; var c21 = 0.0; var c22 = 0.0; var c23 = 0.0;
    var c24 = 0.0; var c25 = 0.0; var c26 = 0.0; var c27 = 0.0;
    var c30 = 0.0; var c31 = 0.0; var c32 = 0.0; var c33 = 0.0;
    var c34 = 0.0; var c35 = 0.0; var c36 = 0.0; var c37 = 0.0;
    for (var v = 0u; v < RV; v += 1u) {
      let p0 = hs[hb + 0u * RV + v];
      let p1 = hs[hb + 1u * RV + v];
      let p2 = hs[hb + 2u * RV + v];
      let p3 = hs[hb + 3u * RV + v];
      let q0 = b[br0 + v];
      c00 += dot(p0, q0);
      c10 += dot(p1, q0);
      c20 += dot(p2, q0);
      c30 += dot(p3, q0);
      let q1 = b[br1 + v];
      c01 += dot(p0, q1);
      c11 += dot(p1, q1);
      c21 += dot(p2, q1);
      c31 += dot(p3, q1);
      let q2 = b[br2 + v];
      c02 += dot(p0, q2);
      c12 += dot(p1, q2);
      c22 += dot(p2, q2);
      c32 += dot(p3, q2);
      let q3 = b[br3 + v];
      c03 += dot(p0, q3);
      c13 += dot(p1, q3);
      c23 += dot(p2, q3);
      c33 += dot(p3, q3);
      let q4 = b[br4 + v];
      c04 += dot(p0, q4);
      c14 += dot(p1, q4);
      c24 += dot(p2, q4);
      c34 += dot(p3, q4);
      let q5 = b[br5 + v];
      c05 += dot(p0, q5);
      c15 += dot(p1, q5);
      c25 += dot(p2, q5);
      c35 += dot(p3, q5);
      let q6 = b[br6 + v];
      c06 += dot(p0, q6);
      c16 += dot(p1, q6);
      c26 += dot(p2, q6);
      c36 += dot(p3, q6);
      let q7 = b[br7 + v];
      c07 += dot(p0, q7);
      c17 += dot(p1, q7);
      c27 += dot(p2, q7);
      c37 += dot(p3, q7);
    }
    put_y((row0 + 0u) * n4 + ca, sc * vec4<f32>(c00, c01, c02, c03), accumulate);
    if (ca + 1u < n4) {
      put_y((row0 + 0u) * n4 + cb, sc * vec4<f32>(c04, c05, c06, c07), accumulate);
    }
    if (row0 + 1u < m) {
      put_y((row0 + 1u) * n4 + ca, sc * vec4<f32>(c10, c11, c12, c13), accumulate);
      if (ca + 1u < n4) {
        put_y((row0 + 1u) * n4 + cb, sc * vec4<f32>(c14, c15, c16, c17), accumulate);
      }
    }
    if (row0 + 2u < m) {
      put_y((row0 + 2u) * n4 + ca, sc * vec4<f32>(c20, c21, c22, c23), accumulate);
      if (ca + 1u < n4) {
        put_y((row0 + 2u) * n4 + cb, sc * vec4<f32>(c24, c25, c26, c27), accumulate);
      }
    }
    if (row0 + 3u < m) {
      put_y((row0 + 3u) * n4 + ca, sc * vec4<f32>(c30, c31, c32, c33), accumulate);
      if (ca + 1u < n4) {
        put_y((row0 + 3u) * n4 + cb, sc * vec4<f32>(c34, c35, c36, c37), accumulate);
      }
    }
  }
}
