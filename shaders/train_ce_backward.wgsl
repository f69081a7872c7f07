// train_ce_backward (interim): dh (rows, C) = dz (rows, V) · W (V, C) for one cross-entropy chunk,
// split over the vocabulary so that a chunk of few rows still fills the GPU (the reduction runs
// over V ≈ 50k–150k): phase 0: part[s, r, c] = Σ_{v in slice s} dz[r, v]·W[v, c] (=);
// phase 1: dh[r, c] = Σ_s part[s, r, c] (=). Deterministic, no atomics.
//   dz (rows, V) f32; w (V, C) W_DTYPE (0 f32, 1 bf16, 2 f16, 16-bit packed two per u32)
//   part (S, rows, C) f32; dh (rows, C) f32
// Dispatch: phase 0 1-D over S·rows·C, phase 1 1-D over rows·C; WG per workgroup, split over x/y.
override WG: u32 = 256u;
override W_DTYPE: u32 = 0u;

struct Params {
  rows: u32,
  C: u32,
  V: u32,
  S: u32,
  phase: u32,
}

@group(0) @binding(0) var<storage, read> dz: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<u32>;
@group(0) @binding(2) var<storage, read_write> part: array<f32>;
@group(0) @binding(3) var<storage, read_write> dh: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

fn w1(e: u32) -> f32 {
  if (W_DTYPE == 0u) {
    return bitcast<f32>(w[e]);
  }
  let word = w[e >> 1u];
  if (W_DTYPE == 1u) {
    return bitcast<f32>(select(word << 16u, word & 0xffff0000u, (e & 1u) == 1u));
  }
  return unpack2x16float(word)[e & 1u];
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid.x;
  let rc = params.rows * params.C;
  if (params.phase == 0u) {
    if (i >= params.S * rc) {
      return;
    }
    let s = i / rc;
    let r = (i % rc) / params.C;
    let c = i % params.C;
    let per = (params.V + params.S - 1u) / params.S;
    let v0 = s * per;
    let v1 = min(params.V, v0 + per);
    var acc = 0.0;
    for (var v = v0; v < v1; v++) {
      acc += dz[r * params.V + v] * w1(v * params.C + c);
    }
    part[i] = acc;
  } else {
    if (i >= rc) {
      return;
    }
    var acc = 0.0;
    for (var s = 0u; s < params.S; s++) {
      acc += part[s * rc + i];
    }
    dh[i] = acc;
  }
}
