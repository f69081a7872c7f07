// Generator of the four vec4 matmul kernels: X·Wᵀ (matmul_nt_forward) and dY·W
// (matmul_nn_forward), each also with the loads of B shared across a subgroup (matmul_ntsg_forward,
// matmul_nnsg_forward). Both forms keep a 4 × 8 block of C per invocation in named registers; the
// plain and subgroup versions differ only in who loads B and how invocations map to rows, so each
// form is written once with `sg` choosing. matmul_scalar.ts writes the other two matmul kernels.
import { axpy4x8, clampedRows, dot4x8, zeros4x8 } from './blocks.ts';
import { kBindings, kLoadB4, kParams, kStore, kStore4 } from './matmul_blocks.ts';
import { broadcast8, generatedFile, lines, range } from './emit.ts';

const kGen = 'matmul.ts';

const kSubgroupMain = `fn main(
  @builtin(global_invocation_id) gid: vec3<u32>,
  @builtin(subgroup_invocation_id) lane: u32,
)`;

const kSgOverrides = `// Override constants: WG_X (a multiple of the subgroup size, default 64), B_DTYPE (0 f32, 1 bf16,
// 2 f16).

enable subgroups;

override WG_X: u32 = 64u;
override B_DTYPE: u32 = 1u;`;

const cName = (r: number, j: number) => `c${r}${j}`;
const aRows = (indent: string, rows: number[]) =>
  rows.map((r) => `${indent}let a${r} = a[ra${r} + p];`).join('\n');

function ntHeader(sg: boolean): string {
  if (sg) {
    return `// matmul_ntsg_forward: matmul_nt_forward.wgsl (Y = X·Wᵀ, vec4 loads along K, a 4 × 8 block of C
// per invocation) with the loads of B shared across a subgroup. All invocations of a workgroup own
// the same 8 columns of C (one workgroup row, WG_Y = 1) and different 4-row blocks; in each step of
// the K loop lanes 0..3 of every subgroup load two of the 8 rows of B each, and every lane takes
// the 8 vec4s with subgroupBroadcast: 4 + 2 loads per step instead of 4 + 8. On SwiftShader (4-wide
// subgroups, every lane's load a gather with a bounds check) this ran 1.2-1.45× faster than
// matmul_nt_forward.wgsl on the LLM shapes, with bit-identical results (same order of operations).
//
// Needs the 'subgroups' feature and subgroups of 4 to 64 invocations (the launcher checks the
// adapter's subgroupMinSize / subgroupMaxSize); correct for any layout of invocations into
// subgroups since every invocation of the workgroup shares the columns. No early return: every
// lane reaches every broadcast (rows past M are clamped for loads and masked on store).
//
//   c (M, N) = alpha · a (M, K) · b (N, K)ᵀ  (+ bias)  (+ c)    layouts as matmul_nt_forward.wgsl
// K must be a multiple of 4.
//
// Dispatch: workgroup (WG_X, 1); grid (ceil(M / (4·WG_X)), ceil(N / 8), 1).
${kSgOverrides}`;
  }
  return `// matmul_nt_forward: the forward of a linear layer, Y = X·Wᵀ, with vec4 loads along K
//
//   c (M, N) = alpha · a (M, K) · b (N, K)ᵀ  (+ bias)  (+ c)
//
//   a    (M, K) f32, read as vec4 along K
//   b    (N, K) B_DTYPE, read along K as vec2<u32> (4 elements of bf16 / f16 per load, two per
//        u32, low half first: the raw bytes of a safetensors tensor) or, for f32 (B_DTYPE 0),
//        through b32, the same buffer bound again as vec4<f32>
//   bias (N) f32, added when flags bit 0 is set (bind any buffer otherwise)
//   c    (M, N) f32: = when flags bit 1 is clear, += when it is set
// K must be a multiple of 4 (src/kernels/matmul.ts falls back to matmul_forward.wgsl otherwise).
//
// Each invocation owns a 4 × 8 block of C in 32 named scalar registers. One step of the K loop
// loads 4 vec4 of A and 8 of B (12 loads) for 128 multiply-adds, as dot(vec4, vec4). On
// SwiftShader every lane's load is a gather with a bounds check, so loads, not FMAs, bound the
// scalar kernel (8 + 8 loads per 64 FMAs); vec4 loads along the contiguous K halve the load count
// per FMA and ran 1.6-1.9× faster on the LLM shapes (512³ … 2048×1536×576). 4 × 8 beat 8 × 8 here
// (64 vec4-wide accumulators spill) and 4 × 4 (too few FMAs per load). Named registers, not arrays:
// arrays indexed in a loop ran 8-10× slower. Rows and columns past M / N are clamped for loads and
// masked on store, so the loop has no branch.
//
// ROWS = 1 makes it a 1 × 8 block (the other rows' code is compiled out): for M = 1, decoding one
// token, where 4-row blocks would compute 3 clamped copies of the same row (2× slower measured).
//
// Dispatch: workgroup (WG_X, WG_Y); grid (ceil(N / (8·WG_X)), ceil(M / (ROWS·WG_Y)), 1).
// Override constants: WG_X, WG_Y (autotuned), B_DTYPE (0 f32, 1 bf16, 2 f16), ROWS (4 or 1).

override WG_X: u32 = 16u;
override WG_Y: u32 = 4u;
override B_DTYPE: u32 = 1u;
override ROWS: u32 = 4u; // 4, or 1 for matrix-vector products (decoding one token)`;
}

/** The K loop and stores of X·Wᵀ: plain (ROWS 4 or 1, 8 B loads) or subgroup (2 B loads). */
function ntBody(sg: boolean): string {
  const b = (j: number) => `b${j}`;
  const a = (r: number) => `a${r}`;
  const stores = (indent: string, rows: number[], first: string) =>
    rows
      .flatMap((r) =>
        range(8).map(
          (j) =>
            `${indent}store(${r || sg ? `row0 + ${r}u` : first}, col0 + ${j}u, ${cName(r, j)});`,
        ),
      )
      .join('\n');
  if (sg) {
    return `  let m = params.m;
  let n = params.n;
  let k4 = params.k / 4u;
  let row0 = gid.x * 4u;
  let col0 = gid.y * 8u;
  // Clamped vec4 offsets of this lane's 4 rows of A, and of the two rows of B it loads for the
  // subgroup (lanes >= 4 load a clamped row nobody reads).
${clampedRows('  ', 4, (r) => `ra${r}`, 'row0', 'm - 1u', 'k4')}
  let rbe = min(col0 + 2u * lane, n - 1u) * k4;
  let rbo = min(col0 + 2u * lane + 1u, n - 1u) * k4;
${zeros4x8('  ', cName)}
  for (var p = 0u; p < k4; p += 1u) {
${aRows('    ', range(4))}
    let be = load_b4(rbe + p);
    let bo = load_b4(rbo + p);
${broadcast8('    ', b, 'be', 'bo')}
${dot4x8('    ', range(4), range(8), cName, a, b)}
  }
${stores('  ', range(4), '')}`;
  }
  return `  let m = params.m;
  let n = params.n;
  let k4 = params.k / 4u;
  let row0 = gid.y * ROWS;
  let col0 = gid.x * 8u;
  if (row0 >= m || col0 >= n) {
    return;
  }
  // Clamped vec4 offsets of the 4 rows of A and the 8 rows of B (columns of C).
${clampedRows('  ', 4, (r) => `ra${r}`, 'row0', 'm - 1u', 'k4')}
${clampedRows('  ', 8, (j) => `rb${j}`, 'col0', 'n - 1u', 'k4')}
${zeros4x8('  ', cName)}
  for (var p = 0u; p < k4; p += 1u) {
    let a0 = a[ra0 + p];
${lines(8, '    ', (j) => `let b${j} = load_b4(rb${j} + p);`)}
${dot4x8('    ', [0], range(8), cName, a, b)}
    if (ROWS == 4u) {
${aRows('      ', [1, 2, 3])}
${dot4x8('      ', [1, 2, 3], range(8), cName, a, b)}
    }
  }
${stores('  ', [0], 'row0')}
  if (ROWS == 4u) {
${stores('    ', [1, 2, 3], '')}
  }`;
}

function nt(sg: boolean): string {
  return `${ntHeader(sg)}

${kParams('bit 0: add bias')}

${kBindings}

${kLoadB4}

${kStore}

@compute @workgroup_size(${sg ? 'WG_X, 1, 1' : 'WG_X, WG_Y, 1'})
${sg ? kSubgroupMain : 'fn main(@builtin(global_invocation_id) gid: vec3<u32>)'} {
${ntBody(sg)}
}
`;
}

function nnHeader(sg: boolean): string {
  if (sg) {
    return `// matmul_nnsg_forward: matmul_nn_forward.wgsl (dX = dY·W, vec4 loads, a 4 × 8 block of C per
// invocation) with the loads of B shared across a subgroup, as matmul_ntsg_forward.wgsl does for
// X·Wᵀ. All invocations of a workgroup own the same 8 columns of C (one workgroup row) and
// different 4-row blocks. One step of the reduction takes 4 rows of B (reduction index 4p..4p+3)
// × 2 column quads = 8 vec4s: lane L of every subgroup loads row 4p + (L mod 4), both quads, and
// every lane takes the 8 vec4s from lanes 0..3 with subgroupBroadcast: 4 + 2 loads per step
// instead of 4 + 8, for 128 multiply-adds. Same order of operations as matmul_nn_forward.wgsl, so
// the results are bit-identical to it.
//
// Needs the 'subgroups' feature and subgroups of 4 to 64 invocations (the launcher checks the
// adapter's subgroupMinSize / subgroupMaxSize). No early return: every lane reaches every
// broadcast (rows past M are clamped for loads and masked on store).
//
//   c (M, N) = alpha · a (M, K) · b (K, N)  (+ c)        layouts as matmul_nn_forward.wgsl
// K and N must be multiples of 4.
//
// Dispatch: workgroup (WG_X, 1); grid (ceil(M / (4·WG_X)), ceil(N / 8), 1).
${kSgOverrides}`;
  }
  return `// matmul_nn_forward: the input gradient of a linear layer, dX = dY·W, with vec4 loads
//
//   c (M, N) = alpha · a (M, K) · b (K, N)  (+ c)        (layer letters: dX (M, in) = dY (M, out) · W (out, in))
//
//   a    (M, K) f32, read as vec4 along K (the reduction)
//   b    (K, N) B_DTYPE, read along N as vec2<u32> (4 elements of bf16 / f16 per load, two per
//        u32, low half first) or, for f32 (B_DTYPE 0), through b32 (the same buffer as vec4<f32>)
//   bias unused (bound for the shared layout of the matmul kernels; flags bit 0 must be clear)
//   c    (M, N) f32: = when flags bit 1 is clear, += when it is set
// K and N must be multiples of 4 (src/kernels/matmul.ts falls back to matmul_forward.wgsl otherwise).
//
// Each invocation owns 4 rows × 8 columns of C, as two vec4 registers per row. One step of the
// reduction loop takes 4 values of K: 4 vec4 loads of A (one per row) and 8 of B (4 rows of B ×
// 2 column quads) for 128 multiply-adds. Same reasoning as matmul_nt_forward.wgsl: on SwiftShader
// loads bound the scalar kernel; vec4 loads along the contiguous dimension of each operand halve
// the loads per FMA. Rows past M and column quads past N are clamped for loads, masked on store.
//
// Dispatch: workgroup (WG_X, WG_Y); grid (ceil(N / (8·WG_X)), ceil(M / (4·WG_Y)), 1).
// Override constants: WG_X, WG_Y (autotuned), B_DTYPE (0 f32, 1 bf16, 2 f16).

override WG_X: u32 = 16u;
override WG_Y: u32 = 4u;
override B_DTYPE: u32 = 1u;`;
}

function nn(sg: boolean): string {
  const start = sg
    ? `  let row0 = gid.x * 4u;
  let q0 = gid.y * 2u; // first column quad (< n4: the grid has ceil(N / 8) columns)
  // Clamped vec4 offsets of this lane's 4 rows of A; the two column quads of B (the second
  // clamped); the row of B this lane loads in each step (its lane mod 4: in range for every lane).`
    : `  let row0 = gid.y * 4u;
  let q0 = gid.x * 2u; // first column quad
  if (row0 >= m || q0 >= n4) {
    return;
  }
  // Clamped vec4 offsets of the 4 rows of A; column quads of B (the second clamped).`;
  const accs = lines(8, '  ', (i) => `var c${i >> 1}${i % 2 ? 'b' : 'a'} = vec4<f32>(0.0);`);
  const loadsB = sg
    ? `    let ba = load_b4(rb + qa);
    let bb = load_b4(rb + qb);
${broadcast8('    ', (i) => `b${i >> 1}${i % 2 ? 'b' : 'a'}`, 'ba', 'bb')}`
    : lines(8, '    ', (i) => {
        const q = i % 2 ? 'b' : 'a';
        return `let b${i >> 1}${q} = load_b4(rb + ${i >> 1}u * n4 + q${q});`;
      });
  const stores = range(4)
    .map(
      (r) => `  store4(row0 + ${r}u, 4u * qa, c${r}a);
  if (q0 + 1u < n4) {
    store4(row0 + ${r}u, 4u * qb, c${r}b);
  }`,
    )
    .join('\n');
  return `${nnHeader(sg)}

${kParams(sg ? 'bit 0 must be clear (no bias)' : 'bit 0: add bias')}

${kBindings}

${kLoadB4}

${kStore}

${kStore4}

@compute @workgroup_size(${sg ? 'WG_X, 1, 1' : 'WG_X, WG_Y, 1'})
${sg ? kSubgroupMain : 'fn main(@builtin(global_invocation_id) gid: vec3<u32>)'} {
  let m = params.m;
  let n4 = params.n / 4u;
  let k4 = params.k / 4u;
${start}
${clampedRows('  ', 4, (r) => `ra${r}`, 'row0', 'm - 1u', 'k4')}
  let qa = q0;
  let qb = min(q0 + 1u, n4 - 1u);
${sg ? `  var rb = (lane & 3u) * n4; // vec4 offset of B's row 4p + (lane mod 4)\n${accs}` : `${accs}\n  var rb = 0u; // vec4 offset of B's row 4·p`}
  for (var p = 0u; p < k4; p += 1u) {
${aRows('    ', range(4))}
${loadsB}
${axpy4x8('    ')}
    rb += 4u * n4;
  }
${stores}
}
`;
}

/** The vec4 matmul kernels, by path relative to the repository root. */
export function matmulShaders(): Record<string, string> {
  return {
    'shaders/matmul_nt_forward.wgsl': generatedFile(kGen, nt(false)),
    'shaders/matmul_ntsg_forward.wgsl': generatedFile(kGen, nt(true)),
    'shaders/matmul_nn_forward.wgsl': generatedFile(kGen, nn(false)),
    'shaders/matmul_nnsg_forward.wgsl': generatedFile(kGen, nn(true)),
  };
}
