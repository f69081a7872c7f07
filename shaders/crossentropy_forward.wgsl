// Fused lm_head + cross-entropy, loss-only pass (evaluation), part 1 of 2: per vocabulary split.
// For a block of RT = 4 tokens and the vocabulary rows [s * vchunk, min(V, (s + 1) * vchunk)) of
// split s = gid.y, streams the lm_head rows RV = 8 at a time: logits = hidden_t . W_v and an
// online log-sum-exp (running max m and sum l per token). Nothing (T, V) is stored.
// crossentropy_merge.wgsl combines the splits into per-token losses. The training pass, which
// also yields dhidden in the same sweep, is crossentropy_backward.wgsl.
//   hidden (T, C) f32      read (after the final norm)
//   weight (V, C) W_DTYPE  read; f32, or bf16 / f16 packed two per u32 (low half first)
//   labels (T)    i32      read; trained iff 0 <= label < V (-100 = ignore)
//   ml     (S, T, 2) f32   =  (m, l) per split and token (only for blocks with a trained token)
// Dispatch: (ceil(ceil(T / RT) / WG), S); one invocation per (4-token block, split).

override WG: u32 = 64;
override W_DTYPE: u32 = 0u; // 0 f32, 1 bf16, 2 f16

const RT: u32 = 4u;
const RV: u32 = 8u;
const NEG: f32 = -3.0e38;

struct Params {
  T: u32,
  C: u32,
  V: u32,
  vchunk: u32,
}

@group(0) @binding(0) var<storage, read> hidden: array<f32>;
@group(0) @binding(1) var<storage, read> weight: array<u32>;
@group(0) @binding(2) var<storage, read> labels: array<i32>;
@group(0) @binding(3) var<storage, read_write> ml: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

fn w_at(e: u32) -> f32 {
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
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let T = params.T;
  let C = params.C;
  let V = params.V;
  let s = gid.y;
  let t0 = gid.x * RT;
  if (t0 >= T) {
    return;
  }
  var trained = false;
  for (var a = 0u; a < RT; a++) {
    if (t0 + a < T) {
      let lab = labels[t0 + a];
      trained = trained || (lab >= 0 && u32(lab) < V);
    }
  }
  if (!trained) {
    return;
  }
  let vbeg = s * params.vchunk;
  let vend = min(V, vbeg + params.vchunk);
  let h0 = min(t0, T - 1u) * C;
  let h1 = min(t0 + 1u, T - 1u) * C;
  let h2 = min(t0 + 2u, T - 1u) * C;
  let h3 = min(t0 + 3u, T - 1u) * C;
  var m = vec4<f32>(NEG);
  var l = vec4<f32>(0.0);
  for (var v0 = vbeg; v0 < vend; v0 += RV) {
    var lg: array<vec4<f32>, RV>;
    var wrow: array<u32, RV>;
    for (var r = 0u; r < RV; r++) {
      lg[r] = vec4<f32>(0.0);
      wrow[r] = min(v0 + r, vend - 1u) * C;
    }
    for (var c = 0u; c < C; c++) {
      let h = vec4<f32>(hidden[h0 + c], hidden[h1 + c], hidden[h2 + c], hidden[h3 + c]);
      for (var r = 0u; r < RV; r++) {
        lg[r] += h * w_at(wrow[r] + c);
      }
    }
    var cmax = vec4<f32>(NEG);
    for (var r = 0u; r < RV; r++) {
      if (v0 + r >= vend) {
        lg[r] = vec4<f32>(NEG);
      }
      cmax = max(cmax, lg[r]);
    }
    let mnew = max(m, cmax);
    var psum = vec4<f32>(0.0);
    for (var r = 0u; r < RV; r++) {
      psum += exp(lg[r] - mnew);
    }
    l = l * exp(m - mnew) + psum;
    m = mnew;
  }
  for (var a = 0u; a < RT; a++) {
    if (t0 + a < T) {
      let o = (s * T + t0 + a) * 2u;
      ml[o] = m[a];
      ml[o + 1u] = l[a];
    }
  }
}
