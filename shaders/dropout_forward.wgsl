// dropout_forward: PEFT's `lora_dropout` on the LoRA input path (torch semantics: kept elements
// are scaled by 1 / (1 − p)), with a counter-based RNG so that forward, recompute and backward
// regenerate the same mask instead of storing it. The RNG is Philox2x32-10 (Salmon et al., SC'11,
// Random123): one call (counter = (t, site), key = seed) gives two words, r.x for element 2t and
// r.y for element 2t + 1; element i is kept iff its word >= threshold, threshold = round(p · 2^32),
// so P(keep) = 1 − p. Both words are used: the ten rounds dominate the op's cost on SwiftShader.
// The seed is per micro-batch and comes from the step-state buffer the host rewrites, so a new
// mask needs no new GPU objects.
//
//   x     (n) f32   read
//   out   (n) f32   out = keep · x · scale    when params.accumulate == 0  (=)
//                   out += keep · x · scale   when params.accumulate == 1  (+=, the backward)
//   state (4) u32   state[0]: the micro-batch seed; state[1] == 1: dropout on, else out (+)= x
//
// The backward of dropout is this op on the output gradient (same site and seed: same mask).
// Dispatch: 1-D over element pairs, ceil(ceil(n / 2) / WG) workgroups split over x/y;
// t = (wid.x + wid.y·nwg.x)·WG + lid.x handles elements 2t and 2t + 1.

override WG: u32 = 256u;

struct Params {
  n: u32,
  site: u32,
  threshold: u32, // round(p · 2^32), clamped to 2^32 − 1
  scale: f32, // f32(1 / (1 − p))
  accumulate: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> state: array<u32>;
@group(0) @binding(3) var<uniform> params: Params;

// High 32 bits of the 64-bit product a · b, from 16-bit halves (WGSL has no 64-bit integers).
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
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let t = (wid.x + wid.y * nwg.x) * WG + lid.x;
  let i = 2u * t;
  if (i >= params.n) {
    return;
  }
  var r = vec2<u32>(0xffffffffu); // dropout off: keep everything, unscaled
  var scale = 1.0;
  if (state[1] == 1u) {
    r = philox2x32_10(vec2<u32>(t, params.site), state[0]);
    scale = params.scale;
  }
  apply(i, r.x, scale);
  if (i + 1u < params.n) {
    apply(i + 1u, r.y, scale);
  }
}

fn apply(i: u32, r: u32, scale: f32) {
  let y = select(0.0, x[i] * scale, r >= params.threshold);
  if (params.accumulate == 1u) {
    out[i] = out[i] + y;
  } else {
    out[i] = y;
  }
}
