// lora_dropout_forward: PEFT's `lora_dropout` on the LoRA input path, with a counter-based RNG so
// the same mask is regenerated in the recompute and the backward instead of being stored.
//
//   x     (n) f32           read
//   out   (n) f32           out = x·keep/(1-p)       when params.accumulate == 0  (=)
//                           out += x·keep/(1-p)      when params.accumulate == 1  (+=, backward)
//   state (4) u32           state[0]: the micro-batch seed (written by the host before each
//                           micro-batch); the mask is keep(i) = u(hash(seed, site, i)) >= p;
//                           state[1] = 0 turns dropout off (eval): out (+)= x
//
// The backward of dropout is the same op on the output gradient (same mask, same scale).
// Dispatch: 1-D, WG threads per workgroup, ceil(n / WG) workgroups split over x/y;
// i = (wid.x + wid.y * nwg.x) * WG + lid.x.

override WG: u32 = 256u;

struct Params {
  n: u32,
  site: u32,
  p: f32,
  accumulate: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> state: array<u32>;
@group(0) @binding(3) var<uniform> params: Params;

fn pcg(v: u32) -> u32 {
  let s = v * 747796405u + 2891336453u;
  let w = ((s >> ((s >> 28u) + 4u)) ^ s) * 277803737u;
  return (w >> 22u) ^ w;
}

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid.x;
  if (i >= params.n) {
    return;
  }
  let key = pcg(state[0] ^ pcg(params.site));
  let h = pcg(i ^ key);
  let u = f32(h >> 8u) * (1.0 / 16777216.0);
  let p = select(0.0, params.p, state[1] == 1u);
  let v = select(0.0, x[i] / (1.0 - p), u >= p);
  if (params.accumulate == 1u) {
    out[i] = out[i] + v;
  } else {
    out[i] = v;
  }
}
