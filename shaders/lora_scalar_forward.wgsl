// lora_scalar_forward: the LoRA branch of a linear layer for any shape (scalar loads, ranks
// padded to vec4s; lora_forward.wgsl is the faster vec4 version the launcher uses when K, N and
// R are multiples of 4), fused into one skinny-shape kernel,
//
//   h = x·aᵀ                    (M, R)   saved for the backward                        (=)
//   y += scale · h·bᵀ           (M, N)   added into the base layer's output            (+=)
//                                        (y = … when flags bit 1 is clear)
//
//   x (M, K) f32   M = B·T rows, K = in_features (the LoRA input: dropout(x) if dropout is on)
//   a (R, K) f32   lora_A.weight, R = rank (any R ≤ 4·RV)
//   b (N, R) f32   lora_B.weight, N = out_features
//   h (M, R) f32   output
//   y (M, N) f32   output
//
// One workgroup owns ROWS consecutive rows. Phase 1: its 64 invocations compute the (ROWS, R) block
// of h as 4×4 register blocks (4 rows × 4 ranks, vec4 dot products along K) into workgroup memory
// (ranks ≥ R zeroed) and to `h`. Phase 2, after one barrier: they sweep the (ROWS, N) block of y as
// 4×4 blocks (4 rows × 4 columns), each a length-R dot product of h (workgroup memory) with rows of
// b, so a general 64×64-tile matmul's wasted work on R = 8..64 never happens and h never makes a
// round trip through memory before it is used.
//
// Dispatch: workgroup (64); grid (ceil(M / ROWS), 1, 1). Knobs (override constants): ROWS (multiple
// of 4, autotuned), RV = ceil(R / 4).

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

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> h: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<uniform> params: Params;

var<workgroup> hs: array<vec4<f32>, ROWS * RV>; // (ROWS, RV) vec4 of ranks

fn ld4(e: u32) -> vec4<f32> {
  return vec4<f32>(x[e], x[e + 1u], x[e + 2u], x[e + 3u]);
}

fn la4(e: u32) -> vec4<f32> {
  return vec4<f32>(a[e], a[e + 1u], a[e + 2u], a[e + 3u]);
}

fn hsum(v: vec4<f32>) -> f32 {
  return (v.x + v.y) + (v.z + v.w);
}

@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let m = params.m;
  let n = params.n;
  let k = params.k;
  let r = params.r;
  let row_base = wid.x * ROWS;
  let k4 = k & ~3u;

  // Phase 1: h block = x rows · aᵀ, as (ROWS/4) × RV blocks of 4 rows × 4 ranks.
  for (var t = lid; t < (ROWS / 4u) * RV; t += WG) {
    let ti = t / RV;
    let tj = t % RV;
    let row0 = row_base + ti * 4u;
    let j0 = tj * 4u;
    let xr0 = min(row0, m - 1u) * k;
    let xr1 = min(row0 + 1u, m - 1u) * k;
    let xr2 = min(row0 + 2u, m - 1u) * k;
    let xr3 = min(row0 + 3u, m - 1u) * k;
    let ar0 = min(j0, r - 1u) * k;
    let ar1 = min(j0 + 1u, r - 1u) * k;
    let ar2 = min(j0 + 2u, r - 1u) * k;
    let ar3 = min(j0 + 3u, r - 1u) * k;
    var s00 = vec4<f32>(0.0);
    var s01 = vec4<f32>(0.0);
    var s02 = vec4<f32>(0.0);
    var s03 = vec4<f32>(0.0);
    var s10 = vec4<f32>(0.0);
    var s11 = vec4<f32>(0.0);
    var s12 = vec4<f32>(0.0);
    var s13 = vec4<f32>(0.0);
    var s20 = vec4<f32>(0.0);
    var s21 = vec4<f32>(0.0);
    var s22 = vec4<f32>(0.0);
    var s23 = vec4<f32>(0.0);
    var s30 = vec4<f32>(0.0);
    var s31 = vec4<f32>(0.0);
    var s32 = vec4<f32>(0.0);
    var s33 = vec4<f32>(0.0);
    for (var kk = 0u; kk < k4; kk += 4u) {
      let x0 = ld4(xr0 + kk);
      let x1 = ld4(xr1 + kk);
      let x2 = ld4(xr2 + kk);
      let x3 = ld4(xr3 + kk);
      let a0 = la4(ar0 + kk);
      let a1 = la4(ar1 + kk);
      let a2 = la4(ar2 + kk);
      let a3 = la4(ar3 + kk);
      s00 += x0 * a0;
      s01 += x0 * a1;
      s02 += x0 * a2;
      s03 += x0 * a3;
      s10 += x1 * a0;
      s11 += x1 * a1;
      s12 += x1 * a2;
      s13 += x1 * a3;
      s20 += x2 * a0;
      s21 += x2 * a1;
      s22 += x2 * a2;
      s23 += x2 * a3;
      s30 += x3 * a0;
      s31 += x3 * a1;
      s32 += x3 * a2;
      s33 += x3 * a3;
    }
    for (var kk = k4; kk < k; kk += 1u) {
      let av = vec4<f32>(a[ar0 + kk], a[ar1 + kk], a[ar2 + kk], a[ar3 + kk]);
      s00.x += x[xr0 + kk] * av.x;
      s01.x += x[xr0 + kk] * av.y;
      s02.x += x[xr0 + kk] * av.z;
      s03.x += x[xr0 + kk] * av.w;
      s10.x += x[xr1 + kk] * av.x;
      s11.x += x[xr1 + kk] * av.y;
      s12.x += x[xr1 + kk] * av.z;
      s13.x += x[xr1 + kk] * av.w;
      s20.x += x[xr2 + kk] * av.x;
      s21.x += x[xr2 + kk] * av.y;
      s22.x += x[xr2 + kk] * av.z;
      s23.x += x[xr2 + kk] * av.w;
      s30.x += x[xr3 + kk] * av.x;
      s31.x += x[xr3 + kk] * av.y;
      s32.x += x[xr3 + kk] * av.z;
      s33.x += x[xr3 + kk] * av.w;
    }
    // Ranks past r are zero so that phase 2 can run whole vec4s.
    let live = vec4<f32>(vec4<u32>(j0, j0 + 1u, j0 + 2u, j0 + 3u) < vec4<u32>(r));
    var rows = array<vec4<f32>, 4>(
      live * vec4<f32>(hsum(s00), hsum(s01), hsum(s02), hsum(s03)),
      live * vec4<f32>(hsum(s10), hsum(s11), hsum(s12), hsum(s13)),
      live * vec4<f32>(hsum(s20), hsum(s21), hsum(s22), hsum(s23)),
      live * vec4<f32>(hsum(s30), hsum(s31), hsum(s32), hsum(s33)),
    );
    for (var i = 0u; i < 4u; i += 1u) {
      hs[(ti * 4u + i) * RV + tj] = rows[i];
      let row = row0 + i;
      if (row < m) {
        for (var j = 0u; j < 4u; j += 1u) {
          if (j0 + j < r) {
            h[row * r + j0 + j] = rows[i][j];
          }
        }
      }
    }
  }
  workgroupBarrier();

  // Phase 2: y block += scale · h block · bᵀ, as (ROWS/4) × ceil(N/4) blocks of 4 rows × 4 columns;
  // neighbouring invocations take neighbouring columns.
  let nc = (n + 3u) / 4u;
  let accumulate = (params.flags & 2u) != 0u;
  for (var t = lid; t < (ROWS / 4u) * nc; t += WG) {
    let ti = t / nc;
    let col0 = (t % nc) * 4u;
    let row0 = row_base + ti * 4u;
    if (row0 >= m) {
      break;
    }
    let br0 = min(col0, n - 1u) * r;
    let br1 = min(col0 + 1u, n - 1u) * r;
    let br2 = min(col0 + 2u, n - 1u) * r;
    let br3 = min(col0 + 3u, n - 1u) * r;
    var c0 = vec4<f32>(0.0);
    var c1 = vec4<f32>(0.0);
    var c2 = vec4<f32>(0.0);
    var c3 = vec4<f32>(0.0);
    for (var v = 0u; v < RV; v += 1u) {
      let j = v * 4u;
      // b[col, j .. j+3], ranks clamped to r-1 (h is zero there).
      let j1 = min(j + 1u, r - 1u);
      let j2 = min(j + 2u, r - 1u);
      let j3 = min(j + 3u, r - 1u);
      let q0 = vec4<f32>(b[br0 + j], b[br0 + j1], b[br0 + j2], b[br0 + j3]);
      let q1 = vec4<f32>(b[br1 + j], b[br1 + j1], b[br1 + j2], b[br1 + j3]);
      let q2 = vec4<f32>(b[br2 + j], b[br2 + j1], b[br2 + j2], b[br2 + j3]);
      let q3 = vec4<f32>(b[br3 + j], b[br3 + j1], b[br3 + j2], b[br3 + j3]);
      let base = ti * 4u * RV + v;
      let p0 = hs[base];
      let p1 = hs[base + RV];
      let p2 = hs[base + 2u * RV];
      let p3 = hs[base + 3u * RV];
      c0 += vec4<f32>(dot(p0, q0), dot(p0, q1), dot(p0, q2), dot(p0, q3));
      c1 += vec4<f32>(dot(p1, q0), dot(p1, q1), dot(p1, q2), dot(p1, q3));
      c2 += vec4<f32>(dot(p2, q0), dot(p2, q1), dot(p2, q2), dot(p2, q3));
      c3 += vec4<f32>(dot(p3, q0), dot(p3, q1), dot(p3, q2), dot(p3, q3));
    }
    let cs = array<f32, 16>(c0.x, c0.y, c0.z, c0.w, c1.x, c1.y, c1.z, c1.w, c2.x, c2.y, c2.z, c2.w,
                            c3.x, c3.y, c3.z, c3.w);
    for (var q = 0u; q < 16u; q += 1u) {
      let row = row0 + q / 4u;
      let col = col0 + q % 4u;
      if (row < m && col < n) {
        let e = row * n + col;
        var v = params.scale * cs[q];
        if (accumulate) {
          v += y[e];
        }
        y[e] = v;
      }
    }
  }
}
