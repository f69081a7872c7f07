// Causal self-attention launchers with GQA and block-diagonal masking for packed sequences,
// memory-efficient (online softmax; the forward saves only the per-row logsumexp, the backward
// recomputes scores, flash-attention-2 style).
//
//   attentionForward(ctx, { q (T,NH,HS), k (T,NKV,HS), v (T,NKV,HS), starts (T) u32,
//                           out (T,NH,HS) =, lse (T,NH) = })
//   attentionBackward(ctx, { q, k, v, starts, out, lse, dout (T,NH,HS),
//                            dq (T,NH,HS) =, dk (T,NKV,HS) =, dv (T,NKV,HS) =, delta (T,NH) scratch })
//
// Layout is token-major, as the q/k/v projections write it. `starts[t]` is the index of the first
// token of t's packed sequence (non-decreasing; all zeros for one unpacked sequence): query i sees
// keys starts[i] ≤ j ≤ i. NKV must divide NH; scale defaults to 1/sqrt(HS). HS ≤ 128 and a multiple of 4.
// The backward is two dispatches (dQ + D per query row, then dK/dV per key row summing the query
// heads of each kv head), so there are no atomics. Every kernel works on blocks of kBlock
// consecutive rows per invocation and is specialised per head size (override HS4 = HS / 4), so
// each head size compiles its own three pipelines (shaders explain why; shaders/gen/attention.ts
// writes them). On SwiftShader building
// them takes ~15-25 s for HS 64 and ~1-2 min for HS 128 (old per-row kernels: ~2 s), once per
// process.
import type { GpuContext, Tensor } from '../gpu/context.ts';
import { checkDims, checkDistinct, checkTensor } from '../gpu/check.ts';
import { ShapeError } from '../gpu/errors.ts';
import { makeOp, sequenceOps, type GpuOp } from '../gpu/op.ts';
import forwardCode from '../../shaders/attention_forward.wgsl?raw';
import dqCode from '../../shaders/attention_backward_dq.wgsl?raw';
import dkvCode from '../../shaders/attention_backward.wgsl?raw';
import { cdiv } from './launch.ts';

export const kAttentionMaxHeadSize = 128;
const kBlock = 4; // rows per invocation: query rows (forward, dQ) or key rows (dK/dV)
const kWG = 16; // invocations per workgroup

export interface AttentionDims {
  T: number;
  NH: number;
  NKV: number;
  HS: number;
  /** Default 1 / sqrt(HS). */
  scale?: number;
  label?: string;
}

export interface AttentionForwardArgs extends AttentionDims {
  q: Tensor; // (T, NH, HS) f32
  k: Tensor; // (T, NKV, HS) f32
  v: Tensor; // (T, NKV, HS) f32
  starts: Tensor; // (T) u32
  out: Tensor; // (T, NH, HS) f32, =
  lse: Tensor; // (T, NH) f32, =
}

export interface AttentionBackwardArgs extends AttentionDims {
  q: Tensor;
  k: Tensor;
  v: Tensor;
  starts: Tensor;
  out: Tensor; // (T, NH, HS) forward output
  lse: Tensor; // (T, NH) from the forward
  dout: Tensor; // (T, NH, HS) f32
  dq: Tensor; // (T, NH, HS) f32, =
  dk: Tensor; // (T, NKV, HS) f32, =
  dv: Tensor; // (T, NKV, HS) f32, =
  delta: Tensor; // (T, NH) f32 scratch (rowsum(dout ∘ out))
}

function checkCommon(
  kernel: string,
  a: AttentionDims & { q: Tensor; k: Tensor; v: Tensor; starts: Tensor },
): number {
  checkDims(kernel, { T: a.T, NH: a.NH, NKV: a.NKV, HS: a.HS });
  if (a.NH % a.NKV !== 0) throw new ShapeError(kernel, `NKV = ${a.NKV} must divide NH = ${a.NH}`);
  if (a.HS % 4 !== 0)
    throw new ShapeError(kernel, `HS = ${a.HS} must be a multiple of 4 (vec4 loads)`);
  if (a.HS > kAttentionMaxHeadSize) {
    throw new ShapeError(
      kernel,
      `HS = ${a.HS} exceeds the supported head size ${kAttentionMaxHeadSize}`,
    );
  }
  checkTensor(kernel, 'q', a.q, [a.T, a.NH, a.HS], 'f32');
  checkTensor(kernel, 'k', a.k, [a.T, a.NKV, a.HS], 'f32');
  checkTensor(kernel, 'v', a.v, [a.T, a.NKV, a.HS], 'f32');
  checkTensor(kernel, 'starts', a.starts, [a.T], 'u32');
  return a.scale ?? 1 / Math.sqrt(a.HS);
}

function params(a: AttentionDims, scale: number): ['u32' | 'f32', number][] {
  return [
    ['u32', a.T],
    ['u32', a.NH],
    ['u32', a.NKV],
    ['u32', a.HS],
    ['f32', scale],
  ];
}

export async function attentionForward(ctx: GpuContext, a: AttentionForwardArgs): Promise<GpuOp> {
  const kernel = 'attentionForward';
  const scale = checkCommon(kernel, a);
  checkTensor(kernel, 'out', a.out, [a.T, a.NH, a.HS], 'f32');
  checkTensor(kernel, 'lse', a.lse, [a.T, a.NH], 'f32');
  checkDistinct(kernel, a.out, a.q, a.k, a.v, a.starts, a.lse);
  checkDistinct(kernel, a.lse, a.q, a.k, a.v, a.starts);
  return makeOp(ctx, {
    label: a.label ?? 'attention_forward',
    shader: 'attention_forward',
    code: forwardCode,
    overrides: { WG: kWG, HS4: a.HS / 4 },
    bindings: [a.q, a.k, a.v, a.starts, a.out, a.lse],
    params: params(a, scale),
    workgroups: [cdiv(a.T, kBlock * kWG), a.NH, 1],
    flops: attentionFlops(a.T, a.NH, a.HS, 'forward'),
  });
}

export async function attentionBackward(ctx: GpuContext, a: AttentionBackwardArgs): Promise<GpuOp> {
  const kernel = 'attentionBackward';
  const scale = checkCommon(kernel, a);
  checkTensor(kernel, 'out', a.out, [a.T, a.NH, a.HS], 'f32');
  checkTensor(kernel, 'lse', a.lse, [a.T, a.NH], 'f32');
  checkTensor(kernel, 'dout', a.dout, [a.T, a.NH, a.HS], 'f32');
  checkTensor(kernel, 'dq', a.dq, [a.T, a.NH, a.HS], 'f32');
  checkTensor(kernel, 'dk', a.dk, [a.T, a.NKV, a.HS], 'f32');
  checkTensor(kernel, 'dv', a.dv, [a.T, a.NKV, a.HS], 'f32');
  checkTensor(kernel, 'delta', a.delta, [a.T, a.NH], 'f32');
  const inputs = [a.q, a.k, a.v, a.starts, a.out, a.lse, a.dout];
  checkDistinct(kernel, a.dq, ...inputs, a.delta, a.dk, a.dv);
  checkDistinct(kernel, a.delta, ...inputs, a.dk, a.dv);
  checkDistinct(kernel, a.dk, ...inputs, a.dv);
  checkDistinct(kernel, a.dv, ...inputs);
  const label = a.label ?? 'attention_backward';
  const dq = await makeOp(ctx, {
    label: `${label}.dq`,
    shader: 'attention_backward_dq',
    code: dqCode,
    overrides: { WG: kWG, HS4: a.HS / 4 },
    bindings: [a.q, a.k, a.v, a.starts, a.out, a.lse, a.dout, a.dq, a.delta],
    params: params(a, scale),
    workgroups: [cdiv(a.T, kBlock * kWG), a.NH, 1],
    flops: attentionFlops(a.T, a.NH, a.HS, 'dq'),
  });
  const dkv = await makeOp(ctx, {
    label: `${label}.dkv`,
    shader: 'attention_backward',
    code: dkvCode,
    overrides: { WG: kWG, HS4: a.HS / 4 },
    bindings: [a.q, a.k, a.v, a.starts, a.lse, a.dout, a.delta, a.dk, a.dv],
    params: params(a, scale),
    workgroups: [cdiv(a.T, kBlock * kWG), a.NKV, 1],
    flops: attentionFlops(a.T, a.NH, a.HS, 'dkv'),
  });
  return sequenceOps(label, [dq, dkv]);
}

/**
 * Napkin FLOPs for one unpacked causal sequence of T tokens (T²/2 query-key pairs per head):
 * forward 2 dot-products-worth per pair (q·k, p·v), dQ 3 (q·k, dout·v, ds·k), dK/dV 4.
 */
export function attentionFlops(
  T: number,
  NH: number,
  HS: number,
  part: 'forward' | 'dq' | 'dkv',
): number {
  const pairs = (T * (T + 1)) / 2;
  const dots = part === 'forward' ? 2 : part === 'dq' ? 3 : 4;
  return 2 * dots * pairs * NH * HS;
}
