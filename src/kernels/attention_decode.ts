// Attention of new query tokens against a KV cache (generation: one token per step, or a prompt
// chunk during prefill), GQA, online softmax (shaders/attention_decode_forward.wgsl).
//
//   attentionDecodeForward(ctx, { q (T,NH,HS), k (T,NKV,HS), v (T,NKV,HS) f32,
//                                 kcache, vcache (rows,NKV,HS) f32 +=rows, state (4) u32,
//                                 out (T,NH,HS) f32 = })
//
// The T new tokens sit at consecutive positions pos .. pos + T - 1, pos = state[0] (written by the
// host before each record, so the op is built once). Two dispatches in one op: phase 0 appends k
// and v to the caches at rows pos .. pos + T - 1 (ceil(T·NKV·HS / WG) workgroups), phase 1 gives
// each (query, head) one invocation that attends over cache rows 0 ..= its own position
// (ceil(T·NH / WG) workgroups). The caller keeps pos + T ≤ rows. HS ≤ 256 (the shader's
// accumulator); NKV must divide NH; scale defaults to 1/sqrt(HS).
import type { GpuContext, Tensor } from '../gpu/context.ts';
import { checkDims, checkDistinct, checkTensor } from '../gpu/check.ts';
import { ShapeError } from '../gpu/errors.ts';
import { makeOp, sequenceOps, type GpuOp } from '../gpu/op.ts';
import code from '../../shaders/attention_decode_forward.wgsl?raw';
import { cdiv } from './launch.ts';

export const kAttentionDecodeMaxHeadSize = 256;
const kWG = 64;

export interface AttentionDecodeArgs {
  /** New query tokens. */
  T: number;
  NH: number;
  NKV: number;
  HS: number;
  /** Rows the caches hold (positions 0 .. rows - 1). */
  rows: number;
  q: Tensor; // (T, NH, HS) f32, roped
  k: Tensor; // (T, NKV, HS) f32, roped
  v: Tensor; // (T, NKV, HS) f32
  kcache: Tensor; // (rows, NKV, HS) f32, rows pos .. pos + T - 1 written
  vcache: Tensor; // (rows, NKV, HS) f32, likewise
  state: Tensor; // (4) u32: state[0] = pos
  out: Tensor; // (T, NH, HS) f32, =
  /** Default 1 / sqrt(HS). */
  scale?: number;
  label?: string;
}

export async function attentionDecodeForward(
  ctx: GpuContext,
  a: AttentionDecodeArgs,
): Promise<GpuOp> {
  const kernel = 'attentionDecodeForward';
  checkDims(kernel, { T: a.T, NH: a.NH, NKV: a.NKV, HS: a.HS, rows: a.rows });
  if (a.NH % a.NKV !== 0) throw new ShapeError(kernel, `NKV = ${a.NKV} must divide NH = ${a.NH}`);
  if (a.HS > kAttentionDecodeMaxHeadSize) {
    throw new ShapeError(
      kernel,
      `HS = ${a.HS} exceeds the supported head size ${kAttentionDecodeMaxHeadSize}`,
    );
  }
  if (a.T > a.rows) {
    throw new ShapeError(kernel, `T = ${a.T} new tokens do not fit a cache of ${a.rows} rows`);
  }
  checkTensor(kernel, 'q', a.q, [a.T, a.NH, a.HS], 'f32');
  checkTensor(kernel, 'k', a.k, [a.T, a.NKV, a.HS], 'f32');
  checkTensor(kernel, 'v', a.v, [a.T, a.NKV, a.HS], 'f32');
  checkTensor(kernel, 'kcache', a.kcache, [a.rows, a.NKV, a.HS], 'f32');
  checkTensor(kernel, 'vcache', a.vcache, [a.rows, a.NKV, a.HS], 'f32');
  checkTensor(kernel, 'state', a.state, [4], 'u32');
  checkTensor(kernel, 'out', a.out, [a.T, a.NH, a.HS], 'f32');
  const inputs = [a.q, a.k, a.v, a.state];
  checkDistinct(kernel, a.out, ...inputs, a.kcache, a.vcache);
  checkDistinct(kernel, a.kcache, ...inputs, a.vcache);
  checkDistinct(kernel, a.vcache, ...inputs);
  const scale = a.scale ?? 1 / Math.sqrt(a.HS);
  const label = a.label ?? 'attention_decode';
  const phase = (p: 0 | 1) =>
    makeOp(ctx, {
      label,
      shader: 'attention_decode_forward',
      code,
      overrides: { WG: kWG },
      bindings: [a.q, a.k, a.v, a.kcache, a.vcache, a.state, a.out],
      params: [
        ['u32', a.NH],
        ['u32', a.NKV],
        ['u32', a.HS],
        ['u32', p],
        ['f32', scale],
        ['u32', a.T],
      ],
      workgroups: [cdiv(p === 0 ? a.T * a.NKV * a.HS : a.T * a.NH, kWG), 1, 1],
    });
  return sequenceOps(label, [await phase(0), await phase(1)]);
}
