// alu_probe_forward: the adapter's peak f32 multiply-add rate, read by `sft-studio bench` (model
// FLOPs utilisation) and by the kernel benchmark (fraction of peak). Each invocation runs `iters`
// rounds of 16 independent vec4 multiply-adds (no memory traffic in the loop) and stores one value
// so nothing is dead code. The accumulators are named scalars, not an array: on SwiftShader, array
// accumulators in a loop ran 8-10x slower and understated the peak.
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
  var a0 = vec4<f32>(s);
  var a1 = a0 + 1.0;
  var a2 = a0 + 2.0;
  var a3 = a0 + 3.0;
  var a4 = a0 + 4.0;
  var a5 = a0 + 5.0;
  var a6 = a0 + 6.0;
  var a7 = a0 + 7.0;
  var a8 = a0 + 8.0;
  var a9 = a0 + 9.0;
  var a10 = a0 + 10.0;
  var a11 = a0 + 11.0;
  var a12 = a0 + 12.0;
  var a13 = a0 + 13.0;
  var a14 = a0 + 14.0;
  var a15 = a0 + 15.0;
  for (var i = 0u; i < params.iters; i += 1u) {
    a0 = a0 * mul + add;
    a1 = a1 * mul + add;
    a2 = a2 * mul + add;
    a3 = a3 * mul + add;
    a4 = a4 * mul + add;
    a5 = a5 * mul + add;
    a6 = a6 * mul + add;
    a7 = a7 * mul + add;
    a8 = a8 * mul + add;
    a9 = a9 * mul + add;
    a10 = a10 * mul + add;
    a11 = a11 * mul + add;
    a12 = a12 * mul + add;
    a13 = a13 * mul + add;
    a14 = a14 * mul + add;
    a15 = a15 * mul + add;
  }
  let t = (a0 + a1 + a2 + a3) + (a4 + a5 + a6 + a7) + (a8 + a9 + a10 + a11) + (a12 + a13 + a14 + a15);
  out[gid.x] = t.x + t.y + t.z + t.w;
}
