// lora_backward: the input-gradient half of the LoRA branch's backward, fused into one skinny-shape
// kernel (the weight gradients dA += s·gᵀ·x and dB += s·dyᵀ·h run after it, on matmul_backward):
//
//   g = dy·b                     (M, R)   unscaled, saved for dA                        (=)
//   dx += scale · g·a            (M, K)   added into the input gradient                 (+=)
//                                         (dx = … when flags bit 1 is clear)
//
//   dy (M, N) f32   gradient of the layer output, N = out_features
//   b  (N, R) f32   lora_B.weight
//   a  (R, K) f32   lora_A.weight, K = in_features
//   g  (M, R) f32   output
//   dx (M, K) f32   output
// Every buffer is read as vec4s along its contiguous dimension, so K, N and R must be multiples
// of 4; lora_scalar_backward.wgsl is the same kernel for any shape, which the launcher picks
// otherwise.
//
// One workgroup owns ROWS consecutive rows. Phase 1: 4×8 register blocks (4 rows × 8 ranks) of
// g, reducing over N four at a time (a vec4 of dy times 4 vec4 rows of b, twice), into workgroup
// memory and to `g`. Phase 2, after one barrier: 4×8 blocks (4 rows × 8 columns) of dx, each a
// length-R sum of g (workgroup memory) times vec4 rows of a, and vec4 read-modify-writes of dx.
// An odd number of rank / column quads clamps the second quad of a block to the last one and
// skips its stores. SwiftShader: see lora_forward.wgsl (vec4 accesses, 12 loads per 32 vec4
// multiply-adds, named accumulators, unrolled stores). 1.0-1.3× the scalar version at M = 2048,
// R = 16, K and N of 576 / 1536: the reduction over N in phase 1 stays gather-bound.
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
  flags: u32, // bit 1: accumulate into dx
  scale: f32,
}

@group(0) @binding(0) var<storage, read> dy: array<vec4<f32>>; // (M, N/4)
@group(0) @binding(1) var<storage, read> b: array<vec4<f32>>; // (N, R/4)
@group(0) @binding(2) var<storage, read> a: array<vec4<f32>>; // (R, K/4)
@group(0) @binding(3) var<storage, read_write> g: array<vec4<f32>>; // (M, R/4)
@group(0) @binding(4) var<storage, read_write> dx: array<vec4<f32>>; // (M, K/4)
@group(0) @binding(5) var<uniform> params: Params;

var<workgroup> gs: array<vec4<f32>, ROWS * RV>; // (ROWS, RV) vec4 of ranks

fn put_dx(e: u32, v: vec4<f32>, accumulate: bool) {
  if (accumulate) {
    dx[e] = dx[e] + v;
  } else {
    dx[e] = v;
  }
}

@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let m = params.m;
  let n4 = params.n / 4u;
  let k4 = params.k / 4u;
  let row_base = wid.x * ROWS;
  let rv2 = (RV + 1u) / 2u;

  // Phase 1: g block = dy rows · b, as (ROWS/4) × ceil(RV/2) blocks of 4 rows × 8 ranks (two vec4s
  // of ranks; the second is clamped to the last and not stored when RV is odd).
  for (var t = lid; t < (ROWS / 4u) * rv2; t += WG) {
    let ti = t / rv2;
    let qa = (t % rv2) * 2u;
    let qb = min(qa + 1u, RV - 1u);
    let row0 = row_base + ti * 4u;
    let dr0 = min(row0 + 0u, m - 1u) * n4;
    let dr1 = min(row0 + 1u, m - 1u) * n4;
    let dr2 = min(row0 + 2u, m - 1u) * n4;
    let dr3 = min(row0 + 3u, m - 1u) * n4;
    var c0a = vec4<f32>(0.0);
    var c0b = vec4<f32>(0.0);
    var c1a = vec4<f32>(0.0);
    var c1b = vec4<f32>(0.0);
    var c2a = vec4<f32>(0.0);
    var c2b = vec4<f32>(0.0);
    var c3a = vec4<f32>(0.0);
    var c3b = vec4<f32>(0.0);
    for (var c = 0u; c < n4; c += 1u) {
      let p0 = dy[dr0 + c];
      let p1 = dy[dr1 + c];
      let p2 = dy[dr2 + c];
      let p3 = dy[dr3 + c];
      let bq = c * 4u * RV; // b[4c, 0]
      let q0 = b[bq + 0u * RV + qa];
      let q1 = b[bq + 1u * RV + qa];
      let q2 = b[bq + 2u * RV + qa];
      let q3 = b[bq + 3u * RV + qa];
      c0a += p0.x * q0 + p0.y * q1 + p0.z * q2 + p0.w * q3;
      c1a += p1.x * q0 + p1.y * q1 + p1.z * q2 + p1.w * q3;
      c2a += p2.x * q0 + p2.y * q1 + p2.z * q2 + p2.w * q3;
      c3a += p3.x * q0 + p3.y * q1 + p3.z * q2 + p3.w * q3;
      let u0 = b[bq + 0u * RV + qb];
      let u1 = b[bq + 1u * RV + qb];
      let u2 = b[bq + 2u * RV + qb];
      let u3 = b[bq + 3u * RV + qb];
      c0b += p0.x * u0 + p0.y * u1 + p0.z * u2 + p0.w * u3;
      c1b += p1.x * u0 + p1.y * u1 + p1.z * u2 + p1.w * u3;
      c2b += p2.x * u0 + p2.y * u1 + p2.z * u2 + p2.w * u3;
      c3b += p3.x * u0 + p3.y * u1 + p3.z * u2 + p3.w * u3;
    }
    let gb = ti * 4u * RV;
    gs[gb + 0u * RV + qa] = c0a;
    gs[gb + 1u * RV + qa] = c1a;
    gs[gb + 2u * RV + qa] = c2a;
    gs[gb + 3u * RV + qa] = c3a;
    if (qa + 1u < RV) {
      gs[gb + 0u * RV + qb] = c0b;
      gs[gb + 1u * RV + qb] = c1b;
      gs[gb + 2u * RV + qb] = c2b;
      gs[gb + 3u * RV + qb] = c3b;
    }
    if (row0 + 0u < m) {
      g[(row0 + 0u) * RV + qa] = c0a;
      if (qa + 1u < RV) {
        g[(row0 + 0u) * RV + qb] = c0b;
      }
    }
    if (row0 + 1u < m) {
      g[(row0 + 1u) * RV + qa] = c1a;
      if (qa + 1u < RV) {
        g[(row0 + 1u) * RV + qb] = c1b;
      }
    }
    if (row0 + 2u < m) {
      g[(row0 + 2u) * RV + qa] = c2a;
      if (qa + 1u < RV) {
        g[(row0 + 2u) * RV + qb] = c2b;
      }
    }
    if (row0 + 3u < m) {
      g[(row0 + 3u) * RV + qa] = c3a;
      if (qa + 1u < RV) {
        g[(row0 + 3u) * RV + qb] = c3b;
      }
    }
  }
  workgroupBarrier();

  // Phase 2: dx block (+)= scale · g block · a, as (rows here / 4) × ceil(K/8) blocks of 4 rows ×
  // 8 columns (two vec4s; the second clamped and not stored past K); neighbouring invocations take
  // neighbouring columns.
  let accumulate = (params.flags & 2u) != 0u;
  let sc = params.scale;
  let k8 = (k4 + 1u) / 2u;
  let tasks = ((min(ROWS, m - row_base) + 3u) / 4u) * k8;
  for (var t = lid; t < tasks; t += WG) {
    let ti = t / k8;
    let ca = (t % k8) * 2u;
    let cb = min(ca + 1u, k4 - 1u);
    let row0 = row_base + ti * 4u;
    let gb = ti * 4u * RV;
    var c0a = vec4<f32>(0.0);
    var c0b = vec4<f32>(0.0);
    var c1a = vec4<f32>(0.0);
    var c1b = vec4<f32>(0.0);
    var c2a = vec4<f32>(0.0);
    var c2b = vec4<f32>(0.0);
    var c3a = vec4<f32>(0.0);
    var c3b = vec4<f32>(0.0);
    for (var v = 0u; v < RV; v += 1u) {
      let p0 = gs[gb + 0u * RV + v];
      let p1 = gs[gb + 1u * RV + v];
      let p2 = gs[gb + 2u * RV + v];
      let p3 = gs[gb + 3u * RV + v];
      let aq = v * 4u * k4; // a[4v, 0]
      let q0 = a[aq + 0u * k4 + ca];
      let q1 = a[aq + 1u * k4 + ca];
      let q2 = a[aq + 2u * k4 + ca];
      let q3 = a[aq + 3u * k4 + ca];
      c0a += p0.x * q0 + p0.y * q1 + p0.z * q2 + p0.w * q3;
      c1a += p1.x * q0 + p1.y * q1 + p1.z * q2 + p1.w * q3;
      c2a += p2.x * q0 + p2.y * q1 + p2.z * q2 + p2.w * q3;
      c3a += p3.x * q0 + p3.y * q1 + p3.z * q2 + p3.w * q3;
      let u0 = a[aq + 0u * k4 + cb];
      let u1 = a[aq + 1u * k4 + cb];
      let u2 = a[aq + 2u * k4 + cb];
      let u3 = a[aq + 3u * k4 + cb];
      c0b += p0.x * u0 + p0.y * u1 + p0.z * u2 + p0.w * u3;
      c1b += p1.x * u0 + p1.y * u1 + p1.z * u2 + p1.w * u3;
      c2b += p2.x * u0 + p2.y * u1 + p2.z * u2 + p2.w * u3;
      c3b += p3.x * u0 + p3.y * u1 + p3.z * u2 + p3.w * u3;
    }
    put_dx((row0 + 0u) * k4 + ca, sc * c0a, accumulate);
    if (ca + 1u < k4) {
      put_dx((row0 + 0u) * k4 + cb, sc * c0b, accumulate);
    }
    if (row0 + 1u < m) {
      put_dx((row0 + 1u) * k4 + ca, sc * c1a, accumulate);
      if (ca + 1u < k4) {
        put_dx((row0 + 1u) * k4 + cb, sc * c1b, accumulate);
      }
    }
    if (row0 + 2u < m) {
      put_dx((row0 + 2u) * k4 + ca, sc * c2a, accumulate);
      if (ca + 1u < k4) {
        put_dx((row0 + 2u) * k4 + cb, sc * c2b, accumulate);
      }
    }
    if (row0 + 3u < m) {
      put_dx((row0 + 3u) * k4 + ca, sc * c3a, accumulate);
      if (ca + 1u < k4) {
        put_dx((row0 + 3u) * k4 + cb, sc * c3b, accumulate);
      }
    }
  }
}
