// Fused lm_head + cross-entropy, part 2 of 2: combines the S vocabulary splits of
// crossentropy_forward.wgsl / crossentropy_backward.wgsl per token:
//   M = max_s m_s,  L = sum_s l_s exp(m_s - M),  loss_t = M + log L - hidden_t . W_label
//   dhidden_t = scale * (sum_s exp(m_s - M) acc_s,t / L - W_label)      (when params.grad == 1)
// Ignored tokens (label outside [0, V), e.g. -100) get loss 0 and a zero gradient row.
//   hidden  (T, C)    f32      read
//   weight  (V, C)    W_DTYPE  read
//   labels  (T)       i32      read
//   ml      (S, T, 2) f32      read
//   acc     (S, T, C) f32      read (only when grad == 1; bind any buffer otherwise)
//   losses  (T)       f32      =
//   dhidden (T, C)    f32      = (only when grad == 1; bind any buffer otherwise)
// Dispatch: ceil(T / WG) workgroups, one invocation per token.

override WG: u32 = 64;
override W_DTYPE: u32 = 0u;

struct Params {
  T: u32,
  C: u32,
  V: u32,
  S: u32,
  grad: u32,
  scale: f32,
}

@group(0) @binding(0) var<storage, read> hidden: array<f32>;
@group(0) @binding(1) var<storage, read> weight: array<u32>;
@group(0) @binding(2) var<storage, read> labels: array<i32>;
@group(0) @binding(3) var<storage, read> ml: array<f32>;
@group(0) @binding(4) var<storage, read> acc: array<f32>;
@group(0) @binding(5) var<storage, read_write> losses: array<f32>;
@group(0) @binding(6) var<storage, read_write> dhidden: array<f32>;
@group(0) @binding(7) var<uniform> params: Params;

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
  let t = gid.x;
  let T = params.T;
  let C = params.C;
  if (t >= T) {
    return;
  }
  let lab = labels[t];
  let grad = params.grad != 0u;
  if (lab < 0 || u32(lab) >= params.V) {
    losses[t] = 0.0;
    if (grad) {
      for (var c = 0u; c < C; c++) {
        dhidden[t * C + c] = 0.0;
      }
    }
    return;
  }
  var M = -3.0e38;
  for (var s = 0u; s < params.S; s++) {
    M = max(M, ml[(s * T + t) * 2u]);
  }
  var L = 0.0;
  for (var s = 0u; s < params.S; s++) {
    let o = (s * T + t) * 2u;
    L += ml[o + 1u] * exp(ml[o] - M);
  }
  let wl = u32(lab) * C;
  var logit = 0.0;
  for (var c = 0u; c < C; c++) {
    logit += hidden[t * C + c] * w_at(wl + c);
  }
  losses[t] = M + log(L) - logit;
  if (grad) {
    let invL = 1.0 / L;
    for (var c = 0u; c < C; c++) {
      var sm = 0.0;
      for (var s = 0u; s < params.S; s++) {
        sm += exp(ml[(s * T + t) * 2u] - M) * acc[(s * T + t) * C + c];
      }
      dhidden[t * C + c] = params.scale * (sm * invL - w_at(wl + c));
    }
  }
}
