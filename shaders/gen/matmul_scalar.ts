// Generator of the other two matmul kernels: matmul_forward (scalar loads, any strides, an 8 × 8
// block of C per invocation in 64 named registers: every form, and the weight gradient dYᵀ·X) and
// matmul_tiled_forward (64 × 64 workgroup-memory tiles, the discrete-GPU layout). They share
// Params, the B loaders and the epilogue with the vec4 kernels (matmul_blocks.ts).
import { clampedRows } from './blocks.ts';
import { generatedFile, lines, range } from './emit.ts';
import { kBindings, kLoadB4, kParams, kStore, kStore4 } from './matmul_blocks.ts';

const kGen = 'matmul_scalar.ts';

const kScalarHeader = `// matmul_forward: the matmuls of a linear layer, as one strided, register-blocked kernel
//
//   C (M, N) = alpha · op(A) · op(B)  (+ bias)  (+ C),  reduction over K
//
// op(A)[i, p] = a[i·sa_i + p·sa_k] and op(B)[p, j] = b[p·sb_k + j·sb_j] (strides in elements, in
// Params), so the same code runs every form a linear layer Y = X·Wᵀ needs (W (N_out, K_in) as
// Hugging Face stores it); src/kernels/matmul.ts sets the strides:
//
//   forward        Y  = X·Wᵀ    a = X (M, K)           b = W (N, K)     sa = (K, 1)  sb = (1, K)
//   input grad     dX = dY·W    a = dY (M, N_out)      b = W (N_out, K) sa = (N, 1)  sb = (K, 1)
//   weight grad    dW = dYᵀ·X   a = dY (rows, N_out)   b = X (rows, K)  sa = (1, N)  sb = (K, 1)
//
//   a    f32
//   b    B_DTYPE: 0 f32 (one per u32), 1 bf16, 2 f16 (two per u32: element e in word e/2, low half
//        first, i.e. the raw bytes of a safetensors tensor; f16 goes through unpack2x16float, so it
//        needs no shader-f16)
//   bias (N) f32, added when flags bit 0 is set (bind any buffer otherwise)
//   c    (M, N) f32: c = alpha·acc (+ bias)      when flags bit 1 is clear   (=)
//                    c += alpha·acc (+ bias)     when flags bit 1 is set     (+=)
//
// Each invocation owns an 8×8 block of C in 64 scalar registers and walks K one step at a time:
// 8 loads of A, 8 of B, 64 multiply-adds. No workgroup memory and no branch in the loop: rows and
// columns past M/N are clamped for loads and masked on store. On SwiftShader (every lane's load is
// a gather, every branch runs both sides) this beats shared-memory tiling 2× (DESIGN.md); on
// discrete GPUs the autotuner still picks the workgroup shape.
//
// Dispatch: workgroup (WG_X, WG_Y); grid (ceil(N / (8·WG_X)), ceil(M / (8·WG_Y)), 1).
// Override constants: WG_X, WG_Y (autotuned), B_DTYPE.`;

const kTiledHeader = `// matmul_tiled_forward: Y = X·Wᵀ or dX = dY·W through workgroup-memory tiles, the classic layout
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
// Override constants: B_DTYPE (0 f32, 1 bf16, 2 f16), NN (the B layout).`;

const c8 = (r: number, c: number) => `c${r}${c}`;

function scalar(): string {
  return `${kScalarHeader}

override WG_X: u32 = 8u;
override WG_Y: u32 = 8u;
override B_DTYPE: u32 = 0u;

struct Params {
  m: u32,
  n: u32,
  k: u32,
  flags: u32, // bit 0: add bias; bit 1: accumulate into c
  alpha: f32,
  sa_i: u32, // stride of A between rows of op(A)
  sa_k: u32, // stride of A along K
  sb_k: u32, // stride of B along K
  sb_j: u32, // stride of B between columns of op(B)
}

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<u32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

// Element e of B as f32.
fn b_at(e: u32) -> f32 {
  if (B_DTYPE == 0u) {
    return bitcast<f32>(b[e]);
  }
  let word = b[e >> 1u];
  let odd = (e & 1u) == 1u;
  if (B_DTYPE == 1u) {
    return bitcast<f32>(select(word << 16u, word & 0xffff0000u, odd));
  }
  let v = unpack2x16float(word);
  return select(v.x, v.y, odd);
}

${kStore}

@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let m = params.m;
  let n = params.n;
  let row0 = gid.y * 8u;
  let col0 = gid.x * 8u;
  if (row0 >= m || col0 >= n) {
    return;
  }
  // Clamped element offsets of the 8 rows of op(A) and the 8 columns of op(B).
${clampedRows('  ', 8, (r) => `ra${r}`, 'row0', 'm - 1u', 'params.sa_i')}
${clampedRows('  ', 8, (j) => `cb${j}`, 'col0', 'n - 1u', 'params.sb_j')}
${lines(8, '  ', (r) =>
  range(8)
    .map((j) => `var ${c8(r, j)} = 0.0;`)
    .join(' '),
)}
  var oa = 0u;
  var ob = 0u;
  for (var p = 0u; p < params.k; p += 1u) {
${lines(8, '    ', (r) => `let a${r} = a[ra${r} + oa];`)}
${lines(8, '    ', (j) => `let b${j} = b_at(cb${j} + ob);`)}
${lines(64, '    ', (i) => `${c8(i >> 3, i % 8)} += a${i >> 3} * b${i % 8};`)}
    oa += params.sa_k;
    ob += params.sb_k;
  }
  // Epilogue as a loop over a private copy: one inlined store instead of 64 keeps compile time
  // down (SwiftShader JIT), at the cost of a few private-memory moves per invocation.
  let acc = array<f32, 64>(
${lines(
  8,
  '    ',
  (r) =>
    `${range(8)
      .map((j) => c8(r, j))
      .join(', ')},`,
)}
  );
  for (var t = 0u; t < 64u; t += 1u) {
    store(row0 + t / 8u, col0 + t % 8u, acc[t]);
  }
}
`;
}

/** fn put_<tile>: a vec4 loaded along K (reduction indices 4·kq.., tile row r) into a k-major tile. */
function putFn(tile: string): string {
  return `fn put_${tile.slice(1)}(kq: u32, r: u32, v: vec4<f32>) {
  let i = r / 4u;
  let j = r % 4u;
${lines(4, '  ', (s) => `${tile}[(4u * kq + ${s}u) * Q + i][j] = v.${'xyzw'[s]};`)}
}`;
}

function tiled(): string {
  return `${kTiledHeader}

override B_DTYPE: u32 = 1u;
override NN: bool = false;

const TILE: u32 = 64u; // rows and columns of C per workgroup
const TK: u32 = 16u; // reduction step
const Q: u32 = 16u; // vec4s per tile row (TILE / 4)

${kParams('bit 0: add bias')}

${kBindings}

// k-major tiles: ta[k * Q + i] holds A rows 4i..4i+3 of the tile at reduction index k; tb[k * Q + j]
// holds B columns (C columns) 4j..4j+3.
var<workgroup> ta: array<vec4<f32>, 256>; // TK * Q
var<workgroup> tb: array<vec4<f32>, 256>;

${kLoadB4}

${kStore}

${kStore4}

// Write a vec4 loaded along K (reduction indices 4·kq.., one tile row r) into a k-major tile.
${putFn('ta')}

${putFn('tb')}

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
`;
}

/** The scalar and tiled matmul kernels, by path relative to the repository root. */
export function matmulScalarShaders(): Record<string, string> {
  return {
    'shaders/matmul_forward.wgsl': generatedFile(kGen, scalar()),
    'shaders/matmul_tiled_forward.wgsl': generatedFile(kGen, tiled()),
  };
}
