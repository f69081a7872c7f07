// RMSNorm backward to the input: with g = weight * dout and y = weight * x * rstd,
//   dx = rstd * (g - x * rstd^2 * mean(g * x)).
//   dout   (rows, C) f32   read
//   x      (rows, C) f32   read  (the forward input)
//   weight (C)       f32   read
//   rstd   (rows)    f32   read  (saved by the forward)
//   dx     (rows, C) f32   = when params.accumulate == 0, += otherwise (the residual stream)
// Dispatch: one workgroup of WG threads per row; row = wid.x + wid.y * num_workgroups.x.
// The weight gradient (frozen in LoRA training) is rmsnorm_backward_dweight.wgsl.

override WG: u32 = 64;

struct Params {
  rows: u32,
  C: u32,
  accumulate: u32,
}

@group(0) @binding(0) var<storage, read> dout: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read> rstd: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;
@group(0) @binding(5) var<uniform> params: Params;

var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) tid: u32,
) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= params.rows) {
    return;
  }
  let C = params.C;
  let base = row * C;
  var sum = 0.0;
  for (var c = tid; c < C; c += WG) {
    sum += weight[c] * dout[base + c] * x[base + c];
  }
  partial[tid] = sum;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (tid < s) {
      partial[tid] += partial[tid + s];
    }
    workgroupBarrier();
  }
  let r = rstd[row];
  let k = r * r * partial[0] / f32(C);
  for (var c = tid; c < C; c += WG) {
    let g = weight[c] * dout[base + c];
    let d = r * (g - x[base + c] * k);
    if (params.accumulate != 0u) {
      dx[base + c] += d;
    } else {
      dx[base + c] = d;
    }
  }
}
