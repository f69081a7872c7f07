// train_ce_forward (interim, until the kernel library's fused cross-entropy lands): the softmax
// cross-entropy of one chunk of logits, rows [row0, row0 + rows) of the micro-batch, in place:
//   logits (chunk, V) f32: in: z = h·Wᵀ for the chunk;  out: dz = softmax(z) − onehot(target)
//                           (0 for rows whose target is −100 or past `rows`)
//   targets (n) i32;  tok_loss (16 + n) f32: tok_loss[16 + row0 + r] = lse(z) − z[target] (or 0)
// Dispatch: one workgroup of WG threads per chunk row (chunk workgroups).
override WG: u32 = 256u;

struct Params {
  V: u32,
  row0: u32,
  rows: u32,
  grad: u32,
}

@group(0) @binding(0) var<storage, read_write> logits: array<f32>;
@group(0) @binding(1) var<storage, read> targets: array<i32>;
@group(0) @binding(2) var<storage, read_write> tok_loss: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

var<workgroup> red: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let r = wid.x;
  let V = params.V;
  let base = r * V;
  var tgt = -100;
  if (r < params.rows) {
    tgt = targets[params.row0 + r];
  }
  if (tgt < 0) {
    if (params.grad == 1u) {
      for (var c = lid.x; c < V; c += WG) {
        logits[base + c] = 0.0;
      }
    }
    if (lid.x == 0u && r < params.rows) {
      tok_loss[16u + params.row0 + r] = 0.0;
    }
    return;
  }
  var m = -3.0e38;
  for (var c = lid.x; c < V; c += WG) {
    m = max(m, logits[base + c]);
  }
  red[lid.x] = m;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid.x < s) {
      red[lid.x] = max(red[lid.x], red[lid.x + s]);
    }
    workgroupBarrier();
  }
  let mx = red[0];
  workgroupBarrier();
  var sum = 0.0;
  for (var c = lid.x; c < V; c += WG) {
    sum += exp(logits[base + c] - mx);
  }
  red[lid.x] = sum;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid.x < s) {
      red[lid.x] += red[lid.x + s];
    }
    workgroupBarrier();
  }
  let total = red[0];
  let lse = mx + log(total);
  let zt = logits[base + u32(tgt)];
  workgroupBarrier();
  if (lid.x == 0u) {
    tok_loss[16u + params.row0 + r] = lse - zt;
  }
  if (params.grad == 1u) {
    for (var c = lid.x; c < V; c += WG) {
      let p = exp(logits[base + c] - lse);
      logits[base + c] = select(p, p - 1.0, c == u32(tgt));
    }
  }
}
