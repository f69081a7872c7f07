// matmul_tiled_forward: Y = X·Wᵀ or dX = dY·W through workgroup-memory tiles, the classic layout
// for discrete GPUs (and the one the autotuner times there: on SwiftShader, where workgroup memory
// is ordinary memory behind extra copies and barriers, the register-blocked shaders win).
//
//   NN false: c (M, N) = alpha · a (M, K) · b (N, K)ᵀ  (+ bias)  (+ c)   (the linear forward)
//   NN true:  c (M, N) = alpha · a (M, K) · b (K, N)             (+ c)   (dX = dY·W)
//
//   a    f32, read as vec4 along K
//   b    B_DTYPE, read as vec2<u32> (4 elements of bf16 / f16 per load, two per u32, low half
//        first) or, for f32 (B_DTYPE 0), through b32 (the same buffer as vec4<f32>); along K for
//        NN false, along N for NN true
//   bias (N) f32, added when flags bit 0 is set (NN false only; bind any buffer otherwise)
//   c    (M, N) f32: = when flags bit 1 is clear, += when it is set
// K must be a multiple of 4 (and N too for NN true); src/kernels/matmul.ts checks.
//
// A workgroup of 16 × 16 invocations computes a 64 × 64 tile of C; each invocation a 4 × 4 block
// (rows 4·ly.., columns 4·lx..) in four vec4 registers. The reduction runs in steps of 16: the
// workgroup copies the 64 × 16 slice of A and the 16 × 64 slice of B into workgroup memory, one
// vec4 load per invocation each, stored k-major (tile[k][row]) so that the inner loop reads one
// vec4 of A rows and one of B columns per k: 2 workgroup-memory loads per 16 FMAs, and each global
// element is loaded once per tile instead of once per invocation. Rows and columns past M / N are
// clamped on load and masked on store; reduction indices past K are loaded as zeros.
//
// Dispatch: workgroup (16, 16); grid (ceil(N / 64), ceil(M / 64), 1).
// Override constants: B_DTYPE (0 f32, 1 bf16, 2 f16), NN (the B layout).

override B_DTYPE: u32 = 1u;
override NN: bool = false;

const TILE: u32 = 64u; // rows and columns of C per workgroup
const TK: u32 = 16u; // reduction step
const Q: u32 = 16u; // vec4s per tile row (TILE / 4)

struct Params {
  m: u32,
  n: u32,
  k: u32,
  flags: u32, // bit 0: add bias; bit 1: accumulate into c
  alpha: f32,
}

@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> b: array<vec2<u32>>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
// The same buffer as b, viewed as f32 vec4s: an f32 B needs one load per 4 elements, not two.
@group(0) @binding(4) var<storage, read> b32: array<vec4<f32>>;
@group(0) @binding(5) var<uniform> params: Params;

// k-major tiles: ta[k * Q + i] holds A rows 4i..4i+3 of the tile at reduction index k; tb[k * Q + j]
// holds B columns (C columns) 4j..4j+3.
var<workgroup> ta: array<vec4<f32>, 256>; // TK * Q
var<workgroup> tb: array<vec4<f32>, 256>;

// Four consecutive elements of B starting at element 4·q, as f32.
fn load_b4(q: u32) -> vec4<f32> {
  if (B_DTYPE == 0u) {
    return b32[q];
  }
  let w = b[q];
  if (B_DTYPE == 1u) {
    return vec4<f32>(
      bitcast<f32>(w.x << 16u),
      bitcast<f32>(w.x & 0xffff0000u),
      bitcast<f32>(w.y << 16u),
      bitcast<f32>(w.y & 0xffff0000u),
    );
  }
  return vec4<f32>(unpack2x16float(w.x), unpack2x16float(w.y));
}

fn store(row: u32, col: u32, acc: f32) {
  if (row >= params.m || col >= params.n) {
    return;
  }
  var v = params.alpha * acc;
  if ((params.flags & 1u) != 0u) {
    v += bias[col];
  }
  let e = row * params.n + col;
  if ((params.flags & 2u) != 0u) {
    v += c[e];
  }
  c[e] = v;
}

fn store4(row: u32, col: u32, acc: vec4<f32>) {
  store(row, col, acc.x);
  store(row, col + 1u, acc.y);
  store(row, col + 2u, acc.z);
  store(row, col + 3u, acc.w);
}

// Write a vec4 loaded along K (reduction indices 4·kq.., one tile row r) into a k-major tile.
fn put_a(kq: u32, r: u32, v: vec4<f32>) {
  let i = r / 4u;
  let j = r % 4u;
  ta[(4u * kq + 0u) * Q + i][j] = v.x;
  ta[(4u * kq + 1u) * Q + i][j] = v.y;
  ta[(4u * kq + 2u) * Q + i][j] = v.z;
  ta[(4u * kq + 3u) * Q + i][j] = v.w;
}

fn put_b(kq: u32, r: u32, v: vec4<f32>) {
  let i = r / 4u;
  let j = r % 4u;
  tb[(4u * kq + 0u) * Q + i][j] = v.x;
  tb[(4u * kq + 1u) * Q + i][j] = v.y;
  tb[(4u * kq + 2u) * Q + i][j] = v.z;
  tb[(4u * kq + 3u) * Q + i][j] = v.w;
}

@compute @workgroup_size(16, 16, 1)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(local_invocation_index) li: u32,
) {
  let m = params.m;
  let n = params.n;
  let k4 = params.k / 4u;
  let n4 = n / 4u; // NN only (N % 4 == 0)
  let row0 = wid.y * TILE;
  let col0 = wid.x * TILE;
  // This invocation's share of each tile copy: A row lr (and, NN false, B row lr), quad lq of the
  // 16-wide reduction step; NN true: B row lk of the step, column quad lc.
  let lr = li / 4u;
  let lq = li % 4u;
  let lk = li / Q;
  let lc = li % Q;
  let arow = min(row0 + lr, m - 1u) * k4;
  let brow = min(col0 + lr, n - 1u) * k4; // NN false
  let bcol = min(col0 / 4u + lc, max(n4, 1u) - 1u); // NN true
  var c0 = vec4<f32>(0.0);
  var c1 = vec4<f32>(0.0);
  var c2 = vec4<f32>(0.0);
  var c3 = vec4<f32>(0.0);
  for (var kb = 0u; kb < k4; kb += TK / 4u) {
    let kq = kb + lq; // vec4 index along K of this invocation's A (and NT B) load
    let inside = kq < k4;
    put_a(lq, lr, select(vec4<f32>(0.0), a[arow + min(kq, k4 - 1u)], inside));
    if (NN) {
      let kr = 4u * kb + lk; // reduction index of this invocation's B row
      let v = load_b4(min(kr, 4u * k4 - 1u) * n4 + bcol);
      tb[lk * Q + lc] = select(vec4<f32>(0.0), v, kr < 4u * k4);
    } else {
      put_b(lq, lr, select(vec4<f32>(0.0), load_b4(brow + min(kq, k4 - 1u)), inside));
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      let av = ta[kk * Q + lid.y];
      let bv = tb[kk * Q + lid.x];
      c0 += av.x * bv;
      c1 += av.y * bv;
      c2 += av.z * bv;
      c3 += av.w * bv;
    }
    workgroupBarrier();
  }
  let r = row0 + 4u * lid.y;
  let col = col0 + 4u * lid.x;
  store4(r + 0u, col, c0);
  store4(r + 1u, col, c1);
  store4(r + 2u, col, c2);
  store4(r + 3u, col, c3);
}
