// Bench-only baseline: one invocation per output, C (M, N) = A (M, K) · B (K, N), all row-major
// f32, no tiling or register blocking. Dispatch: workgroup (8, 8); grid (ceil(N/8), ceil(M/8)).

struct Params {
  m: u32,
  n: u32,
  k: u32,
}

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(8, 8, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let row = gid.y;
  let col = gid.x;
  if (row >= params.m || col >= params.n) {
    return;
  }
  var acc = 0.0;
  for (var p = 0u; p < params.k; p += 1u) {
    acc += a[row * params.k + p] * b[p * params.n + col];
  }
  c[row * params.n + col] = acc;
}
