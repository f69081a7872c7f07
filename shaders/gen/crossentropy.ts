// Generator of the four vec4 cross-entropy sweeps: loss-only (crossentropy_forward) and training
// (crossentropy_backward), each also with the lm_head loads shared across a subgroup
// (crossentropy_sg_forward, crossentropy_sg_backward). One function writes all four: they are the
// same sweep (4 tokens × 8 vocabulary rows of logits in named registers, the 4 × 8
// multiply-accumulate of the vec4 matmul, an online log-sum-exp), `grad` adding the running
// softmax-weighted sum of weight rows and `sg` the subgroup loads.
import { clampedRows, dot4x8, dot4x8Loads, loadQuadFn, zeros4x8 } from './blocks.ts';
import {
  bindings,
  kOverrides,
  lseStep,
  maskTail,
  params,
  storeMl,
  trainedPrologue,
} from './crossentropy_blocks.ts';
import { broadcast8, generatedFile, kLanes, lines, range } from './emit.ts';

const kGen = 'crossentropy.ts';

const kHeaderForward = `// Fused lm_head + cross-entropy, loss-only pass (evaluation), part 1 of 2: per vocabulary split.
// For a block of RT = 4 tokens and the vocabulary rows [s * vchunk, min(V, (s + 1) * vchunk)) of
// split s = gid.y, streams the lm_head rows RV = 8 at a time: logits = hidden_t . W_v and an
// online log-sum-exp (running max m and sum l per token). Nothing (T, V) is stored.
// crossentropy_merge.wgsl combines the splits into per-token losses. The training pass, which
// also yields dhidden in the same sweep, is crossentropy_backward.wgsl.
//   hidden (T, C) f32      read (after the final norm), as vec4s along C
//   weight (V, C) W_DTYPE  read as vec2<u32> words: f32 (two words per 4 weights), or bf16 / f16
//                          packed two per u32 (low half first; one vec2 per 4 weights)
//   labels (T)    i32      read; trained iff 0 <= label < V (-100 = ignore)
//   ml     (S, T, 2) f32   =  (m, l) per split and token (only for blocks with a trained token)
// Needs C % 4 == 0; crossentropy_scalar_forward.wgsl is the same pass for any C.
// Dispatch: (ceil(ceil(T / RT) / WG), S); one invocation per (4-token block, split).
// SwiftShader: loads are per-lane gathers with bounds checks, so they run along the contiguous C
// as vec4 / vec2<u32>, and each invocation keeps a 4-token x 8-row block of logits in 32 named
// scalars (12 loads per 128 FMAs, the vec4 matmul's best block; see crossentropy_backward.wgsl).`;

const kHeaderBackward = `// Fused lm_head + cross-entropy, loss and gradient pass (part 1 of 2: per vocabulary split).
// For a block of RT = 4 tokens and the vocabulary rows [s * vchunk, min(V, (s + 1) * vchunk)) of
// split s = gid.y, streams the lm_head rows RV = 8 at a time: logits = hidden_t . W_v, an online
// log-sum-exp (running max m and sum l per token), and the running softmax-weighted sum of
// weight rows acc_t = sum_v exp(logit_tv - m_t) W_v, rescaled when m_t grows (the flash-attention
// trick with W as the "values"). Nothing (T, V) is ever stored. crossentropy_merge.wgsl combines
// the splits into the loss and dhidden = scale * (softmax . W - W_label).
//   hidden (T, C) f32      read (after the final norm), as vec4s along C
//   weight (V, C) W_DTYPE  read (lm_head, or the tied embedding) as vec2<u32> words: f32 (two
//                          words per 4 weights), or bf16 / f16 packed two per u32 (element e in
//                          word e / 2, low half first; one vec2 per 4 weights)
//   labels (T)    i32      read; the target of each position (already shifted); trained iff
//                          0 <= label < V (-100 = ignore)
//   ml     (S, T, 2) f32   =  (m, l) per split and token
//   acc    (S*T + 1, C) f32 =  acc per split and token, plus one spare row that lanes past T
//                            write and nobody reads
// Needs C % 4 == 0 (every supported model: hidden sizes are multiples of 64);
// crossentropy_scalar_backward.wgsl is the same pass for any C.
// Blocks whose 4 tokens are all ignored return at once (prompt tokens cost nothing).
// Dispatch: (ceil(ceil(T / RT) / WG), S); one invocation per (4-token block, split).
// SwiftShader: every storage load is a per-lane gather with a bounds check, so loads run along the
// contiguous C as vec4 (hidden) / vec2<u32> (weight), and each invocation keeps a 4-token x 8-row
// block of logits in 32 named scalars (dot(vec4, vec4) updates): 12 loads per 128 FMAs, the vec4
// matmul's best block, and the logits part runs at that matmul's rate. The acc update walks C the
// same way (4 acc vec4 read-modify-writes + 8 weight loads per 128 FMAs, rows applied one at a time
// so few registers are live) and costs about as much again: the weight rows are read twice. Tried
// and slower: 8 x 8 blocks (spills), 16 or 32 rows or 8 tokens per acc update, all 8 weight rows
// loaded before use; fma() instead of dot() changed nothing. Everything sits in named registers:
// SwiftShader does not unroll loops, and a private array indexed in a loop lives in memory. About
// 1.3x the scalar-load version (crossentropy_scalar_backward.wgsl) at 512 x 49152 x 576 bf16.`;

const kHeaderSgForward = `// Fused lm_head + cross-entropy, loss-only pass (evaluation), part 1 of 2, with the weight loads
// shared across a subgroup: crossentropy_forward.wgsl with the trick of matmul_ntsg_forward.wgsl
// (read crossentropy_sg_backward.wgsl for the scheme: lanes 0..3 of every subgroup load two of
// each step's 8 lm_head rows, every lane takes all 8 with subgroupBroadcast; a subgroup whose
// tokens are all ignored returns at once). 4 hidden + 2 weight loads per 128 FMAs instead of 4 +
// 8; bit-identical to crossentropy_forward.wgsl, whose layouts, bindings and dispatch it keeps.
// Needs the 'subgroups' feature, subgroups of 4 to 64 invocations, and C % 4 == 0.

enable subgroups;
diagnostic(off, subgroup_uniformity); // subgroupAll's result is subgroup-uniform; the analysis cannot tell`;

const kHeaderSgBackward = `// Fused lm_head + cross-entropy, loss and gradient pass (part 1 of 2: per vocabulary split), with
// the weight loads shared across a subgroup: crossentropy_backward.wgsl with the trick of
// matmul_ntsg_forward.wgsl. All invocations of a workgroup sweep the same vocabulary split (s =
// workgroup_id.y) in lockstep, so at each step they need the same 8 lm_head rows: lanes 0..3 of
// every subgroup load two of them each (rows 2L and 2L + 1 of the step) and every lane takes all
// 8 with subgroupBroadcast, in the logits loop (4 hidden + 2 weight loads per 128 FMAs instead of
// 4 + 8) and in the acc update (8 acc accesses + 2 weight loads instead of 8 + 8). Same order of
// operations as crossentropy_backward.wgsl, so the outputs are bit-identical to it; the layouts,
// bindings and dispatch are that file's (read its header).
//
// Uniformity: every lane must reach every broadcast, so there is no early return per invocation.
// Lanes past T work on clamped rows and write the spare acc row; a whole subgroup whose tokens
// are all ignored (or past T) returns at once (subgroupAll), so prompt tokens still cost nothing in
// blocks of 4 x subgroup size. The uniformity analysis cannot see that subgroupAll's result is the
// same on every lane of the subgroup, hence the diagnostic filter below.
// Needs the 'subgroups' feature and subgroups of 4 to 64 invocations (src/kernels/launch.ts
// subgroupSharingOk; the launcher checks it), and C % 4 == 0. Tried and no faster here: 16 or 32
// vocabulary rows per acc update (two or four 8-row logits steps), to halve the acc traffic.

enable subgroups;
diagnostic(off, subgroup_uniformity);`;

const kW4 = loadQuadFn(
  'Four consecutive weights starting at word i: two words of f32, or one of bf16 / f16 pairs.',
  'w4',
  'i',
  'W_DTYPE',
  'bitcast<vec4<f32>>(vec4<u32>(weight[i], weight[i + 1u]))',
  'weight[i]',
);

const s = (t: number, v: number) => `s${t}_${v}`;
const x = (t: number) => `x${t}`;
const y = (v: number) => `y${v}`;
const L = (v: number) => `L0_${v}`;
const p = (v: number) => `p0_${v}`;

/** The 8 weight vec4s of this step at column c: own loads, or two loads and broadcasts. */
function sharedRows(indent: string): string {
  return `${indent}let ye = w4(re + cw);
${indent}let yo = w4(ro + cw);
${broadcast8(indent, y, 'ye', 'yo')}`;
}

/** The logits loop: s(t, v) = hidden_t . W_v over C, the vec4 matmul's 4 × 8 block. */
function logits(sg: boolean): string {
  const mac = sg
    ? `${sharedRows('      ')}
${dot4x8('      ', range(4), range(8), s, x, y, true)}`
    : dot4x8Loads('      ', s, x, y, (v) => `w4(r${v} + cw)`);
  return `${zeros4x8('    ', s)}
    for (var c = 0u; c < C4; c++) {
      let cw = c * ws;
${lines(4, '      ', (t) => `let x${t} = hidden[h${t} + c];`)}
${mac}
    }`;
}

/** acc_t = acc_t * corr_t + sum_v p_tv W_v, one weight row at a time. */
function accUpdate(sg: boolean): string {
  const rows = range(8)
    .map((v) => {
      const axpy = lines(4, '      ', (t) => `b${t} += p0_${v}.${kLanes[t]} * y${v};`);
      return sg ? axpy : `      let y${v} = w4(r${v} + cw);\n${axpy}`;
    })
    .join('\n');
  return `    // acc_t = acc_t * corr_t + sum_v p_tv W_v, one row of W at a time (fewer live registers).
    for (var c = 0u; c < C4; c++) {
      let cw = c * ws;
${lines(4, '      ', (t) => `var b${t} = acc[a${t} + c] * corr0.${kLanes[t]};`)}
${sg ? `${sharedRows('      ')}\n` : ''}${rows}
${lines(4, '      ', (t) => `acc[a${t} + c] = b${t};`)}
    }`;
}

function sweep(grad: boolean, sg: boolean): string {
  const header = grad
    ? sg
      ? kHeaderSgBackward
      : kHeaderBackward
    : sg
      ? kHeaderSgForward
      : kHeaderForward;
  const main = sg
    ? `fn main(
  @builtin(global_invocation_id) gid: vec3<u32>,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(subgroup_invocation_id) lane: u32,
)`
    : 'fn main(@builtin(global_invocation_id) gid: vec3<u32>)';
  const note = sg
    ? grad
      ? 'the merge never reads ignored tokens (lanes past T count as ignored)'
      : 'lanes past T count as ignored; the merge never reads ignored tokens'
    : grad
      ? 'the merge never reads ignored tokens'
      : '';
  // Acc rows: lanes past T write the spare row S * T (a subgroup sweep has lanes past T at row 0).
  const accRows = sg
    ? lines(4, '  ', (t) => {
        const o = t ? ` + ${t}u` : '';
        return `let a${t} = select(spare, (s * T + t0${o}) * C4, t0${o} < T);`;
      })
    : `  let a0 = (s * T + t0) * C4;\n${lines(3, '  ', (i) => `let a${i + 1} = select(spare, a0 + ${i + 1}u * C4, t0 + ${i + 1}u < T);`)}`;
  const hiddenRows = clampedRows('  ', 4, (t) => `h${t}`, 't0', 'T - 1u', 'C4');
  const setup = grad
    ? `  // Hidden rows (clamped past T); acc rows (lanes past T write the spare row S * T, never read).
${hiddenRows}
  let spare = params.S * T * C4;
${accRows}
  for (var c = 0u; c < C4; c++) {
${lines(4, '    ', (t) => `acc[a${t} + c] = vec4<f32>(0.0);`)}
  }`
    : hiddenRows;
  const logitsNote = grad
    ? "    // Logits of the 4 tokens x 8 rows (rows past the split's end clamped, masked below).\n"
    : '';
  const rowsOfStep = sg
    ? `${logitsNote}    // This lane's two rows of the step (lanes 0..3 serve the subgroup; the others load copies).
    let last = vend - 1u;
    let re = min(v0 + 2u * (lane & 3u), last) * wrow;
    let ro = min(v0 + 2u * (lane & 3u) + 1u, last) * wrow;`
    : `${logitsNote}    let last = vend - 1u;
${clampedRows('    ', 8, (v) => `r${v}`, 'v0', 'last', 'wrow')}`;
  return `${header}

${kOverrides}

const RT: u32 = 4u; // tokens per invocation (the lanes of the L / p / m / l vec4s)
const RV: u32 = 8u; // vocabulary rows per step (named registers s*_0..s*_7${grad ? ', p0_0..p0_7' : ''})
const NEG: f32 = -3.0e38;

${params(grad)}

${bindings(grad, 'vec4<f32>', 'vec2<u32>', 'vec4<f32>')}

${kW4}

@compute @workgroup_size(WG)
${main} {
  let T = params.T;
  let C4 = params.C / 4u;
  let V = params.V;
  ${sg ? 'let s = wid.y; // the same for the whole workgroup: its lanes sweep the same rows in lockstep' : 'let s = gid.y;'}
  let t0 = gid.x * RT;${sg ? '' : '\n  if (t0 >= T) {\n    return;\n  }'}
${trainedPrologue(sg, note)}
  let vbeg = s * params.vchunk;
  let vend = min(V, vbeg + params.vchunk);
  let ws = select(1u, 2u, W_DTYPE == 0u); // vec2<u32> words per 4 weights
  let wrow = C4 * ws;
${setup}
  var m0 = vec4<f32>(NEG);
  var l0 = vec4<f32>(0.0);
  for (var v0 = vbeg; v0 < vend; v0 += RV) {
${rowsOfStep}
${logits(sg)}
    // The same logits as vec4s over the 4 tokens, for the online log-sum-exp.
${lines(
  8,
  '    ',
  (v) =>
    `var L0_${v} = vec4<f32>(${range(4)
      .map((t) => s(t, v))
      .join(', ')});`,
)}
${maskTail('    ', (v) => [L(v)])}
${lseStep('    ', { m: 'm0', l: 'l0', n: 'n0', corr: 'corr0', L, p }, true)}${grad ? `\n${accUpdate(sg)}` : ''}
  }
${storeMl(['ml[o] = m0[a];', 'ml[o + 1u] = l0[a];'])}
}
`;
}

/** The vec4 cross-entropy sweeps, by path relative to the repository root. */
export function crossentropyShaders(): Record<string, string> {
  return {
    'shaders/crossentropy_forward.wgsl': generatedFile(kGen, sweep(false, false)),
    'shaders/crossentropy_backward.wgsl': generatedFile(kGen, sweep(true, false)),
    'shaders/crossentropy_sg_forward.wgsl': generatedFile(kGen, sweep(false, true)),
    'shaders/crossentropy_sg_backward.wgsl': generatedFile(kGen, sweep(true, true)),
  };
}
