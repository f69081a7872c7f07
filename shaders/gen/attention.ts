// Generator of the three causal-attention kernels (forward; backward dQ; backward dK/dV). Their
// unrolled per-vec4 lines come from attention_blocks.ts; the control flow of each main() is
// written here once, as plain WGSL.
import {
  blkStruct,
  kQueryBlockMain,
  gather,
  kCommonDecls,
  kParams,
  kRegistersComment,
  outer,
  perVec4,
  rowDotFn,
  storeBlock,
  storeRowFn,
  tileDotFn,
} from './attention_blocks.ts';
import { generatedFile } from './emit.ts';

const kGen = 'attention.ts';

function forward(): string {
  return `// Causal self-attention forward with GQA and block-diagonal masking for packed sequences,
// memory-efficient (flash-attention style online softmax): nothing (T, T) is stored; the
// backward recomputes scores from q, k and the saved per-row logsumexp.
//   q      (T, NH, HS)  f32  read (after RoPE)
//   k      (T, NKV, HS) f32  read (after RoPE); query head h reads kv head h / (NH / NKV)
//   v      (T, NKV, HS) f32  read
//   starts (T)          u32  read: index of the first token of token t's packed sequence;
//                            query i attends to keys j with starts[i] <= j <= i
//   out    (T, NH, HS)  f32  =  softmax(scale * q k^T + mask) v
//   lse    (T, NH)      f32  =  logsumexp of row i's masked, scaled scores (for the backward)
// scale = params.scale (1 / sqrt(HS) for Llama/Qwen); HS = 4 * HS4, HS4 <= 32 an override.
// Dispatch: (ceil(T / (4 WG)), NH); one invocation per block of 4 consecutive query rows of one
// head. It walks keys starts[first row] ..= last row, 4 keys at a time: a 4 x 4 score tile in
// one pass over the head (each k row load, a per-lane gather with a bounds check on SwiftShader,
// serves 4 rows; each vec4 of q read from private memory serves 4 keys), one online-softmax
// rescale, then acc = acc * diag(corr) + V^T P^T as one mat4x4 product per vec4 of the head. A
// row that does not see a key (the causal diagonal, a packed-sequence boundary inside the block,
// keys past the last row) gets p = 0 by select; rows past T redo row T - 1 and are not stored.
${kRegistersComment}

${kCommonDecls}

const NEG: f32 = -3.0e38; // below any score: exp(NEG - m) == 0

${kParams}

${blkStruct()}

@group(0) @binding(0) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> v: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> starts: array<u32>;
@group(0) @binding(4) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> lse: array<f32>;
@group(0) @binding(6) var<uniform> params: Params;

var<private> qs: Blk; // scale * q of the four rows
var<private> acc: Blk; // running softmax(s) v of the four rows

fn load_q(b: vec4<u32>, scale: f32) {
${perVec4((d) => `qs.m${d} = ${gather('q', 'b', d)} * scale;`)}
}

${tileDotFn("Column c: the four rows' scores with key row kb[c].", 'scores4', 'kb', 'k', 'qs')}

// acc = acc * diag(c) + V^T P^T over the key rows vb; pt = transpose(P): column r holds row r's p
// with the 4 keys.
fn update4(vb: vec4<u32>, c: vec4<f32>, pt: mat4x4<f32>) {
${perVec4((d) => `let a = acc.m${d}; acc.m${d} = mat4x4<f32>(a[0] * c.x, a[1] * c.y, a[2] * c.z, a[3] * c.w) + ${gather('v', 'vb', d)} * pt;`)}
}

${storeRowFn('inv', [['out', 'acc', true]])}

${kQueryBlockMain}
  load_q((rc * NH + h) * HS4, params.scale);
  acc = Blk();
  var m = vec4<f32>(NEG);
  var l = vec4<f32>(0.0);
  let jend = rc.w;
  for (var j = st.x; j <= jend; j += 4u) {
    let jc = vec4<u32>(j) + vec4<u32>(0u, 1u, 2u, 3u);
    let kr = (min(jc, vec4<u32>(jend)) * NKV + g) * HS4;
    let S = scores4(kr);
    let ok0 = (st <= vec4<u32>(jc.x)) & (vec4<u32>(jc.x) <= rc);
    let ok1 = (st <= vec4<u32>(jc.y)) & (vec4<u32>(jc.y) <= rc);
    let ok2 = (st <= vec4<u32>(jc.z)) & (vec4<u32>(jc.z) <= rc);
    let ok3 = (st <= vec4<u32>(jc.w)) & (vec4<u32>(jc.w) <= rc);
    let mb = max(max(select(vec4<f32>(NEG), S[0], ok0), select(vec4<f32>(NEG), S[1], ok1)),
                 max(select(vec4<f32>(NEG), S[2], ok2), select(vec4<f32>(NEG), S[3], ok3)));
    let mn = max(m, mb);
    let corr = exp(m - mn);
    let p0 = select(vec4<f32>(0.0), exp(S[0] - mn), ok0);
    let p1 = select(vec4<f32>(0.0), exp(S[1] - mn), ok1);
    let p2 = select(vec4<f32>(0.0), exp(S[2] - mn), ok2);
    let p3 = select(vec4<f32>(0.0), exp(S[3] - mn), ok3);
    l = l * corr + (p0 + p1) + (p2 + p3);
    update4(kr, corr, transpose(mat4x4<f32>(p0, p1, p2, p3)));
    m = mn;
  }
  let inv = 1.0 / l;
  let ob = (rows * NH + h) * HS4;
${storeBlock('rows', (r) => {
  const c = 'xyzw'[r];
  return [
    `store_row(ob.${c}, ${r}u, inv.${c});`,
    `lse[rows.${c} * NH + h] = m.${c} + log(l.${c});`,
  ];
})}
}
`;
}

function backwardDq(): string {
  return `// Causal attention backward, part 1 of 2 (flash-attention-2): dQ and D, per query row.
//   D[i, h]  = sum_d dout[i, h, d] * out[i, h, d]
//   P[i, j]  = exp(scale * q_i . k_j - lse[i, h])        (recomputed, masked as in the forward)
//   dP[i, j] = dout_i . v_j,   dS = P * (dP - D_i)
//   dq_i     = scale * sum_j dS[i, j] k_j
//   q, k, v, starts as attention_forward.wgsl; out (T, NH, HS) and lse (T, NH) from the forward
//   dout  (T, NH, HS) f32  read
//   dq    (T, NH, HS) f32  =
//   delta (T, NH)     f32  =  D, read by attention_backward.wgsl (dK, dV)
// Dispatch: (ceil(T / (4 WG)), NH); one invocation per block of 4 consecutive query rows of one
// head, holding their q, dout and dq; keys j from starts[first row] to the last row one at a time,
// each k / v row load shared by the 4 rows, masked per row by select as in attention_forward.wgsl.
// (4 keys per step as in the forward measured no faster here and compiled 2.5x slower.)
${kRegistersComment}

${kCommonDecls}

${kParams}

${blkStruct()}

@group(0) @binding(0) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> v: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> starts: array<u32>;
@group(0) @binding(4) var<storage, read> out: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> lse: array<f32>;
@group(0) @binding(6) var<storage, read> dout: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read_write> dq: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> delta: array<f32>;
@group(0) @binding(9) var<uniform> params: Params;

var<private> qs: Blk; // scale * q of the four rows
var<private> go: Blk; // dout of the four rows
var<private> acc: Blk; // sum_j dS k_j of the four rows

// Loads q and dout of the four rows; returns D = rowsum(dout * out).
fn load_rows(b: vec4<u32>, scale: f32) -> vec4<f32> {
  var D = vec4<f32>(0.0);
${perVec4((d) => `qs.m${d} = ${gather('q', 'b', d)} * scale; go.m${d} = ${gather('dout', 'b', d)}; D += vec4<f32>(${[0, 1, 2, 3].map((r) => `dot(go.m${d}[${r}], out[b.${'xyzw'[r]} + ${d}u])`).join(', ')});`)}
  return D;
}

${rowDotFn("The four rows' scale q . k with key row kb.", 'scores', 'kb', 'k', 'qs')}

${rowDotFn("The four rows' dout . v with key row vb.", 'dscores', 'vb', 'v', 'go')}

// acc += k_row (x) p: column r gets p[r] times key row kb.
fn add_dsk(kb: u32, p: vec4<f32>) {
${perVec4((d) => outer('acc', 'k', 'kb', d, 'x', 'p'))}
}

${storeRowFn('scale', [['dq', 'acc', true]])}

${kQueryBlockMain}
  let D = load_rows((rc * NH + h) * HS4, params.scale);
  let lr = rc * NH + h;
  let L = vec4<f32>(lse[lr.x], lse[lr.y], lse[lr.z], lse[lr.w]);
  acc = Blk();
  let jend = rc.w;
  for (var j = st.x; j <= jend; j++) {
    let kr = (j * NKV + g) * HS4;
    let ok = (st <= vec4<u32>(j)) & (vec4<u32>(j) <= rc);
    let ds = select(vec4<f32>(0.0), exp(scores(kr) - L) * (dscores(kr) - D), ok);
    add_dsk(kr, ds);
  }
  let ob = (rows * NH + h) * HS4;
${storeBlock('rows', (r) => {
  const c = 'xyzw'[r];
  return [`store_row(ob.${c}, ${r}u, params.scale);`, `delta[lr.${c}] = D.${c};`];
})}
}
`;
}

function backwardDkv(): string {
  return `// Causal attention backward, part 2 of 2 (flash-attention-2): dK and dV, per key row and kv head,
// summed over the NH / NKV query heads that share the kv head (GQA) inside the kernel, so no
// atomics and no second pass are needed. Run after attention_backward_dq.wgsl (it writes delta).
//   dv_j = sum_{h in group} sum_i P[i, j] dout_i
//   dk_j = sum_{h in group} sum_i dS[i, j] * scale * q_i,  dS = P * (dout_i . v_j - D_i)
// over queries i >= j of the same packed sequence (starts[i] <= j; starts is non-decreasing).
//   q, k, v, starts, lse, dout as attention_backward_dq.wgsl; delta (T, NH) from it
//   dk (T, NKV, HS) f32  =
//   dv (T, NKV, HS) f32  =
// Dispatch: (ceil(T / (4 WG)), NKV); one invocation per block of 4 consecutive key rows of one kv
// head, holding their k, v, dk and dv. It walks queries from the first key, 4 at a time, until the
// packed sequence of the last key ends; for each query head of the group, 4 x 4 tiles of scores
// and dout . v in one pass over the head, then dk += Q^T dS^T and dv += dOut^T P^T as mat4x4
// products. Masked per (query, key) by select: keys after the query, keys before its
// starts, keys or queries past T (clamped rows redo row T - 1). Heads over 64 (HS4 > 16) walk one
// query row per step instead: at HS 128 the 4 x 4 tiles compiled for 2 minutes and ran slower.
${kRegistersComment}

${kCommonDecls}

${kParams}

${blkStruct()}

@group(0) @binding(0) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> v: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> starts: array<u32>;
@group(0) @binding(4) var<storage, read> lse: array<f32>;
@group(0) @binding(5) var<storage, read> dout: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> delta: array<f32>;
@group(0) @binding(7) var<storage, read_write> dk: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> dv: array<vec4<f32>>;
@group(0) @binding(9) var<uniform> params: Params;

var<private> ks: Blk; // scale * k of the four key rows
var<private> vs: Blk; // v of the four key rows
var<private> dks: Blk; // sum dS q
var<private> dvs: Blk; // sum P dout

fn load_rows(b: vec4<u32>, scale: f32) {
${perVec4((d) => `ks.m${d} = ${gather('k', 'b', d)} * scale; vs.m${d} = ${gather('v', 'b', d)};`)}
}

${tileDotFn("Column c: the four keys' scores with query row b[c].", 'scores4', 'b', 'q', 'ks')}

${tileDotFn("Column c: the four keys' v . dout with query row b[c].", 'dscores4', 'b', 'dout', 'vs')}

// dk += Q^T dS^T and dv += dOut^T P^T over the query rows b: column r of dst / pt gets key r's
// dS / P with the 4 queries.
fn update4(b: vec4<u32>, dst: mat4x4<f32>, pt: mat4x4<f32>) {
${perVec4((d) => `dks.m${d} += ${gather('q', 'b', d)} * dst; dvs.m${d} += ${gather('dout', 'b', d)} * pt;`)}
}

${rowDotFn("The four keys' scores with query row qb (heads over 64: see main).", 'scores1', 'qb', 'q', 'ks')}

${rowDotFn("The four keys' v . dout with query row qb.", 'dscores1', 'qb', 'dout', 'vs')}

// dk += q_row (x) ds, dv += dout_row (x) p: column r gets key r's share.
fn update1(qb: u32, p: vec4<f32>, ds: vec4<f32>) {
${perVec4((d) => `${outer('dks', 'q', 'qb', d, 'x', 'ds')} ${outer('dvs', 'dout', 'qb', d, 'y', 'p')}`)}
}

${storeRowFn('scale', [
  ['dk', 'dks', true],
  ['dv', 'dvs', false],
])}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let T = params.T;
  let j0 = gid.x * 4u;
  let g = gid.y;
  if (j0 >= T) {
    return;
  }
  let NH = params.NH;
  let NKV = params.NKV;
  let group = NH / NKV;
  let keys = vec4<u32>(j0) + vec4<u32>(0u, 1u, 2u, 3u);
  let kc = min(keys, vec4<u32>(T - 1u));
  load_rows((kc * NKV + g) * HS4, params.scale);
  dks = Blk();
  dvs = Blk();
  let jlast = kc.w;
  let live = keys < vec4<u32>(T);
  if (HS4 <= 16u) {
    for (var i = j0; i < T; i += 4u) {
      if (starts[i] > jlast) {
        break; // the next packed sequence: no later query sees these keys
      }
      let qi = min(vec4<u32>(i) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(T - 1u));
      // Key r is seen by query c when starts[c] <= key r <= c and both are < T.
      let sq = vec4<u32>(starts[qi.x], starts[qi.y], starts[qi.z], starts[qi.w]);
      let ok0 = (vec4<u32>(sq.x) <= kc) & (kc <= vec4<u32>(i)) & live;
      let ok1 = (vec4<u32>(sq.y) <= kc) & (kc <= vec4<u32>(i + 1u)) & live & vec4<bool>(i + 1u < T);
      let ok2 = (vec4<u32>(sq.z) <= kc) & (kc <= vec4<u32>(i + 2u)) & live & vec4<bool>(i + 2u < T);
      let ok3 = (vec4<u32>(sq.w) <= kc) & (kc <= vec4<u32>(i + 3u)) & live & vec4<bool>(i + 3u < T);
      for (var hh = 0u; hh < group; hh++) {
        let h = g * group + hh;
        let r = qi * NH + h;
        let qb = r * HS4;
        let S = scores4(qb);
        let dP = dscores4(qb);
        let p0 = select(vec4<f32>(0.0), exp(S[0] - lse[r.x]), ok0);
        let p1 = select(vec4<f32>(0.0), exp(S[1] - lse[r.y]), ok1);
        let p2 = select(vec4<f32>(0.0), exp(S[2] - lse[r.z]), ok2);
        let p3 = select(vec4<f32>(0.0), exp(S[3] - lse[r.w]), ok3);
        let ds0 = p0 * (dP[0] - delta[r.x]);
        let ds1 = p1 * (dP[1] - delta[r.y]);
        let ds2 = p2 * (dP[2] - delta[r.z]);
        let ds3 = p3 * (dP[3] - delta[r.w]);
        let dst = transpose(mat4x4<f32>(ds0, ds1, ds2, ds3));
        update4(qb, dst, transpose(mat4x4<f32>(p0, p1, p2, p3)));
      }
    }
  } else {
    // Heads over 64: one query row per step (4 x 4 tiles compiled for 2 minutes at HS 128 and
    // ran slower: too much live state for SwiftShader's register allocator).
    for (var i = j0; i < T; i++) {
      let si = starts[i];
      if (si > jlast) {
        break;
      }
      let ok = (vec4<u32>(si) <= kc) & (kc <= vec4<u32>(i)) & live;
      for (var hh = 0u; hh < group; hh++) {
        let h = g * group + hh;
        let r = i * NH + h;
        let p = select(vec4<f32>(0.0), exp(scores1(r * HS4) - lse[r]), ok);
        let ds = p * (dscores1(r * HS4) - delta[r]);
        update1(r * HS4, p, ds);
      }
    }
  }
  let ob = (keys * NKV + g) * HS4;
${storeBlock('keys', (r) => [`store_row(ob.${'xyzw'[r]}, ${r}u, params.scale);`])}
}
`;
}

/** The attention kernels, by path relative to the repository root. */
export function attentionShaders(): Record<string, string> {
  return {
    'shaders/attention_forward.wgsl': generatedFile(kGen, forward()),
    'shaders/attention_backward_dq.wgsl': generatedFile(kGen, backwardDq()),
    'shaders/attention_backward.wgsl': generatedFile(kGen, backwardDkv()),
  };
}
