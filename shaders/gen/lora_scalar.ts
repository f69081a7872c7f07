// Generator of the scalar-load LoRA kernels (lora_scalar_forward, lora_scalar_backward): the
// fallback for K, N or R not multiples of 4. Two phases of 4 × 4 register blocks with ranks padded
// to vec4s in workgroup memory, as the vec4 kernels (lora.ts) do with 4 × 8; the phase-1 store of
// h / g and the masked phase-2 epilogue are written once here.
import { fma4 } from './blocks.ts';
import { generatedFile, kLanes, lines, range } from './emit.ts';
import { loraDecls } from './lora_blocks.ts';

const kGen = 'lora_scalar.ts';

const kForwardHeader = `// lora_scalar_forward: the LoRA branch of a linear layer for any shape (scalar loads, ranks
// padded to vec4s; lora_forward.wgsl is the faster vec4 version the launcher uses when K, N and
// R are multiples of 4), fused into one skinny-shape kernel,
//
//   h = x·aᵀ                    (M, R)   saved for the backward                        (=)
//   y += scale · h·bᵀ           (M, N)   added into the base layer's output            (+=)
//                                        (y = … when flags bit 1 is clear)
//
//   x (M, K) f32   M = B·T rows, K = in_features (the LoRA input: dropout(x) if dropout is on)
//   a (R, K) f32   lora_A.weight, R = rank (any R ≤ 4·RV)
//   b (N, R) f32   lora_B.weight, N = out_features
//   h (M, R) f32   output
//   y (M, N) f32   output
//
// One workgroup owns ROWS consecutive rows. Phase 1: its 64 invocations compute the (ROWS, R) block
// of h as 4×4 register blocks (4 rows × 4 ranks, vec4 dot products along K) into workgroup memory
// (ranks ≥ R zeroed) and to \`h\`. Phase 2, after one barrier: they sweep the (ROWS, N) block of y as
// 4×4 blocks (4 rows × 4 columns), each a length-R dot product of h (workgroup memory) with rows of
// b, so a general 64×64-tile matmul's wasted work on R = 8..64 never happens and h never makes a
// round trip through memory before it is used.
//
// Dispatch: workgroup (64); grid (ceil(M / ROWS), 1, 1). Knobs (override constants): ROWS (multiple
// of 4, autotuned), RV = ceil(R / 4).`;

const kBackwardHeader = `// lora_scalar_backward: the input-gradient half of the LoRA branch's backward for any shape
// (scalar loads, ranks padded to vec4s; lora_backward.wgsl is the faster vec4 version the
// launcher uses when K, N and R are multiples of 4), fused into one skinny-shape kernel (the
// weight gradients dA += s·gᵀ·x and dB += s·dyᵀ·h run after it, on matmul_forward.wgsl):
//
//   g = dy·b                     (M, R)   unscaled, saved for dA                        (=)
//   dx += scale · g·a            (M, K)   added into the input gradient                 (+=)
//                                         (dx = … when flags bit 1 is clear)
//
//   dy (M, N) f32   gradient of the layer output, N = out_features
//   b  (N, R) f32   lora_B.weight
//   a  (R, K) f32   lora_A.weight, K = in_features
//   g  (M, R) f32   output
//   dx (M, K) f32   output
//
// One workgroup owns ROWS consecutive rows. Phase 1: 4×4 register blocks (4 rows × 4 ranks) of
// g, reducing over N four at a time (vec4 of dy times 4 rows of b), into workgroup memory (ranks
// ≥ R zeroed) and to \`g\`. Phase 2, after one barrier: 4×4 blocks (4 rows × 4 columns) of dx, each
// a length-R sum of g (workgroup memory) times rows of a.
//
// Dispatch: workgroup (64); grid (ceil(M / ROWS), 1, 1). Knobs (override constants): ROWS (multiple
// of 4, autotuned), RV = ceil(R / 4).`;

const kMain = `@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let m = params.m;
  let n = params.n;
  let k = params.k;
  let r = params.r;
  let row_base = wid.x * ROWS;`;

/** The loop header of phase 1: task t → 4 rows (ti) and one quad of ranks (tj). */
const kPhase1Loop = `  for (var t = lid; t < (ROWS / 4u) * RV; t += WG) {
    let ti = t / RV;
    let tj = t % RV;
    let row0 = row_base + ti * 4u;
    let j0 = tj * 4u;`;

/** Phase 1's 4 × 4 block (rows[i], ranks past r zeroed) into `shared` and the output `out`. */
function storeRanks(shared: string, out: string): string {
  return `    for (var i = 0u; i < 4u; i += 1u) {
      ${shared}[(ti * 4u + i) * RV + tj] = rows[i];
      let row = row0 + i;
      if (row < m) {
        for (var j = 0u; j < 4u; j += 1u) {
          if (j0 + j < r) {
            ${out}[row * r + j0 + j] = rows[i][j];
          }
        }
      }
    }
  }
  workgroupBarrier();`;
}

/** Phase 2's loop header over 4 rows × 4 columns of `cols` (col0), and its zeroed block c0..c3. */
function phase2Loop(comment: string, tiles: string, cols: string): string {
  return `${comment}
  let ${tiles} = (${cols} + 3u) / 4u;
  let accumulate = (params.flags & 2u) != 0u;
  for (var t = lid; t < (ROWS / 4u) * ${tiles}; t += WG) {
    let ti = t / ${tiles};
    let col0 = (t % ${tiles}) * 4u;
    let row0 = row_base + ti * 4u;
    if (row0 >= m) {
      break;
    }`;
}

const kZeros = lines(4, '    ', (i) => `var c${i} = vec4<f32>(0.0);`);

/** The 4 rows of phase 1's result for reduction quad v, from workgroup memory. */
function sharedRows(shared: string): string {
  return `      let base = ti * 4u * RV + v;
      let p0 = ${shared}[base];
      let p1 = ${shared}[base + RV];
      let p2 = ${shared}[base + 2u * RV];
      let p3 = ${shared}[base + 3u * RV];`;
}

/** out (row, col) (+)= scale · block, masked past m rows and `cols` columns. */
function storeBlock(out: string, cols: string): string {
  return `    let cs = array<f32, 16>(c0.x, c0.y, c0.z, c0.w, c1.x, c1.y, c1.z, c1.w, c2.x, c2.y, c2.z, c2.w,
                            c3.x, c3.y, c3.z, c3.w);
    for (var q = 0u; q < 16u; q += 1u) {
      let row = row0 + q / 4u;
      let col = col0 + q % 4u;
      if (row < m && col < ${cols}) {
        let e = row * ${cols} + col;
        var v = params.scale * cs[q];
        if (accumulate) {
          v += ${out}[e];
        }
        ${out}[e] = v;
      }
    }
  }
}`;
}

/** Rows row0..row0+3 (clamped) of a buffer with `stride` elements per row. */
const rowOffsets = (name: string, stride: string) =>
  `    let ${name}0 = min(row0, m - 1u) * ${stride};
${lines(3, '    ', (i) => `let ${name}${i + 1} = min(row0 + ${i + 1}u, m - 1u) * ${stride};`)}`;

function forward(): string {
  const s = (i: number, j: number) => `s${i}${j}`;
  return `${kForwardHeader}

${loraDecls(
  'y',
  [
    ['x', 'read', ''],
    ['a', 'read', ''],
    ['b', 'read', ''],
    ['h', 'read_write', ''],
    ['y', 'read_write', ''],
  ],
  'f32',
  'hs',
)}

fn ld4(e: u32) -> vec4<f32> {
  return vec4<f32>(x[e], x[e + 1u], x[e + 2u], x[e + 3u]);
}

fn la4(e: u32) -> vec4<f32> {
  return vec4<f32>(a[e], a[e + 1u], a[e + 2u], a[e + 3u]);
}

fn hsum(v: vec4<f32>) -> f32 {
  return (v.x + v.y) + (v.z + v.w);
}

${kMain}
  let k4 = k & ~3u;

  // Phase 1: h block = x rows · aᵀ, as (ROWS/4) × RV blocks of 4 rows × 4 ranks.
${kPhase1Loop}
${rowOffsets('xr', 'k')}
    let ar0 = min(j0, r - 1u) * k;
${lines(3, '    ', (i) => `let ar${i + 1} = min(j0 + ${i + 1}u, r - 1u) * k;`)}
${lines(16, '    ', (i) => `var ${s(i >> 2, i % 4)} = vec4<f32>(0.0);`)}
    for (var kk = 0u; kk < k4; kk += 4u) {
${lines(4, '      ', (i) => `let x${i} = ld4(xr${i} + kk);`)}
${lines(4, '      ', (j) => `let a${j} = la4(ar${j} + kk);`)}
${lines(16, '      ', (i) => `${s(i >> 2, i % 4)} += x${i >> 2} * a${i % 4};`)}
    }
    for (var kk = k4; kk < k; kk += 1u) {
      let av = vec4<f32>(a[ar0 + kk], a[ar1 + kk], a[ar2 + kk], a[ar3 + kk]);
${lines(16, '      ', (i) => `${s(i >> 2, i % 4)}.x += x[xr${i >> 2} + kk] * av.${kLanes[i % 4]};`)}
    }
    // Ranks past r are zero so that phase 2 can run whole vec4s.
    let live = vec4<f32>(vec4<u32>(j0, j0 + 1u, j0 + 2u, j0 + 3u) < vec4<u32>(r));
    var rows = array<vec4<f32>, 4>(
${lines(
  4,
  '      ',
  (i) =>
    `live * vec4<f32>(${range(4)
      .map((j) => `hsum(${s(i, j)})`)
      .join(', ')}),`,
)}
    );
${storeRanks('hs', 'h')}

${phase2Loop(
  `  // Phase 2: y block += scale · h block · bᵀ, as (ROWS/4) × ceil(N/4) blocks of 4 rows × 4 columns;
  // neighbouring invocations take neighbouring columns.`,
  'nc',
  'n',
)}
    let br0 = min(col0, n - 1u) * r;
${lines(3, '    ', (i) => `let br${i + 1} = min(col0 + ${i + 1}u, n - 1u) * r;`)}
${kZeros}
    for (var v = 0u; v < RV; v += 1u) {
      let j = v * 4u;
      // b[col, j .. j+3], ranks clamped to r-1 (h is zero there).
${lines(3, '      ', (i) => `let j${i + 1} = min(j + ${i + 1}u, r - 1u);`)}
${lines(4, '      ', (c) => `let q${c} = vec4<f32>(b[br${c} + j], b[br${c} + j1], b[br${c} + j2], b[br${c} + j3]);`)}
${sharedRows('hs')}
${lines(
  4,
  '      ',
  (i) =>
    `c${i} += vec4<f32>(${range(4)
      .map((c) => `dot(p${i}, q${c})`)
      .join(', ')});`,
)}
    }
${storeBlock('y', 'n')}
`;
}

function backward(): string {
  const axpy = range(4)
    .map((i) => fma4('      ', `c${i}`, `p${i}`, (s) => `q${s}`))
    .join('\n');
  return `${kBackwardHeader}

${loraDecls(
  'dx',
  [
    ['dy', 'read', ''],
    ['b', 'read', ''],
    ['a', 'read', ''],
    ['g', 'read_write', ''],
    ['dx', 'read_write', ''],
  ],
  'f32',
  'gs',
)}

// b[row, j0 .. j0+3] with ranks clamped to r-1.
fn b4(row: u32, j0: u32, r: u32) -> vec4<f32> {
  let e = row * r;
  return vec4<f32>(b[e + min(j0, r - 1u)], b[e + min(j0 + 1u, r - 1u)], b[e + min(j0 + 2u, r - 1u)],
                   b[e + min(j0 + 3u, r - 1u)]);
}

// a[j, c0 .. c0+3] with columns clamped to k-1 (j pre-clamped). Clamping every element instead of
// branching on the edge: SwiftShader runs both sides of a divergent branch.
fn a4(j: u32, c0: u32, k: u32) -> vec4<f32> {
  let e = j * k;
  return vec4<f32>(a[e + min(c0, k - 1u)], a[e + min(c0 + 1u, k - 1u)],
                   a[e + min(c0 + 2u, k - 1u)], a[e + min(c0 + 3u, k - 1u)]);
}

fn dy4(e: u32) -> vec4<f32> {
  return vec4<f32>(dy[e], dy[e + 1u], dy[e + 2u], dy[e + 3u]);
}

${kMain}
  let n4 = n & ~3u;

  // Phase 1: g block = dy rows · b, as (ROWS/4) × RV blocks of 4 rows × 4 ranks.
${kPhase1Loop}
${rowOffsets('dr', 'n')}
${kZeros}
    for (var nn = 0u; nn < n4; nn += 4u) {
${lines(4, '      ', (i) => `let p${i} = dy4(dr${i} + nn);`)}
      let q0 = b4(nn, j0, r);
${lines(3, '      ', (i) => `let q${i + 1} = b4(nn + ${i + 1}u, j0, r);`)}
${axpy}
    }
    for (var nn = n4; nn < n; nn += 1u) {
      let q = b4(nn, j0, r);
${lines(4, '      ', (i) => `c${i} += dy[dr${i} + nn] * q;`)}
    }
    let live = vec4<f32>(vec4<u32>(j0, j0 + 1u, j0 + 2u, j0 + 3u) < vec4<u32>(r));
    let rows = array<vec4<f32>, 4>(live * c0, live * c1, live * c2, live * c3);
${storeRanks('gs', 'g')}

${phase2Loop(
  `  // Phase 2: dx block (+)= scale · g block · a, as (ROWS/4) × ceil(K/4) blocks of 4 rows × 4
  // columns; neighbouring invocations take neighbouring columns.`,
  'kc',
  'k',
)}
${kZeros}
    for (var v = 0u; v < RV; v += 1u) {
      let j = v * 4u;
      let q0 = a4(min(j, r - 1u), col0, k);
${lines(3, '      ', (i) => `let q${i + 1} = a4(min(j + ${i + 1}u, r - 1u), col0, k);`)}
${sharedRows('gs')}
${axpy}
    }
${storeBlock('dx', 'k')}
`;
}

/** The scalar-load LoRA kernels, by path relative to the repository root. */
export function loraScalarShaders(): Record<string, string> {
  return {
    'shaders/lora_scalar_forward.wgsl': generatedFile(kGen, forward()),
    'shaders/lora_scalar_backward.wgsl': generatedFile(kGen, backward()),
  };
}
