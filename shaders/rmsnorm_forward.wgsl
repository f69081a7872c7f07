// RMSNorm forward, Hugging Face semantics in f32: out = weight * (x * rstd),
// rstd = 1 / sqrt(mean(x^2) + eps), one row at a time. Also used per head for Qwen3 q_norm/k_norm
// (rows = T * NH, C = HS).
//   x      (rows, C) f32       read
//   weight (C)       f32       read
//   out    (rows, C) f32       =  (must not alias x)
//   rstd   (rows)    f32       =  saved for the backward
// Dispatch: one workgroup of WG threads per row; row = wid.x + wid.y * num_workgroups.x (the
// launcher splits rows past 65535 over y). Threads stride over C, then a tree reduction.

override WG: u32 = 64;

struct Params {
  rows: u32,
  C: u32,
  eps: f32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> weight: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) tid: u32,
) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= params.rows) {
    return; // uniform: the whole workgroup leaves
  }
  let C = params.C;
  let base = row * C;
  var sum = 0.0;
  for (var c = tid; c < C; c += WG) {
    let v = x[base + c];
    sum += v * v;
  }
  partial[tid] = sum;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (tid < s) {
      partial[tid] += partial[tid + s];
    }
    workgroupBarrier();
  }
  let r = inverseSqrt(partial[0] / f32(C) + params.eps);
  for (var c = tid; c < C; c += WG) {
    out[base + c] = weight[c] * (x[base + c] * r);
  }
  if (tid == 0u) {
    rstd[row] = r;
  }
}
