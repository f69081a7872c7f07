// train_rope_forward (interim): HF rotate_half RoPE on (n, heads, HS), both halves of each head:
//   angle = pos[t] · inv_freq[i],  i < HS/2
//   forward (dir = +1): y1 = x1·cos − x2·sin,  y2 = x2·cos + x1·sin
//   backward (dir = −1, the transpose): dx1 = dy1·cos + dy2·sin,  dx2 = dy2·cos − dy1·sin
//   x, out (n, heads, HS) f32 (out =); pos (n) i32; inv_freq (HS/2) f32 (HF's, llama3-scaled)
// Dispatch: 1-D over n·heads·HS/2, WG per workgroup, split over x/y.
override WG: u32 = 256u;

struct Params {
  n: u32,
  heads: u32,
  hs: u32,
  dir: f32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> pos: array<i32>;
@group(0) @binding(2) var<storage, read> inv_freq: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let half = params.hs / 2u;
  let idx = (wid.x + wid.y * nwg.x) * WG + lid.x;
  if (idx >= params.n * params.heads * half) {
    return;
  }
  let i = idx % half;
  let th = idx / half; // token·heads + head
  let t = th / params.heads;
  let angle = f32(pos[t]) * inv_freq[i];
  let c = cos(angle);
  let s = sin(angle) * params.dir;
  let base = th * params.hs;
  let x1 = x[base + i];
  let x2 = x[base + i + half];
  out[base + i] = x1 * c - x2 * s;
  out[base + i + half] = x2 * c + x1 * s;
}
