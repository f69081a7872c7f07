// The pieces every matmul kernel shares (scalar, vec4, subgroup, tiled): Params, the binding
// layout of the vector kernels, the vec4 loader of B (f32 through the b32 view, bf16 / f16
// unpacked from vec2<u32>), and the masked epilogue store with bias, alpha and accumulate.
import { loadQuadFn } from './blocks.ts';

export const kParams = (bias: string) => `struct Params {
  m: u32,
  n: u32,
  k: u32,
  flags: u32, // ${bias}; bit 1: accumulate into c
  alpha: f32,
}`;

export const kBindings = `@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> b: array<vec2<u32>>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
// The same buffer as b, viewed as f32 vec4s: an f32 B needs one load per 4 elements, not two.
@group(0) @binding(4) var<storage, read> b32: array<vec4<f32>>;
@group(0) @binding(5) var<uniform> params: Params;`;

export const kLoadB4 = loadQuadFn(
  'Four consecutive elements of B starting at element 4·q, as f32.',
  'load_b4',
  'q',
  'B_DTYPE',
  'b32[q]',
  'b[q]',
);

export const kStore = `fn store(row: u32, col: u32, acc: f32) {
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
}`;

export const kStore4 = `fn store4(row: u32, col: u32, acc: vec4<f32>) {
  store(row, col, acc.x);
  store(row, col + 1u, acc.y);
  store(row, col + 2u, acc.z);
  store(row, col + 3u, acc.w);
}`;
