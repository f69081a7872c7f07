// Global gradient L2 norm, pass 1 of 2 (no atomics): each workgroup sums the squares of a
// contiguous chunk of one gradient buffer and writes one partial sum.
//   grad     (N)               f32  read
//   partials (offset + groups) f32  partials[offset + wid] = sum of grad[i]^2 over its chunk
// Several gradient buffers write disjoint ranges of one partials buffer (offset), then
// gradnorm_finalize.wgsl reduces them all.
// Dispatch: ceil(N / chunk) workgroups of WG threads (the launcher keeps that <= 1024); chunk is a
// multiple of WG; threads stride over the chunk, then a tree reduction.

override WG: u32 = 256;

struct Params {
  n: u32,
  chunk: u32,
  offset: u32,
}

@group(0) @binding(0) var<storage, read> grad: array<f32>;
@group(0) @binding(1) var<storage, read_write> partials: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

var<workgroup> part: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let begin = wid.x * params.chunk;
  let end = min(params.n, begin + params.chunk);
  var s = 0.0;
  for (var i = begin + tid; i < end; i += WG) {
    let g = grad[i];
    s += g * g;
  }
  part[tid] = s;
  workgroupBarrier();
  for (var k = WG / 2u; k > 0u; k >>= 1u) {
    if (tid < k) {
      part[tid] += part[tid + k];
    }
    workgroupBarrier();
  }
  if (tid == 0u) {
    partials[params.offset + wid.x] = part[0];
  }
}
