// train_embedding_forward (interim, until the kernel library's embedding lands): out = table[ids].
//   ids   (n) i32; table (V, C) in W_DTYPE (0 f32, 1 bf16, 2 f16; 16-bit packed two per u32)
//   out   (n, C) f32 (=)
// Dispatch: 1-D over n·C, WG per workgroup, split over x/y.
override WG: u32 = 256u;
override W_DTYPE: u32 = 0u;

struct Params {
  n: u32,
  C: u32,
}

@group(0) @binding(0) var<storage, read> ids: array<i32>;
@group(0) @binding(1) var<storage, read> table: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

fn w1(e: u32) -> f32 {
  if (W_DTYPE == 0u) {
    return bitcast<f32>(table[e]);
  }
  let word = table[e >> 1u];
  if (W_DTYPE == 1u) {
    return bitcast<f32>(select(word << 16u, word & 0xffff0000u, (e & 1u) == 1u));
  }
  return unpack2x16float(word)[e & 1u];
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid.x;
  if (i >= params.n * params.C) {
    return;
  }
  let t = i / params.C;
  let c = i % params.C;
  out[i] = w1(u32(ids[t]) * params.C + c);
}
