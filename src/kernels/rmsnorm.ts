// RMSNorm launchers (Hugging Face LlamaRMSNorm / Qwen2RMSNorm semantics, in f32): the forward
// saves rstd per row; the backward gives dx (= or +=) and, optionally, dweight (frozen in LoRA
// training, so optional). For Qwen3 q_norm/k_norm pass rows = T·NH and C = HS.
//
//   rmsnormForward(ctx, { x (rows,C), weight (C), out (rows,C) =, rstd (rows) = })
//   rmsnormBackward(ctx, { dout, x, weight, rstd, dx (rows,C) =|+=, dweight? (C) =|+= })
import type { GpuContext, Tensor } from '../gpu/context.ts';
import { splitWorkgroups } from '../gpu/context.ts';
import { checkDims, checkDistinct, checkTensor } from '../gpu/check.ts';
import { makeOp, sequenceOps, type GpuOp } from '../gpu/op.ts';
import forwardCode from '../../shaders/rmsnorm_forward.wgsl?raw';
import backwardCode from '../../shaders/rmsnorm_backward.wgsl?raw';
import dweightCode from '../../shaders/rmsnorm_backward_dweight.wgsl?raw';
import { cdiv } from './launch.ts';

const kWg = 64; // threads per row (power of two: tree reduction)

export interface RmsnormForwardArgs {
  x: Tensor; // (rows, C) f32
  weight: Tensor; // (C) f32
  out: Tensor; // (rows, C) f32, =
  rstd: Tensor; // (rows) f32, = (saved for the backward)
  rows: number;
  C: number;
  eps: number;
  label?: string;
}

export async function rmsnormForward(ctx: GpuContext, a: RmsnormForwardArgs): Promise<GpuOp> {
  const k = 'rmsnormForward';
  checkDims(k, { rows: a.rows, C: a.C });
  checkTensor(k, 'x', a.x, [a.rows, a.C], 'f32');
  checkTensor(k, 'weight', a.weight, [a.C], 'f32');
  checkTensor(k, 'out', a.out, [a.rows, a.C], 'f32');
  checkTensor(k, 'rstd', a.rstd, [a.rows], 'f32');
  checkDistinct(k, a.out, a.x, a.weight, a.rstd);
  checkDistinct(k, a.rstd, a.x, a.weight);
  return makeOp(ctx, {
    label: a.label ?? 'rmsnorm_forward',
    shader: 'rmsnorm_forward',
    code: forwardCode,
    overrides: { WG: kWg },
    bindings: [a.x, a.weight, a.out, a.rstd],
    params: [
      ['u32', a.rows],
      ['u32', a.C],
      ['f32', a.eps],
    ],
    workgroups: splitWorkgroups(a.rows),
    flops: 4 * a.rows * a.C,
  });
}

export interface RmsnormBackwardArgs {
  dout: Tensor; // (rows, C) f32
  x: Tensor; // (rows, C) f32, the forward input
  weight: Tensor; // (C) f32
  rstd: Tensor; // (rows) f32, from the forward
  dx: Tensor; // (rows, C) f32: = (default) or += (accumulate, e.g. onto the residual stream)
  rows: number;
  C: number;
  accumulate?: boolean;
  /** Optional weight gradient (C) f32: += by default (parameter grads), = with accumulateDweight false. */
  dweight?: Tensor;
  accumulateDweight?: boolean;
  label?: string;
}

export async function rmsnormBackward(ctx: GpuContext, a: RmsnormBackwardArgs): Promise<GpuOp> {
  const k = 'rmsnormBackward';
  checkDims(k, { rows: a.rows, C: a.C });
  for (const [name, t] of [
    ['dout', a.dout],
    ['x', a.x],
    ['dx', a.dx],
  ] as const) {
    checkTensor(k, name, t, [a.rows, a.C], 'f32');
  }
  checkTensor(k, 'weight', a.weight, [a.C], 'f32');
  checkTensor(k, 'rstd', a.rstd, [a.rows], 'f32');
  checkDistinct(k, a.dx, a.dout, a.x, a.weight, a.rstd);
  const label = a.label ?? 'rmsnorm_backward';
  const ops = [
    await makeOp(ctx, {
      label,
      shader: 'rmsnorm_backward',
      code: backwardCode,
      overrides: { WG: kWg },
      bindings: [a.dout, a.x, a.weight, a.rstd, a.dx],
      params: [
        ['u32', a.rows],
        ['u32', a.C],
        ['u32', a.accumulate ? 1 : 0],
      ],
      workgroups: splitWorkgroups(a.rows),
      flops: 7 * a.rows * a.C,
    }),
  ];
  if (a.dweight) {
    checkTensor(k, 'dweight', a.dweight, [a.C], 'f32');
    checkDistinct(k, a.dweight, a.dout, a.x, a.rstd, a.dx);
    ops.push(
      await makeOp(ctx, {
        label: `${label}.dweight`,
        shader: 'rmsnorm_backward_dweight',
        code: dweightCode,
        overrides: { WG: kWg },
        bindings: [a.dout, a.x, a.rstd, a.dweight],
        params: [
          ['u32', a.rows],
          ['u32', a.C],
          ['u32', a.accumulateDweight === false ? 0 : 1],
        ],
        workgroups: [cdiv(a.C, kWg), 1, 1],
        flops: 3 * a.rows * a.C,
      }),
    );
  }
  return ops.length === 1 ? ops[0] : sequenceOps(label, ops);
}
