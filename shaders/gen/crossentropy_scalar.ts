// Generator of the scalar-load cross-entropy sweeps (crossentropy_scalar_forward: 4 tokens,
// loss only; crossentropy_scalar_backward: 8 tokens as two vec4 halves A and B, with the
// softmax-weighted sum of weight rows), the fallback for hidden sizes that are not multiples of 4.
// The blocks they share with the vec4 sweeps (prologue, masking, log-sum-exp step, (m, l) store)
// come from crossentropy_blocks.ts.
import { clampedRows } from './blocks.ts';
import {
  bindings,
  kOverrides,
  kWeightAt,
  lseStep,
  maskTail,
  params,
  storeMl,
  sum8,
  trainedPrologue,
} from './crossentropy_blocks.ts';
import { generatedFile, lines, range } from './emit.ts';

const kGen = 'crossentropy_scalar.ts';

const kHeaderForward = `// Fused lm_head + cross-entropy, loss-only pass (evaluation), part 1 of 2: per vocabulary split.
// Any hidden size C: scalar loads along C. crossentropy_forward.wgsl is the faster vec4 version
// the launcher uses when C % 4 == 0 (every supported model); this one serves odd test shapes.
// For a block of RT = 4 tokens and the vocabulary rows [s * vchunk, min(V, (s + 1) * vchunk)) of
// split s = gid.y, streams the lm_head rows RV = 8 at a time: logits = hidden_t . W_v and an
// online log-sum-exp (running max m and sum l per token). Nothing (T, V) is stored.
// crossentropy_merge.wgsl combines the splits into per-token losses. The training pass, which
// also yields dhidden in the same sweep, is crossentropy_backward.wgsl.
//   hidden (T, C) f32      read (after the final norm)
//   weight (V, C) W_DTYPE  read; f32, or bf16 / f16 packed two per u32 (low half first)
//   labels (T)    i32      read; trained iff 0 <= label < V (-100 = ignore)
//   ml     (S, T, 2) f32   =  (m, l) per split and token (only for blocks with a trained token)
// Dispatch: (ceil(ceil(T / RT) / WG), S); one invocation per (4-token block, split).`;

const kHeaderBackward = `// Fused lm_head + cross-entropy, loss and gradient pass (part 1 of 2: per vocabulary split).
// Any hidden size C: scalar loads along C. crossentropy_backward.wgsl is the faster vec4 version
// the launcher uses when C % 4 == 0 (every supported model); this one serves odd test shapes.
// For a block of RT = 8 tokens and the vocabulary rows [s * vchunk, min(V, (s + 1) * vchunk)) of
// split s = gid.y, streams the lm_head rows RV = 8 at a time: logits = hidden_t . W_v, an online
// log-sum-exp (running max m and sum l per token), and the running softmax-weighted sum of
// weight rows acc_t = sum_v exp(logit_tv - m_t) W_v, rescaled when m_t grows (the flash-attention
// trick with W as the "values"). Nothing (T, V) is ever stored. crossentropy_merge.wgsl combines
// the splits into the loss and dhidden = scale * (softmax . W - W_label).
//   hidden (T, C) f32      read (after the final norm)
//   weight (V, C) W_DTYPE  read (lm_head, or the tied embedding); f32, or bf16 / f16 packed two
//                          per u32 (element e in word e / 2, low half first)
//   labels (T)    i32      read; the target of each position (already shifted); trained iff
//                          0 <= label < V (-100 = ignore)
//   ml     (S, T, 2) f32   =  (m, l) per split and token
//   acc    (S*T + 1, C) f32 =  acc per split and token, plus one spare row that lanes past T
//                            write and nobody reads
// Blocks whose 8 tokens are all ignored return at once (prompt tokens cost nothing).
// Dispatch: (ceil(ceil(T / RT) / WG), S); one invocation per (8-token block, split); the 8
// tokens ride in the lanes of two vec4s (A: tokens 0-3, B: 4-7). Everything per step sits in named
// registers (16 vec4 logits): SwiftShader does not unroll loops, and a private array indexed in a
// loop lives in memory. Per hidden element: 16 loads (8 hidden, 8 weight) feed 64 FMAs, and the
// acc update 24 loads/stores feed 64 FMAs.`;

/** The start of main, shared by both: sizes, the early returns, the split's rows. */
function start(note: string): string {
  return `@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let T = params.T;
  let C = params.C;
  let V = params.V;
  let s = gid.y;
  let t0 = gid.x * RT;
  if (t0 >= T) {
    return;
  }
${trainedPrologue(false, note)}
  let vbeg = s * params.vchunk;
  let vend = min(V, vbeg + params.vchunk);`;
}

/** vec4<f32>(hidden[h<first> + c], …): four tokens' element c. */
const hidden4 = (first: number) =>
  `vec4<f32>(${range(4)
    .map((i) => `hidden[h${first + i} + c]`)
    .join(', ')})`;

function forward(): string {
  const l = (v: number) => `l${v}`;
  return `${kHeaderForward}

${kOverrides}

const RT: u32 = 4u; // tokens per invocation (vec4 lanes)
const RV: u32 = 8u; // vocabulary rows per step (named registers l0..l7)
const NEG: f32 = -3.0e38;

${params(false)}

${bindings(false, 'f32', 'u32', 'f32')}

${kWeightAt}

${start('')}
${clampedRows('  ', 4, (t) => `h${t}`, 't0', 'T - 1u', 'C')}
  var m = vec4<f32>(NEG);
  var l = vec4<f32>(0.0);
  // Eight logits (x 4 tokens) per step in named registers: SwiftShader does not unroll loops, and
  // a private array indexed in a loop would live in memory.
  for (var v0 = vbeg; v0 < vend; v0 += RV) {
    let last = vend - 1u;
${clampedRows('    ', 8, (v) => `w${v}`, 'v0', 'last', 'C')}
${lines(8, '    ', (v) => `var l${v} = vec4<f32>(0.0);`)}
    for (var c = 0u; c < C; c++) {
      let h = ${hidden4(0)};
${lines(8, '      ', (v) => `l${v} += h * w_at(w${v} + c);`)}
    }
${maskTail('    ', (v) => [l(v)])}
${lseStep('    ', { m: 'm', l: 'l', n: 'mnew', corr: 'corr', L: l, p: (v) => `p${v}` }, false)}
  }
${storeMl(['ml[o] = m[a];', 'ml[o + 1u] = l[a];'])}
}
`;
}

function backward(): string {
  const halves = ['A', 'B'] as const;
  const lse = halves
    .map((h) =>
      lseStep(
        '    ',
        {
          m: `m${h}`,
          l: `l${h}`,
          n: `n${h}`,
          corr: `corr${h}`,
          L: (v) => `${h}${v}`,
          p: (v) => `p${h}${v}`,
        },
        false,
      ),
    )
    .join('\n');
  const wLoads = lines(8, '      ', (v) => `let x${v} = w_at(w${v} + c);`);
  return `${kHeaderBackward}

${kOverrides}

const RT: u32 = 8u; // tokens per invocation (two vec4s)
const RV: u32 = 8u; // vocabulary rows per step (named registers A0..A7, B0..B7)
const NEG: f32 = -3.0e38;

${params(true)}

${bindings(true, 'f32', 'u32', 'f32')}

${kWeightAt}

${start('the merge never reads ignored tokens')}
  // Hidden rows (clamped past T); acc rows (lanes past T write the spare row S * T, never read).
  let spare = params.S * T * C;
${clampedRows('  ', 8, (t) => `h${t}`, 't0', 'T - 1u', 'C')}
  let a0 = (s * T + t0) * C;
${lines(7, '  ', (i) => `let a${i + 1} = select(spare, a0 + ${i + 1}u * C, t0 + ${i + 1}u < T);`)}
  for (var c = 0u; c < C; c++) {
${lines(8, '    ', (t) => `acc[a${t} + c] = 0.0;`)}
  }
  var mA = vec4<f32>(NEG);
  var mB = vec4<f32>(NEG);
  var lA = vec4<f32>(0.0);
  var lB = vec4<f32>(0.0);
  for (var v0 = vbeg; v0 < vend; v0 += RV) {
    let last = vend - 1u;
${clampedRows('    ', 8, (v) => `w${v}`, 'v0', 'last', 'C')}
${halves.map((h) => lines(8, '    ', (v) => `var ${h}${v} = vec4<f32>(0.0);`)).join('\n')}
    for (var c = 0u; c < C; c++) {
      let hA = ${hidden4(0)};
      let hB = ${hidden4(4)};
${wLoads}
${range(8)
  .flatMap((v) => halves.map((h) => `      ${h}${v} += h${h} * x${v};`))
  .join('\n')}
    }
${maskTail('    ', (v) => halves.map((h) => `${h}${v}`))}
${lse}
    let rescale = any(corrA != vec4<f32>(1.0)) || any(corrB != vec4<f32>(1.0));
    for (var c = 0u; c < C; c++) {
      var accA = vec4<f32>(acc[a0 + c], acc[a1 + c], acc[a2 + c], acc[a3 + c]);
      var accB = vec4<f32>(acc[a4 + c], acc[a5 + c], acc[a6 + c], acc[a7 + c]);
      if (rescale) {
        accA *= corrA;
        accB *= corrB;
      }
${wLoads}
${halves.map((h) => `      acc${h} += ${sum8((v) => `p${h}${v} * x${v}`)};`).join('\n')}
${lines(8, '      ', (t) => `acc[a${t} + c] = acc${t < 4 ? 'A' : 'B'}.${'xyzw'[t % 4]};`)}
    }
  }
${storeMl([
  'if (a < 4u) {',
  '  ml[o] = mA[a];',
  '  ml[o + 1u] = lA[a];',
  '} else {',
  '  ml[o] = mB[a - 4u];',
  '  ml[o + 1u] = lB[a - 4u];',
  '}',
])}
}
`;
}

/** The scalar-load cross-entropy sweeps, by path relative to the repository root. */
export function crossentropyScalarShaders(): Record<string, string> {
  return {
    'shaders/crossentropy_scalar_forward.wgsl': generatedFile(kGen, forward()),
    'shaders/crossentropy_scalar_backward.wgsl': generatedFile(kGen, backward()),
  };
}
