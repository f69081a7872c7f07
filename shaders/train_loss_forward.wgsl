// train_loss_forward (interim): deterministic sum of the per-token losses of a micro-batch and
// the count of trained targets, added to the running totals of the step:
//   loss[0] = Σ tok_loss[16 + i], loss[1] = #{i : targets[i] ≠ −100}   (=)
//   loss[2] += loss[0], loss[3] += loss[1]                              (+=)
// Dispatch: one workgroup of WG threads.
override WG: u32 = 256u;

struct Params {
  n: u32,
}

@group(0) @binding(0) var<storage, read_write> loss: array<f32>;
@group(0) @binding(1) var<storage, read> targets: array<i32>;
@group(0) @binding(2) var<uniform> params: Params;

var<workgroup> red: array<f32, WG>;
var<workgroup> cnt: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  var s = 0.0;
  var c = 0.0;
  for (var i = lid.x; i < params.n; i += WG) {
    if (targets[i] >= 0) {
      s += loss[16u + i];
      c += 1.0;
    }
  }
  red[lid.x] = s;
  cnt[lid.x] = c;
  workgroupBarrier();
  for (var k = WG / 2u; k > 0u; k = k / 2u) {
    if (lid.x < k) {
      red[lid.x] += red[lid.x + k];
      cnt[lid.x] += cnt[lid.x + k];
    }
    workgroupBarrier();
  }
  if (lid.x == 0u) {
    loss[0] = red[0];
    loss[1] = cnt[0];
    loss[2] = loss[2] + red[0];
    loss[3] = loss[3] + cnt[0];
  }
}
