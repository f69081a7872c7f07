// Loss total and trained-token count, on the GPU: out[0] (+)= sum_t losses[t],
// out[1] (+)= #{t : 0 <= labels[t] < V} (as f32, exact below 2^24). With accumulate == 1 both add
// onto out, so the micro-batches of one optimizer step can total into the same two floats and the
// step never waits on a readback.
//   losses (T) f32  read (from crossentropy_merge.wgsl; 0 for ignored tokens)
//   labels (T) i32  read
//   out    (2) f32  = (accumulate 0) or += (accumulate 1)
// Dispatch: one workgroup of WG threads (power of two); strided sums, then a tree reduction.

override WG: u32 = 256;

struct Params {
  T: u32,
  V: u32,
  accumulate: u32,
}

@group(0) @binding(0) var<storage, read> losses: array<f32>;
@group(0) @binding(1) var<storage, read> labels: array<i32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

var<workgroup> part_loss: array<f32, WG>;
var<workgroup> part_count: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) tid: u32) {
  var sl = 0.0;
  var sc = 0.0;
  for (var t = tid; t < params.T; t += WG) {
    let lab = labels[t];
    if (lab >= 0 && u32(lab) < params.V) {
      sl += losses[t];
      sc += 1.0;
    }
  }
  part_loss[tid] = sl;
  part_count[tid] = sc;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (tid < s) {
      part_loss[tid] += part_loss[tid + s];
      part_count[tid] += part_count[tid + s];
    }
    workgroupBarrier();
  }
  if (tid == 0u) {
    if (params.accumulate != 0u) {
      out[0] += part_loss[0];
      out[1] += part_count[0];
    } else {
      out[0] = part_loss[0];
      out[1] = part_count[0];
    }
  }
}
