// RMSNorm weight gradient: dweight[c] (+)= sum over rows of dout[r, c] * x[r, c] * rstd[r].
// Not needed for LoRA training (norm weights are frozen); here for completeness and full
// fine-tuning. Column-parallel, so no atomics and no second pass.
//   dout    (rows, C) f32  read
//   x       (rows, C) f32  read
//   rstd    (rows)    f32  read
//   dweight (C)       f32  = when params.accumulate == 0, += otherwise
// Dispatch: ceil(C / WG) workgroups of WG threads, one thread per column.

override WG: u32 = 64;

struct Params {
  rows: u32,
  C: u32,
  accumulate: u32,
}

@group(0) @binding(0) var<storage, read> dout: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> rstd: array<f32>;
@group(0) @binding(3) var<storage, read_write> dweight: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  if (c >= params.C) {
    return;
  }
  var sum = 0.0;
  for (var r = 0u; r < params.rows; r++) {
    let i = r * params.C + c;
    sum += dout[i] * x[i] * rstd[r];
  }
  if (params.accumulate != 0u) {
    dweight[c] += sum;
  } else {
    dweight[c] = sum;
  }
}
