// lora_scalar_backward: the input-gradient half of the LoRA branch's backward for any shape
// (scalar loads, ranks padded to vec4s; lora_backward.wgsl is the faster vec4 version the
// launcher uses when K, N and R are multiples of 4), fused into one skinny-shape kernel (the
// weight gradients dA += s·gᵀ·x and dB += s·dyᵀ·h run after it, on matmul_backward):
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
//
// One workgroup owns ROWS consecutive rows. Phase 1: 4×4 register blocks (4 rows × 4 ranks) of
// g, reducing over N four at a time (vec4 of dy times 4 rows of b), into workgroup memory (ranks
// ≥ R zeroed) and to `g`. Phase 2, after one barrier: 4×4 blocks (4 rows × 4 columns) of dx, each
// a length-R sum of g (workgroup memory) times rows of a.
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
  flags: u32, // bit 1: accumulate into dx
  scale: f32,
}

@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read> a: array<f32>;
@group(0) @binding(3) var<storage, read_write> g: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;
@group(0) @binding(5) var<uniform> params: Params;

var<workgroup> gs: array<vec4<f32>, ROWS * RV>; // (ROWS, RV) vec4 of ranks

// b[row, j0 .. j0+3] with ranks clamped to r-1.
fn b4(row: u32, j0: u32, r: u32) -> vec4<f32> {
  let e = row * r;
  return vec4<f32>(b[e + min(j0, r - 1u)], b[e + min(j0 + 1u, r - 1u)], b[e + min(j0 + 2u, r - 1u)],
                   b[e + min(j0 + 3u, r - 1u)]);
}

// a[j, c0 .. c0+3] with columns clamped to k-1 (j pre-clamped). Clamping every element instead of
// branching on the edge: SwiftShader runs both sides of a divergent branch.
fn a4(j: u32, c0: u32, k: u32) -> vec4<f32> {
  let e = j * k;
  return vec4<f32>(a[e + min(c0, k - 1u)], a[e + min(c0 + 1u, k - 1u)],
                   a[e + min(c0 + 2u, k - 1u)], a[e + min(c0 + 3u, k - 1u)]);
}

fn dy4(e: u32) -> vec4<f32> {
  return vec4<f32>(dy[e], dy[e + 1u], dy[e + 2u], dy[e + 3u]);
}

@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let m = params.m;
  let n = params.n;
  let k = params.k;
  let r = params.r;
  let row_base = wid.x * ROWS;
  let n4 = n & ~3u;

  // Phase 1: g block = dy rows · b, as (ROWS/4) × RV blocks of 4 rows × 4 ranks.
  for (var t = lid; t < (ROWS / 4u) * RV; t += WG) {
    let ti = t / RV;
    let tj = t % RV;
    let row0 = row_base + ti * 4u;
    let j0 = tj * 4u;
    let dr0 = min(row0, m - 1u) * n;
    let dr1 = min(row0 + 1u, m - 1u) * n;
    let dr2 = min(row0 + 2u, m - 1u) * n;
    let dr3 = min(row0 + 3u, m - 1u) * n;
    var c0 = vec4<f32>(0.0);
    var c1 = vec4<f32>(0.0);
    var c2 = vec4<f32>(0.0);
    var c3 = vec4<f32>(0.0);
    for (var nn = 0u; nn < n4; nn += 4u) {
      let p0 = dy4(dr0 + nn);
      let p1 = dy4(dr1 + nn);
      let p2 = dy4(dr2 + nn);
      let p3 = dy4(dr3 + nn);
      let q0 = b4(nn, j0, r);
      let q1 = b4(nn + 1u, j0, r);
      let q2 = b4(nn + 2u, j0, r);
      let q3 = b4(nn + 3u, j0, r);
      c0 += p0.x * q0 + p0.y * q1 + p0.z * q2 + p0.w * q3;
      c1 += p1.x * q0 + p1.y * q1 + p1.z * q2 + p1.w * q3;
      c2 += p2.x * q0 + p2.y * q1 + p2.z * q2 + p2.w * q3;
      c3 += p3.x * q0 + p3.y * q1 + p3.z * q2 + p3.w * q3;
    }
    for (var nn = n4; nn < n; nn += 1u) {
      let q = b4(nn, j0, r);
      c0 += dy[dr0 + nn] * q;
      c1 += dy[dr1 + nn] * q;
      c2 += dy[dr2 + nn] * q;
      c3 += dy[dr3 + nn] * q;
    }
    let live = vec4<f32>(vec4<u32>(j0, j0 + 1u, j0 + 2u, j0 + 3u) < vec4<u32>(r));
    let rows = array<vec4<f32>, 4>(live * c0, live * c1, live * c2, live * c3);
    for (var i = 0u; i < 4u; i += 1u) {
      gs[(ti * 4u + i) * RV + tj] = rows[i];
      let row = row0 + i;
      if (row < m) {
        for (var j = 0u; j < 4u; j += 1u) {
          if (j0 + j < r) {
            g[row * r + j0 + j] = rows[i][j];
          }
        }
      }
    }
  }
  workgroupBarrier();

  // Phase 2: dx block (+)= scale · g block · a, as (ROWS/4) × ceil(K/4) blocks of 4 rows × 4
  // columns; neighbouring invocations take neighbouring columns.
  let kc = (k + 3u) / 4u;
  let accumulate = (params.flags & 2u) != 0u;
  for (var t = lid; t < (ROWS / 4u) * kc; t += WG) {
    let ti = t / kc;
    let col0 = (t % kc) * 4u;
    let row0 = row_base + ti * 4u;
    if (row0 >= m) {
      break;
    }
    var c0 = vec4<f32>(0.0);
    var c1 = vec4<f32>(0.0);
    var c2 = vec4<f32>(0.0);
    var c3 = vec4<f32>(0.0);
    for (var v = 0u; v < RV; v += 1u) {
      let j = v * 4u;
      let q0 = a4(min(j, r - 1u), col0, k);
      let q1 = a4(min(j + 1u, r - 1u), col0, k);
      let q2 = a4(min(j + 2u, r - 1u), col0, k);
      let q3 = a4(min(j + 3u, r - 1u), col0, k);
      let base = ti * 4u * RV + v;
      let p0 = gs[base];
      let p1 = gs[base + RV];
      let p2 = gs[base + 2u * RV];
      let p3 = gs[base + 3u * RV];
      c0 += p0.x * q0 + p0.y * q1 + p0.z * q2 + p0.w * q3;
      c1 += p1.x * q0 + p1.y * q1 + p1.z * q2 + p1.w * q3;
      c2 += p2.x * q0 + p2.y * q1 + p2.z * q2 + p2.w * q3;
      c3 += p3.x * q0 + p3.y * q1 + p3.z * q2 + p3.w * q3;
    }
    let cs = array<f32, 16>(c0.x, c0.y, c0.z, c0.w, c1.x, c1.y, c1.z, c1.w, c2.x, c2.y, c2.z, c2.w,
                            c3.x, c3.y, c3.z, c3.w);
    for (var q = 0u; q < 16u; q += 1u) {
      let row = row0 + q / 4u;
      let col = col0 + q % 4u;
      if (row < m && col < k) {
        let e = row * k + col;
        var v = params.scale * cs[q];
        if (accumulate) {
          v += dx[e];
        }
        dx[e] = v;
      }
    }
  }
}
