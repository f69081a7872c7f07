// gradnorm_forward: the global L2 norm of the flat LoRA gradient, deterministic (fixed
// reduction order, no atomics), in two dispatches of this shader:
//   phase 0: workgroup w sums g[i]² over its `per_thread · WG` slice → stats[w]
//   phase 1: one workgroup sums stats[0 .. partials) → stats[512] = sqrt(total)
//
//   g     (n) f32          read
//   stats (1024) f32       partials at [0, partials), the norm at [512] (=)
// Dispatch: phase 0 (partials, 1, 1), phase 1 (1, 1, 1); WG threads each.

override WG: u32 = 256u;

struct Params {
  n: u32,
  per_thread: u32,
  partials: u32,
  phase: u32,
}

@group(0) @binding(0) var<storage, read> g: array<f32>;
@group(0) @binding(1) var<storage, read_write> stats: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

var<workgroup> sums: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  var acc = 0.0;
  if (params.phase == 0u) {
    let base = wid.x * WG * params.per_thread;
    for (var j = 0u; j < params.per_thread; j++) {
      let i = base + j * WG + lid.x;
      if (i < params.n) {
        let x = g[i];
        acc += x * x;
      }
    }
  } else {
    for (var i = lid.x; i < params.partials; i += WG) {
      acc += stats[i];
    }
  }
  sums[lid.x] = acc;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid.x < s) {
      sums[lid.x] += sums[lid.x + s];
    }
    workgroupBarrier();
  }
  if (lid.x == 0u) {
    if (params.phase == 0u) {
      stats[wid.x] = sums[0];
    } else {
      stats[512] = sqrt(sums[0]);
    }
  }
}
