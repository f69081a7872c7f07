// matmul_nnsg_forward: matmul_nn_forward.wgsl (dX = dY·W, vec4 loads, a 4 × 8 block of C per
// invocation) with the loads of B shared across a subgroup, as matmul_ntsg_forward.wgsl does for
// X·Wᵀ. All invocations of a workgroup own the same 8 columns of C (one workgroup row) and
// different 4-row blocks. One step of the reduction takes 4 rows of B (reduction index 4p..4p+3)
// × 2 column quads = 8 vec4s: lane L of every subgroup loads row 4p + (L mod 4), both quads, and
// every lane takes the 8 vec4s from lanes 0..3 with subgroupBroadcast: 4 + 2 loads per step
// instead of 4 + 8, for 128 multiply-adds. Same order of operations as matmul_nn_forward.wgsl, so
// the results are bit-identical to it.
//
// Needs the 'subgroups' feature and subgroups of 4 to 64 invocations (the launcher checks the
// adapter's subgroupMinSize / subgroupMaxSize). No early return: every lane reaches every
// broadcast (rows past M are clamped for loads and masked on store).
//
//   c (M, N) = alpha · a (M, K) · b (K, N)  (+ c)        layouts as matmul_nn_forward.wgsl
// K and N must be multiples of 4.
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
  flags: u32, // bit 0 must be clear (no bias); bit 1: accumulate into c
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

@compute @workgroup_size(WG_X, 1, 1)
fn main(
  @builtin(global_invocation_id) gid: vec3<u32>,
  @builtin(subgroup_invocation_id) lane: u32,
) {
  let m = params.m;
  let n4 = params.n / 4u;
  let k4 = params.k / 4u;
  let row0 = gid.x * 4u;
  let q0 = gid.y * 2u; // first column quad (< n4: the grid has ceil(N / 8) columns)
  // Clamped vec4 offsets of this lane's 4 rows of A; the two column quads of B (the second
  // clamped); the row of B this lane loads in each step (its lane mod 4: in range for every lane).
  let ra0 = min(row0 + 0u, m - 1u) * k4;
  let ra1 = min(row0 + 1u, m - 1u) * k4;
  let ra2 = min(row0 + 2u, m - 1u) * k4;
  let ra3 = min(row0 + 3u, m - 1u) * k4;
  let qa = q0;
  let qb = min(q0 + 1u, n4 - 1u);
  var rb = (lane & 3u) * n4; // vec4 offset of B's row 4p + (lane mod 4)
  var c0a = vec4<f32>(0.0);
  var c0b = vec4<f32>(0.0);
  var c1a = vec4<f32>(0.0);
  var c1b = vec4<f32>(0.0);
  var c2a = vec4<f32>(0.0);
  var c2b = vec4<f32>(0.0);
  var c3a = vec4<f32>(0.0);
  var c3b = vec4<f32>(0.0);
  for (var p = 0u; p < k4; p += 1u) {
    let a0 = a[ra0 + p];
    let a1 = a[ra1 + p];
    let a2 = a[ra2 + p];
    let a3 = a[ra3 + p];
    let ba = load_b4(rb + qa);
    let bb = load_b4(rb + qb);
    let b0a = subgroupBroadcast(ba, 0u);
    let b0b = subgroupBroadcast(bb, 0u);
    let b1a = subgroupBroadcast(ba, 1u);
    let b1b = subgroupBroadcast(bb, 1u);
    let b2a = subgroupBroadcast(ba, 2u);
    let b2b = subgroupBroadcast(bb, 2u);
    let b3a = subgroupBroadcast(ba, 3u);
    let b3b = subgroupBroadcast(bb, 3u);
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
