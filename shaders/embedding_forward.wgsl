// Embedding gather: out[t, c] = weight[ids[t], c]. Forward only: the embeddings are frozen in
// LoRA training, so there is no backward (no embedding_backward.wgsl); the gradient stops here.
//   ids    (T)    u32      read; an id >= V yields a zero row (the launcher cannot see ids)
//   weight (V, C) W_DTYPE  read; f32 (one per u32), bf16 or f16 (two per u32, element e in word
//                          e / 2, low half first: the raw bytes of a safetensors tensor)
//   out    (T, C) f32      =
// Dispatch: one invocation per output element, ceil(T*C / WG) split over x/y;
// i = gid.x + gid.y * num_workgroups.x * WG.

override WG: u32 = 256;
override W_DTYPE: u32 = 0u; // 0 f32, 1 bf16, 2 f16

struct Params {
  T: u32,
  C: u32,
  V: u32,
}

@group(0) @binding(0) var<storage, read> ids: array<u32>;
@group(0) @binding(1) var<storage, read> weight: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

fn weight_at(e: u32) -> f32 {
  if (W_DTYPE == 0u) {
    return bitcast<f32>(weight[e]);
  }
  let word = weight[e >> 1u];
  let odd = (e & 1u) == 1u;
  if (W_DTYPE == 1u) {
    return bitcast<f32>(select(word << 16u, word & 0xffff0000u, odd));
  }
  return unpack2x16float(word)[e & 1u];
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.T * params.C) {
    return;
  }
  let t = i / params.C;
  let c = i - t * params.C;
  let id = ids[t];
  var v = 0.0;
  if (id < params.V) {
    v = weight_at(id * params.C + c);
  }
  out[i] = v;
}
