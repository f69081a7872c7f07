// Generator of the two fused vec4 LoRA kernels (lora_forward: h = x·aᵀ then y += s·h·bᵀ;
// lora_backward: g = dy·b then dx += s·g·a). Both run two phases of 4 × 8 register blocks over
// the rows a workgroup owns, with the first phase's result kept in workgroup memory; the blocks,
// their guarded two-quad stores and the phase loops are written once here. lora_scalar.ts
// writes the scalar-load fallbacks.
import { clampedRows, dot4x8Loads, fma4 } from './blocks.ts';
import { generatedFile, lines, range } from './emit.ts';
import { loraDecls } from './lora_blocks.ts';

const kGen = 'lora.ts';

/** The 4 × 8 scalar accumulators <p><row><col> zeroed, one line per half row (4 columns). */
const zeros4x8Halves = (indent: string, p: string) =>
  lines(8, indent, (i) =>
    range(4)
      .map((c) => `var ${p}${i >> 1}${(i % 2) * 4 + c} = 0.0;`)
      .join(' '),
  );

/** The declarations of a vec4 kernel, and put_<out> (= or += one vec4 of the output). */
function decls(out: string, bindings: [string, string, string][], shared: string): string {
  return `${loraDecls(out, bindings, 'vec4<f32>', shared)}

fn put_${out}(e: u32, v: vec4<f32>, accumulate: bool) {
  if (accumulate) {
    ${out}[e] = ${out}[e] + v;
  } else {
    ${out}[e] = v;
  }
}`;
}

/**
 * Rows row0..row0+3 of a two-quad block, each quad stored by `put(r, quad)`; rows past m and the
 * second quad past `quads` (odd counts) are skipped. Row 0 is in range unless `guardFirst`.
 */
function storeRows(
  indent: string,
  quads: string,
  second: string,
  put: (r: number, q: 'a' | 'b') => string,
  guardFirst: boolean,
): string {
  return range(4)
    .map((r) => {
      const pair = [put(r, 'a'), `if (${second} + 1u < ${quads}) {`, `  ${put(r, 'b')}`, '}'];
      if (r === 0 && !guardFirst) return pair.map((l) => indent + l).join('\n');
      return [`if (row0 + ${r}u < m) {`, ...pair.map((l) => `  ${l}`), '}']
        .map((l) => indent + l)
        .join('\n');
    })
    .join('\n');
}

/** Phase 1's block into workgroup memory (`shared`) and to the output `out` (RV quads per row). */
function phase1Stores(
  shared: string,
  base: string,
  out: string,
  reg: (r: number, q: string) => string,
) {
  return `${lines(4, '    ', (r) => `${shared}[${base} + ${r}u * RV + qa] = ${reg(r, 'a')};`)}
    if (qa + 1u < RV) {
${lines(4, '      ', (r) => `${shared}[${base} + ${r}u * RV + qb] = ${reg(r, 'b')};`)}
    }
${storeRows('    ', 'RV', 'qa', (r, q) => `${out}[(row0 + ${r}u) * RV + q${q}] = ${reg(r, q)};`, true)}`;
}

/** The loop header both phases share: task t → 4 rows (ti) and two quads. */
function phaseLoop(limit: string, per: string, first: string, second: string, last: string) {
  return `  for (var t = lid; t < ${limit}; t += WG) {
    let ti = t / ${per};
    let ${first} = (t % ${per}) * 2u;
    let ${second} = min(${first} + 1u, ${last} - 1u);
    let row0 = row_base + ti * 4u;`;
}

const kMain = `@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {`;

function forward(): string {
  const s = (r: number, c: number) => `s${r}${c}`;
  const cc = (r: number, c: number) => `c${r}${c}`;
  const xv = (r: number) => `x${r}`;
  const pv = (r: number) => `p${r}`;
  const quad = (acc: typeof s, r: number, q: string) =>
    `vec4<f32>(${range(4)
      .map((i) => acc(r, i + (q === 'a' ? 0 : 4)))
      .join(', ')})`;
  return `// lora_forward: the LoRA branch of a linear layer, fused into one skinny-shape kernel,
//
//   h = x·aᵀ                    (M, R)   saved for the backward                        (=)
//   y += scale · h·bᵀ           (M, N)   added into the base layer's output            (+=)
//                                        (y = … when flags bit 1 is clear)
//
//   x (M, K) f32   M = B·T rows, K = in_features (the LoRA input: dropout(x) if dropout is on)
//   a (R, K) f32   lora_A.weight, R = rank
//   b (N, R) f32   lora_B.weight, N = out_features
//   h (M, R) f32   output
//   y (M, N) f32   output
// Every buffer is read as vec4s along its contiguous dimension, so K, N and R must be multiples
// of 4 (true of every supported model at the usual ranks); lora_scalar_forward.wgsl is the same
// kernel for any shape, which the launcher picks otherwise.
//
// One workgroup owns ROWS consecutive rows. Phase 1: its 64 invocations compute the (ROWS, R) block
// of h as 4×8 register blocks (4 rows × 8 ranks, dot products of vec4s along K) into workgroup
// memory and to \`h\`. Phase 2, after one barrier: they sweep the (ROWS, N) block of y as 4×8 blocks
// (4 rows × 8 columns), each a length-R dot product of h (workgroup memory) with rows of b, and
// vec4 read-modify-writes of y; so a general 64×64-tile matmul's wasted work on R = 8..64 never
// happens and h never makes a round trip through memory before it is used. An odd number of
// rank / column quads clamps the second quad of a block to the last one and skips its stores.
// SwiftShader: every storage access is a per-lane gather/scatter with a bounds check, so accesses
// are vec4 along the contiguous dimension and each block loads 12 vec4s per 32 dot products (4×4
// blocks: 8 per 16); the 32 sums are named scalars (a function-local array indexed in a loop lives
// in memory and ran 8-10× slower) and the stores are unrolled. 1.15-1.4× the scalar version at
// M = 2048, R = 16, K and N of 576 / 1536.
//
// Dispatch: workgroup (64); grid (ceil(M / ROWS), 1, 1). Knobs (override constants): ROWS (multiple
// of 4, autotuned), RV = R / 4.

${decls(
  'y',
  [
    ['x', 'read', '(M, K/4)'],
    ['a', 'read', '(R, K/4)'],
    ['b', 'read', '(N, R/4)'],
    ['h', 'read_write', '(M, R/4)'],
    ['y', 'read_write', '(M, N/4)'],
  ],
  'hs',
)}

${kMain}
  let m = params.m;
  let k4 = params.k / 4u;
  let n4 = params.n / 4u;
  let row_base = wid.x * ROWS;
  let rv2 = (RV + 1u) / 2u;

  // Phase 1: h block = x rows · aᵀ, as (ROWS/4) × ceil(RV/2) blocks of 4 rows × 8 ranks (two vec4s
  // of ranks; the second is clamped to the last and not stored when RV is odd).
${phaseLoop('(ROWS / 4u) * rv2', 'rv2', 'qa', 'qb', 'RV')}
${clampedRows('    ', 4, (r) => `xr${r}`, 'row0', 'm - 1u', 'k4')}
${lines(8, '    ', (c) => `let ar${c} = (q${c < 4 ? 'a' : 'b'} * 4u + ${c % 4}u) * k4;`)}
${zeros4x8Halves('    ', 's')}
    for (var c = 0u; c < k4; c += 1u) {
${lines(4, '      ', (r) => `let x${r} = x[xr${r} + c];`)}
${dot4x8Loads(
  '      ',
  s,
  xv,
  (c) => `a${c}`,
  (c) => `a[ar${c} + c]`,
)}
    }
    let hb = ti * 4u * RV;
${lines(8, '    ', (i) => `let h${i >> 1}${i % 2 ? 'b' : 'a'} = ${quad(s, i >> 1, i % 2 ? 'b' : 'a')};`)}
${phase1Stores('hs', 'hb', 'h', (r, q) => `h${r}${q}`)}
  }
  workgroupBarrier();

  // Phase 2: y block (+)= scale · h block · bᵀ, as (rows here / 4) × ceil(N/8) blocks of 4 rows ×
  // 8 columns (two vec4s; the second clamped and not stored past N); neighbouring invocations take
  // neighbouring columns.
  let accumulate = (params.flags & 2u) != 0u;
  let sc = params.scale;
  let n8 = (n4 + 1u) / 2u;
  let tasks = ((min(ROWS, m - row_base) + 3u) / 4u) * n8;
${phaseLoop('tasks', 'n8', 'ca', 'cb', 'n4')}
    let hb = ti * 4u * RV;
${lines(8, '    ', (c) => `let br${c} = (c${c < 4 ? 'a' : 'b'} * 4u + ${c % 4}u) * RV;`)}
${zeros4x8Halves('    ', 'c')}
    for (var v = 0u; v < RV; v += 1u) {
${lines(4, '      ', (r) => `let p${r} = hs[hb + ${r}u * RV + v];`)}
${dot4x8Loads(
  '      ',
  cc,
  pv,
  (c) => `q${c}`,
  (c) => `b[br${c} + v]`,
)}
    }
${storeRows('    ', 'n4', 'ca', (r, q) => `put_y((row0 + ${r}u) * n4 + c${q}, sc * ${quad(cc, r, q)}, accumulate);`, false)}
  }
}
`;
}

function backward(): string {
  /** Row r's two quads += 4 rows of the right operand (`q` for quad a, `u` for quad b). */
  const axpy = (load: (s: number, q: string) => string) =>
    (['a', 'b'] as const)
      .map((q) => {
        const b = q === 'a' ? 'q' : 'u';
        return `${lines(4, '      ', (s) => `let ${b}${s} = ${load(s, q)};`)}
${range(4)
  .map((r) => fma4('      ', `c${r}${q}`, `p${r}`, (s) => `${b}${s}`))
  .join('\n')}`;
      })
      .join('\n');
  const accs = lines(8, '    ', (i) => `var c${i >> 1}${i % 2 ? 'b' : 'a'} = vec4<f32>(0.0);`);
  return `// lora_backward: the input-gradient half of the LoRA branch's backward, fused into one skinny-shape
// kernel (the weight gradients dA += s·gᵀ·x and dB += s·dyᵀ·h run after it, on the scalar
// matmul_forward.wgsl):
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
// Every buffer is read as vec4s along its contiguous dimension, so K, N and R must be multiples
// of 4; lora_scalar_backward.wgsl is the same kernel for any shape, which the launcher picks
// otherwise.
//
// One workgroup owns ROWS consecutive rows. Phase 1: 4×8 register blocks (4 rows × 8 ranks) of
// g, reducing over N four at a time (a vec4 of dy times 4 vec4 rows of b, twice), into workgroup
// memory and to \`g\`. Phase 2, after one barrier: 4×8 blocks (4 rows × 8 columns) of dx, each a
// length-R sum of g (workgroup memory) times vec4 rows of a, and vec4 read-modify-writes of dx.
// An odd number of rank / column quads clamps the second quad of a block to the last one and
// skips its stores. SwiftShader: see lora_forward.wgsl (vec4 accesses, 12 loads per 32 vec4
// multiply-adds, named accumulators, unrolled stores). 1.0-1.3× the scalar version at M = 2048,
// R = 16, K and N of 576 / 1536: the reduction over N in phase 1 stays gather-bound.
//
// Dispatch: workgroup (64); grid (ceil(M / ROWS), 1, 1). Knobs (override constants): ROWS (multiple
// of 4, autotuned), RV = R / 4.

${decls(
  'dx',
  [
    ['dy', 'read', '(M, N/4)'],
    ['b', 'read', '(N, R/4)'],
    ['a', 'read', '(R, K/4)'],
    ['g', 'read_write', '(M, R/4)'],
    ['dx', 'read_write', '(M, K/4)'],
  ],
  'gs',
)}

${kMain}
  let m = params.m;
  let n4 = params.n / 4u;
  let k4 = params.k / 4u;
  let row_base = wid.x * ROWS;
  let rv2 = (RV + 1u) / 2u;

  // Phase 1: g block = dy rows · b, as (ROWS/4) × ceil(RV/2) blocks of 4 rows × 8 ranks (two vec4s
  // of ranks; the second is clamped to the last and not stored when RV is odd).
${phaseLoop('(ROWS / 4u) * rv2', 'rv2', 'qa', 'qb', 'RV')}
${clampedRows('    ', 4, (r) => `dr${r}`, 'row0', 'm - 1u', 'n4')}
${accs}
    for (var c = 0u; c < n4; c += 1u) {
${lines(4, '      ', (r) => `let p${r} = dy[dr${r} + c];`)}
      let bq = c * 4u * RV; // b[4c, 0]
${axpy((s, q) => `b[bq + ${s}u * RV + q${q}]`)}
    }
    let gb = ti * 4u * RV;
${phase1Stores('gs', 'gb', 'g', (r, q) => `c${r}${q}`)}
  }
  workgroupBarrier();

  // Phase 2: dx block (+)= scale · g block · a, as (rows here / 4) × ceil(K/8) blocks of 4 rows ×
  // 8 columns (two vec4s; the second clamped and not stored past K); neighbouring invocations take
  // neighbouring columns.
  let accumulate = (params.flags & 2u) != 0u;
  let sc = params.scale;
  let k8 = (k4 + 1u) / 2u;
  let tasks = ((min(ROWS, m - row_base) + 3u) / 4u) * k8;
${phaseLoop('tasks', 'k8', 'ca', 'cb', 'k4')}
    let gb = ti * 4u * RV;
${accs}
    for (var v = 0u; v < RV; v += 1u) {
${lines(4, '      ', (r) => `let p${r} = gs[gb + ${r}u * RV + v];`)}
      let aq = v * 4u * k4; // a[4v, 0]
${axpy((s, q) => `a[aq + ${s}u * k4 + c${q}]`)}
    }
${storeRows('    ', 'k4', 'ca', (r, q) => `put_dx((row0 + ${r}u) * k4 + c${q}, sc * c${r}${q}, accumulate);`, false)}
  }
}
`;
}

/** The fused vec4 LoRA kernels, by path relative to the repository root. */
export function loraShaders(): Record<string, string> {
  return {
    'shaders/lora_forward.wgsl': generatedFile(kGen, forward()),
    'shaders/lora_backward.wgsl': generatedFile(kGen, backward()),
  };
}
