// Cross-entropy fused with the lm_head matmul: never allocates (T, V) logits.
//
//   crossentropyForward(ctx, { hidden (T,C), weight (V,C), labels (T) i32, losses (T) =,
//                              out (2) [loss sum, trained count] =|+= })          evaluation
//   crossentropyBackward(ctx, { …same…, dhidden (T,C) =, scale })                 training
//
// The training call computes the loss, the count and dhidden = scale·(softmax(hW^T)·W − W_label)
// in ONE sweep over the vocabulary (an online log-sum-exp that also carries the softmax-weighted
// sum of W rows, rescaled as the running max grows), so it costs the same 4·T·V·C FLOPs as the
// unfused logits matmul + dlogits matmul. Labels are already shifted (the target of each position);
// a label outside [0, V) (e.g. -100) is ignored: loss 0, zero gradient, not counted. `scale` is
// 1 / (trained tokens of the whole optimizer step), known to the data pipeline up front; `out`
// keeps the sum and count on the GPU (accumulate: true adds across micro-batches).
// `weight` may be f32, or bf16 / f16 packed two per u32 (the raw safetensors bytes); tied
// embeddings pass the embedding matrix.
//
// Work split: invocations own 4 tokens × one of S vocabulary splits; S grows when there are few
// tokens so that short batches still fill the GPU, and a merge pass combines the splits. The
// sweeps load hidden and weight rows as vec4 along C (SwiftShader gathers every load per lane), so
// they need C % 4 == 0, true of every supported model; other C (tiny test shapes) take the
// scalar-load shaders `crossentropy_scalar_*.wgsl` with the same outputs and scratch. Where the
// adapter has usable subgroups the sweeps are crossentropy_sg_{forward,backward}.wgsl: the same
// sweeps with each step's 8 weight rows loaded once per subgroup and broadcast (bit-identical;
// on SwiftShader 1.6× faster with f32 weights, 1.14× with bf16). All six sweeps are written by
// shaders/gen/crossentropy.ts and crossentropy_scalar.ts; the merge and sum are hand-written.
// Scratch (S·T·2 floats, plus (S·T + 1)·C for training; S = crossentropySplits(T, V), which the
// memory planner calls too) is allocated by the launcher, counted as 'scratch', and released by
// the op's destroy().
import type { GpuContext, ParamField, Tensor } from '../gpu/context.ts';
import { checkDims, checkDistinct, checkTensor } from '../gpu/check.ts';
import { makeOp, type GpuOp } from '../gpu/op.ts';
import forwardCode from '../../shaders/crossentropy_forward.wgsl?raw';
import backwardCode from '../../shaders/crossentropy_backward.wgsl?raw';
import forwardScalarCode from '../../shaders/crossentropy_scalar_forward.wgsl?raw';
import backwardScalarCode from '../../shaders/crossentropy_scalar_backward.wgsl?raw';
import backwardSgCode from '../../shaders/crossentropy_sg_backward.wgsl?raw';
import forwardSgCode from '../../shaders/crossentropy_sg_forward.wgsl?raw';
import mergeCode from '../../shaders/crossentropy_merge.wgsl?raw';
import sumCode from '../../shaders/crossentropy_sum.wgsl?raw';
import {
  cdiv,
  kWeightDtypeCode,
  subgroupSharingOk,
  weightDtypeOf,
  type WeightDtype,
} from './launch.ts';

const kWg = 64;
const kSweepCode = {
  forward: forwardCode,
  backward: backwardCode,
  forward_scalar: forwardScalarCode,
  backward_scalar: backwardScalarCode,
  sg_backward: backwardSgCode,
  sg_forward: forwardSgCode,
};
/** Tokens per invocation (RT) of crossentropy_{forward,backward}.wgsl (the vec4 sweeps). */
const kTokens = 4;
/** RT of the scalar-load fallbacks, for C % 4 != 0. */
const kTokensScalarForward = 4;
const kTokensScalarBackward = 8;
/** Target invocations (4-token blocks × splits) for one sweep; more splits when T is small. */
const kTargetInvocations = 1024;
const kMaxSplits = 256;

export interface CrossentropyArgs {
  hidden: Tensor; // (T, C) f32
  weight: Tensor; // (V, C) wDtype
  labels: Tensor; // (T) i32
  losses: Tensor; // (T) f32, = per-token loss (0 where ignored)
  out: Tensor; // (2) f32: [loss sum, trained-token count], = or += (accumulate)
  T: number;
  C: number;
  V: number;
  wDtype?: WeightDtype;
  accumulate?: boolean;
  /** Force the number of vocabulary splits (tests, benchmarks). */
  splits?: number;
  /**
   * Sweep with the weight loads shared across subgroups (crossentropy_sg_{forward,backward}.wgsl):
   * default where the adapter allows it (subgroupSharingOk) and C % 4 == 0; false forces the
   * plain one (tests, benchmarks).
   */
  subgroups?: boolean;
  label?: string;
}

export interface CrossentropyBackwardArgs extends CrossentropyArgs {
  dhidden: Tensor; // (T, C) f32, =
  /** Gradient scale, 1 / trained tokens of the optimizer step. */
  scale: number;
}

/**
 * Vocabulary splits: enough 4-token-block × split invocations to fill the device. Both passes use
 * this default (src/model/plan.ts sizes the scratch with it).
 */
export function crossentropySplits(T: number, V: number, tokensPerInvocation = kTokens): number {
  const blocks = cdiv(T, tokensPerInvocation);
  return Math.max(1, Math.min(kMaxSplits, cdiv(V, 64), Math.floor(kTargetInvocations / blocks)));
}

function check(kernel: string, a: CrossentropyArgs): WeightDtype {
  checkDims(kernel, { T: a.T, C: a.C, V: a.V });
  const wd = weightDtypeOf(a.wDtype, a.weight.dtype);
  checkTensor(kernel, 'hidden', a.hidden, [a.T, a.C], 'f32');
  checkTensor(kernel, 'weight', a.weight, [a.V, a.C], wd);
  checkTensor(kernel, 'labels', a.labels, [a.T], a.labels.dtype === 'u32' ? 'u32' : 'i32');
  checkTensor(kernel, 'losses', a.losses, [a.T], 'f32');
  checkTensor(kernel, 'out', a.out, [2], 'f32');
  checkDistinct(kernel, a.losses, a.hidden, a.weight, a.labels, a.out);
  checkDistinct(kernel, a.out, a.hidden, a.weight, a.labels);
  return wd;
}

async function build(
  ctx: GpuContext,
  a: CrossentropyArgs,
  grad: CrossentropyBackwardArgs | null,
): Promise<GpuOp> {
  const kernel = grad ? 'crossentropyBackward' : 'crossentropyForward';
  const wd = check(kernel, a);
  if (grad) {
    checkTensor(kernel, 'dhidden', grad.dhidden, [a.T, a.C], 'f32');
    checkDistinct(kernel, grad.dhidden, a.hidden, a.weight, a.labels, a.losses, a.out);
  }
  const { T, C, V } = a;
  const vec4 = C % 4 === 0;
  const rt = vec4 ? kTokens : grad ? kTokensScalarBackward : kTokensScalarForward;
  const requested = a.splits ?? crossentropySplits(T, V);
  const vchunk = cdiv(V, requested);
  const S = cdiv(V, vchunk); // no empty split
  const label = a.label ?? (grad ? 'crossentropy_backward' : 'crossentropy_forward');
  const ml = ctx.tensor(S * T * 2 * 4, 'scratch', `${label}.ml`);
  const acc = ctx.tensor(grad ? (S * T + 1) * C * 4 : 16, 'scratch', `${label}.acc`);
  const dummy = grad ? null : ctx.tensor(16, 'scratch', `${label}.no_dhidden`);
  const overrides = { WG: kWg, W_DTYPE: kWeightDtypeCode[wd] };
  const blocks = cdiv(T, rt);
  const sg = vec4 && (a.subgroups ?? true) && subgroupSharingOk(ctx);
  const sweepKind: keyof typeof kSweepCode = sg
    ? `sg_${grad ? 'backward' : 'forward'}`
    : `${grad ? 'backward' : 'forward'}${vec4 ? '' : '_scalar'}`;
  const sweep = await makeOp(ctx, {
    label: `${label}.sweep`,
    shader: `crossentropy_${sweepKind}`,
    code: kSweepCode[sweepKind],
    overrides,
    bindings: grad ? [a.hidden, a.weight, a.labels, ml, acc] : [a.hidden, a.weight, a.labels, ml],
    params: [
      ['u32', T],
      ['u32', C],
      ['u32', V],
      ['u32', vchunk],
      ...(grad ? [['u32', S] as ParamField] : []),
    ],
    workgroups: [cdiv(blocks, kWg), S, 1],
    flops: (grad ? 4 : 2) * T * V * C,
  });
  const merge = await makeOp(ctx, {
    label: `${label}.merge`,
    shader: 'crossentropy_merge',
    code: mergeCode,
    overrides,
    bindings: [a.hidden, a.weight, a.labels, ml, acc, a.losses, grad ? grad.dhidden : dummy!],
    params: [
      ['u32', T],
      ['u32', C],
      ['u32', V],
      ['u32', S],
      ['u32', grad ? 1 : 0],
      ['f32', grad ? grad.scale : 0],
    ],
    workgroups: [cdiv(T, kWg), 1, 1],
    flops: 2 * T * C * (grad ? S + 1 : 1),
  });
  const sum = await makeOp(ctx, {
    label: `${label}.sum`,
    shader: 'crossentropy_sum',
    code: sumCode,
    overrides: { WG: 256 },
    bindings: [a.losses, a.labels, a.out],
    params: [
      ['u32', T],
      ['u32', V],
      ['u32', a.accumulate ? 1 : 0],
    ],
    workgroups: [1, 1, 1],
  });
  const ops = [sweep, merge, sum];
  return {
    label,
    flops: ops.reduce((s, o) => s + o.flops, 0),
    record(pass) {
      for (const op of ops) op.record(pass);
    },
    destroy() {
      for (const op of ops) op.destroy();
      for (const t of [ml, acc, dummy]) if (t) ctx.release(t);
    },
  };
}

/** Loss sum, trained-token count and per-token losses, without (T, V) logits. */
export function crossentropyForward(ctx: GpuContext, a: CrossentropyArgs): Promise<GpuOp> {
  return build(ctx, a, null);
}

/** The same, plus dhidden = scale · (softmax · W − W_label), in one sweep over the vocabulary. */
export function crossentropyBackward(ctx: GpuContext, a: CrossentropyBackwardArgs): Promise<GpuOp> {
  return build(ctx, a, a);
}
