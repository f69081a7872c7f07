// Dropout backward: dx = keep ? dout * scale : 0, with the very mask of the forward, regenerated
// from the same seed, stream and index (never stored).
// The mask comes from a counter-based RNG, Philox2x32-10 (Salmon et al., SC'11, Random123):
// r = philox(counter = (i, stream), key = seed).x, and element i is kept iff r >= threshold, with
// threshold = round(p * 2^32), so P(keep) = 1 - p. Use a different stream per (step, site), e.g.
// stream = step * sites + site, so every LoRA dropout draws its own mask every step.
//   dout (N) f32  read
//   dx (N) f32  =
// Dispatch: ceil(N / WG) invocations split over x/y; i = gid.x + gid.y * num_workgroups.x * WG.

override WG: u32 = 256;

struct Params {
  n: u32,
  seed: u32,
  stream: u32,
  threshold: u32,
  scale: f32,
}

@group(0) @binding(0) var<storage, read> dout: array<f32>;
@group(0) @binding(1) var<storage, read_write> dx: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

// High 32 bits of the 64-bit product a * b, from 16-bit halves (WGSL has no 64-bit integers).
fn mulhi(a: u32, b: u32) -> u32 {
  let a0 = a & 0xffffu;
  let a1 = a >> 16u;
  let b0 = b & 0xffffu;
  let b1 = b >> 16u;
  let p00 = a0 * b0;
  let p01 = a0 * b1;
  let p10 = a1 * b0;
  let p11 = a1 * b1;
  let mid = (p00 >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
  return p11 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u);
}

fn philox2x32_10(counter: vec2<u32>, seed: u32) -> vec2<u32> {
  var c = counter;
  var k = seed;
  for (var r = 0u; r < 10u; r++) {
    let hi = mulhi(0xD256D193u, c.x);
    let lo = 0xD256D193u * c.x;
    c = vec2<u32>(hi ^ k ^ c.y, lo);
    k += 0x9E3779B9u;
  }
  return c;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) {
    return;
  }
  let r = philox2x32_10(vec2<u32>(i, params.stream), params.seed).x;
  var y = 0.0;
  if (r >= params.threshold) {
    y = dout[i] * params.scale;
  }
  dx[i] = y;
}
