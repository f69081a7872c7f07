// alu_probe_forward: the adapter's peak f32 multiply-add rate, for model-FLOPs utilisation in
// `sft-studio bench`. Each invocation runs `iters` rounds of 16 independent vec4 multiply-adds
// (no memory traffic in the loop) and stores one value so nothing is dead code.
// FLOPs = 2 · 4 · 16 · iters · invocations.   out (invocations) f32 (=)
// Dispatch: workgroup (64); grid (groups, 1, 1).

struct Params {
  iters: u32,
  seed: f32,
}

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<uniform> params: Params;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let s = params.seed + f32(gid.x) * 1e-7;
  let mul = vec4<f32>(0.999, 0.998, 0.997, 0.996);
  let add = vec4<f32>(s, s * 0.5, s * 0.25, s * 0.125);
  var acc: array<vec4<f32>, 16>;
  for (var k = 0u; k < 16u; k++) {
    acc[k] = vec4<f32>(s + f32(k));
  }
  for (var i = 0u; i < params.iters; i++) {
    acc[0] = acc[0] * mul + add;
    acc[1] = acc[1] * mul + add;
    acc[2] = acc[2] * mul + add;
    acc[3] = acc[3] * mul + add;
    acc[4] = acc[4] * mul + add;
    acc[5] = acc[5] * mul + add;
    acc[6] = acc[6] * mul + add;
    acc[7] = acc[7] * mul + add;
    acc[8] = acc[8] * mul + add;
    acc[9] = acc[9] * mul + add;
    acc[10] = acc[10] * mul + add;
    acc[11] = acc[11] * mul + add;
    acc[12] = acc[12] * mul + add;
    acc[13] = acc[13] * mul + add;
    acc[14] = acc[14] * mul + add;
    acc[15] = acc[15] * mul + add;
  }
  var t = vec4<f32>(0.0);
  for (var k = 0u; k < 16u; k++) {
    t += acc[k];
  }
  out[gid.x] = t.x + t.y + t.z + t.w;
}
