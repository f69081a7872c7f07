// Bench-only variant: the shape of jax-js's generated WebGPU matmul (4×4 outputs per invocation,
// scalar accumulators, 1-D workgroups of 256 whose 64-invocation groups cover a 32×32 output tile),
// with runtime sizes instead of baked ones. C (M, N) = A (M, K) · B (K, N), row-major f32.
// Requires M, N multiples of 32 and K of 4 (bench shapes only). Dispatch: (M·N / 16 / 256).

struct Params {
  m: u32,
  n: u32,
  k: u32,
  flags: u32,
  alpha: f32,
}

@group(0) @binding(0) var<storage, read> in0: array<f32>;
@group(0) @binding(1) var<storage, read> in1: array<f32>;
@group(0) @binding(2) var<storage, read_write> result: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let n = params.n;
  let k = params.k;
  let total = params.m * n / 16u;
  if (id.x >= total) {
    return;
  }
  let g = id.x;
  let tiles_n = n / 32u;
  let tile = g / 64u;
  let row0 = (tile / tiles_n) * 32u + ((g / 8u) % 8u) * 4u;
  let col0 = (tile % tiles_n) * 32u + (g % 8u) * 4u;
  var acc0 = 0.0;
  var acc1 = 0.0;
  var acc2 = 0.0;
  var acc3 = 0.0;
  var acc4 = 0.0;
  var acc5 = 0.0;
  var acc6 = 0.0;
  var acc7 = 0.0;
  var acc8 = 0.0;
  var acc9 = 0.0;
  var acc10 = 0.0;
  var acc11 = 0.0;
  var acc12 = 0.0;
  var acc13 = 0.0;
  var acc14 = 0.0;
  var acc15 = 0.0;
  for (var r = 0u; r < k / 4u; r += 1u) {
    let alu0 = row0 * k + r * 4u;
    let alu2 = col0 + r * 4u * n;
    let alu1 = in0[alu0];
    let alu3 = in1[alu2];
    let alu4 = in0[alu0 + 1u];
    let alu5 = in1[alu2 + n];
    let alu6 = in0[alu0 + 2u];
    let alu7 = in1[alu2 + 2u * n];
    let alu8 = in0[alu0 + 3u];
    let alu9 = in1[alu2 + 3u * n];
    let alu10 = in0[alu0 + k];
    let alu11 = in0[alu0 + k + 1u];
    let alu12 = in0[alu0 + k + 2u];
    let alu13 = in0[alu0 + k + 3u];
    let alu14 = in0[alu0 + 2u * k];
    let alu15 = in0[alu0 + 2u * k + 1u];
    let alu16 = in0[alu0 + 2u * k + 2u];
    let alu17 = in0[alu0 + 2u * k + 3u];
    let alu18 = in0[alu0 + 3u * k];
    let alu19 = in0[alu0 + 3u * k + 1u];
    let alu20 = in0[alu0 + 3u * k + 2u];
    let alu21 = in0[alu0 + 3u * k + 3u];
    let alu22 = in1[alu2 + 1u];
    let alu23 = in1[alu2 + n + 1u];
    let alu24 = in1[alu2 + 2u * n + 1u];
    let alu25 = in1[alu2 + 3u * n + 1u];
    let alu26 = in1[alu2 + 2u];
    let alu27 = in1[alu2 + n + 2u];
    let alu28 = in1[alu2 + 2u * n + 2u];
    let alu29 = in1[alu2 + 3u * n + 2u];
    let alu30 = in1[alu2 + 3u];
    let alu31 = in1[alu2 + n + 3u];
    let alu32 = in1[alu2 + 2u * n + 3u];
    let alu33 = in1[alu2 + 3u * n + 3u];
    acc0 += alu1 * alu3 + alu4 * alu5 + alu6 * alu7 + alu8 * alu9;
    acc1 += alu10 * alu3 + alu11 * alu5 + alu12 * alu7 + alu13 * alu9;
    acc2 += alu14 * alu3 + alu15 * alu5 + alu16 * alu7 + alu17 * alu9;
    acc3 += alu18 * alu3 + alu19 * alu5 + alu20 * alu7 + alu21 * alu9;
    acc4 += alu1 * alu22 + alu4 * alu23 + alu6 * alu24 + alu8 * alu25;
    acc5 += alu10 * alu22 + alu11 * alu23 + alu12 * alu24 + alu13 * alu25;
    acc6 += alu14 * alu22 + alu15 * alu23 + alu16 * alu24 + alu17 * alu25;
    acc7 += alu18 * alu22 + alu19 * alu23 + alu20 * alu24 + alu21 * alu25;
    acc8 += alu1 * alu26 + alu4 * alu27 + alu6 * alu28 + alu8 * alu29;
    acc9 += alu10 * alu26 + alu11 * alu27 + alu12 * alu28 + alu13 * alu29;
    acc10 += alu14 * alu26 + alu15 * alu27 + alu16 * alu28 + alu17 * alu29;
    acc11 += alu18 * alu26 + alu19 * alu27 + alu20 * alu28 + alu21 * alu29;
    acc12 += alu1 * alu30 + alu4 * alu31 + alu6 * alu32 + alu8 * alu33;
    acc13 += alu10 * alu30 + alu11 * alu31 + alu12 * alu32 + alu13 * alu33;
    acc14 += alu14 * alu30 + alu15 * alu31 + alu16 * alu32 + alu17 * alu33;
    acc15 += alu18 * alu30 + alu19 * alu31 + alu20 * alu32 + alu21 * alu33;
  }
  let o = row0 * n + col0;
  result[o] = acc0;
  result[o + n] = acc1;
  result[o + 2u * n] = acc2;
  result[o + 3u * n] = acc3;
  result[o + 1u] = acc4;
  result[o + n + 1u] = acc5;
  result[o + 2u * n + 1u] = acc6;
  result[o + 3u * n + 1u] = acc7;
  result[o + 2u] = acc8;
  result[o + n + 2u] = acc9;
  result[o + 2u * n + 2u] = acc10;
  result[o + 3u * n + 2u] = acc11;
  result[o + 3u] = acc12;
  result[o + n + 3u] = acc13;
  result[o + 2u * n + 3u] = acc14;
  result[o + 3u * n + 3u] = acc15;
}
