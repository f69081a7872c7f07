// Interim kernels of the engine (shaders/train_*.wgsl): simple, correct versions of the ops the
// kernel library (src/kernels) had not delivered when the engine was composed: embedding gather,
// residual add, SwiGLU, RoPE, block-diagonal causal attention (no (T, T) stored), and the chunked
// lm_head cross-entropy built from the matmul kernels and a softmax kernel. ops.ts routes to the
// library's kernels where they exist and to these otherwise.
import type { GpuContext, Tensor } from '../../gpu/context.ts';
import { splitWorkgroups } from '../../gpu/context.ts';
import { makeOp, sequenceOps, type GpuOp } from '../../gpu/op.ts';
import { matmulForward } from '../../kernels/matmul.ts';
import type { WeightDtype } from '../plan.ts';
import embeddingCode from '../../../shaders/train_embedding_forward.wgsl?raw';
import addCode from '../../../shaders/train_add_forward.wgsl?raw';
import copyCode from '../../../shaders/train_copy_forward.wgsl?raw';
import swigluCode from '../../../shaders/train_swiglu_forward.wgsl?raw';
import swigluBackCode from '../../../shaders/train_swiglu_backward.wgsl?raw';
import ropeCode from '../../../shaders/train_rope_forward.wgsl?raw';
import attnCode from '../../../shaders/train_attention_forward.wgsl?raw';
import attnBackCode from '../../../shaders/train_attention_backward.wgsl?raw';
import attnBackKvCode from '../../../shaders/train_attention_backward_dkv.wgsl?raw';
import ceCode from '../../../shaders/train_ce_forward.wgsl?raw';
import lossCode from '../../../shaders/train_loss_forward.wgsl?raw';
import ceBackCode from '../../../shaders/train_ce_backward.wgsl?raw';
import { ceSplit } from '../plan.ts';

const kDtypeCode: Record<WeightDtype, number> = { f32: 0, bf16: 1, f16: 2 };
const grid = (threads: number, wg: number) => splitWorkgroups(Math.ceil(threads / wg));

export function embeddingOp(
  ctx: GpuContext,
  a: { ids: Tensor; table: Tensor; out: Tensor; n: number; C: number; dtype: WeightDtype },
): Promise<GpuOp> {
  return makeOp(ctx, {
    label: 'train_embedding',
    code: embeddingCode,
    overrides: { WG: 256, W_DTYPE: kDtypeCode[a.dtype] },
    bindings: [a.ids, a.table, a.out],
    params: [
      ['u32', a.n],
      ['u32', a.C],
    ],
    workgroups: grid(a.n * a.C, 256),
  });
}

export function addOp(ctx: GpuContext, a: { dst: Tensor; src: Tensor; n: number }): Promise<GpuOp> {
  return makeOp(ctx, {
    label: 'train_add',
    code: addCode,
    overrides: { WG: 256 },
    bindings: [a.src, a.dst],
    params: [['u32', a.n]],
    workgroups: grid(a.n, 256),
  });
}

export function copyOp(
  ctx: GpuContext,
  a: { dst: Tensor; src: Tensor; n: number },
): Promise<GpuOp> {
  return makeOp(ctx, {
    label: 'train_copy',
    code: copyCode,
    overrides: { WG: 256 },
    bindings: [a.src, a.dst],
    params: [['u32', a.n]],
    workgroups: grid(a.n, 256),
  });
}

export function swigluOp(
  ctx: GpuContext,
  a: { g: Tensor; u: Tensor; out: Tensor; n: number },
): Promise<GpuOp> {
  return makeOp(ctx, {
    label: 'train_swiglu',
    code: swigluCode,
    overrides: { WG: 256 },
    bindings: [a.g, a.u, a.out],
    params: [['u32', a.n]],
    workgroups: grid(a.n, 256),
  });
}

export function swigluBackwardOp(
  ctx: GpuContext,
  a: { dout: Tensor; g: Tensor; u: Tensor; dg: Tensor; du: Tensor; n: number },
): Promise<GpuOp> {
  return makeOp(ctx, {
    label: 'train_swiglu_backward',
    code: swigluBackCode,
    overrides: { WG: 256 },
    bindings: [a.dout, a.g, a.u, a.dg, a.du],
    params: [['u32', a.n]],
    workgroups: grid(a.n, 256),
  });
}

export function ropeOp(
  ctx: GpuContext,
  a: {
    x: Tensor;
    pos: Tensor;
    invFreq: Tensor;
    out: Tensor;
    n: number;
    heads: number;
    headDim: number;
    backward: boolean;
  },
): Promise<GpuOp> {
  return makeOp(ctx, {
    label: 'train_rope',
    code: ropeCode,
    overrides: { WG: 256 },
    bindings: [a.x, a.pos, a.invFreq, a.out],
    params: [
      ['u32', a.n],
      ['u32', a.heads],
      ['u32', a.headDim],
      ['f32', a.backward ? -1 : 1],
    ],
    workgroups: grid((a.n * a.heads * a.headDim) / 2, 256),
  });
}

export interface AttnShape {
  n: number;
  NH: number;
  NKV: number;
  HS: number;
}

const attnParams = (s: AttnShape): ['u32' | 'f32', number][] => [
  ['u32', s.n],
  ['u32', s.NH],
  ['u32', s.NKV],
  ['u32', s.HS],
  ['f32', 1 / Math.sqrt(s.HS)],
];

export function attentionOp(
  ctx: GpuContext,
  a: AttnShape & { q: Tensor; k: Tensor; v: Tensor; pos: Tensor; out: Tensor; lse: Tensor },
): Promise<GpuOp> {
  if (a.HS > 256) throw new Error(`attention: head_dim ${a.HS} > 256 is not supported`);
  return makeOp(ctx, {
    label: 'train_attention',
    code: attnCode,
    overrides: { WG: 64 },
    bindings: [a.q, a.k, a.v, a.pos, a.out, a.lse],
    params: attnParams(a),
    workgroups: grid(a.n * a.NH, 64),
  });
}

export async function attentionBackwardOp(
  ctx: GpuContext,
  a: AttnShape & {
    q: Tensor;
    k: Tensor;
    v: Tensor;
    pos: Tensor;
    out: Tensor;
    dout: Tensor;
    lse: Tensor;
    dd: Tensor;
    dq: Tensor;
    dk: Tensor;
    dv: Tensor;
  },
): Promise<GpuOp> {
  return sequenceOps('train_attention_backward', [
    await makeOp(ctx, {
      label: 'train_attention_backward',
      code: attnBackCode,
      overrides: { WG: 64 },
      bindings: [a.q, a.k, a.v, a.pos, a.out, a.dout, a.lse, a.dq, a.dd],
      params: attnParams(a),
      workgroups: grid(a.n * a.NH, 64),
    }),
    await makeOp(ctx, {
      label: 'train_attention_backward_dkv',
      code: attnBackKvCode,
      overrides: { WG: 64 },
      bindings: [a.q, a.k, a.v, a.pos, a.dout, a.lse, a.dd, a.dk, a.dv],
      params: attnParams(a),
      workgroups: grid(a.n * a.NKV, 64),
    }),
  ]);
}

/** An encoder-level step (copies between passes). */
export interface EncoderOp {
  record(encoder: GPUCommandEncoder): void;
}

/**
 * Chunked lm_head cross-entropy: for each chunk of `chunk` rows, copy the hidden rows in,
 * logits = h·Wᵀ (chunk, V), softmax-CE in place (per-token losses, dlogits), and with `grad`
 * dh = dlogits·W copied out to `dhidden`; then the loss sum and count are reduced into
 * loss[0..2) and added to loss[2..4). Never allocates (n, V).
 */
export async function crossEntropyOp(
  ctx: GpuContext,
  a: {
    hidden: Tensor;
    w: Tensor;
    wDtype: WeightDtype;
    targets: Tensor;
    loss: Tensor;
    dhidden: Tensor | null;
    logits: Tensor;
    chunkIn: Tensor;
    chunkOut: Tensor;
    part: Tensor;
    n: number;
    C: number;
    V: number;
    chunk: number;
  },
): Promise<EncoderOp> {
  const chunks: { row0: number; rows: number; ops: GpuOp[] }[] = [];
  for (let row0 = 0; row0 < a.n; row0 += a.chunk) {
    const rows = Math.min(a.chunk, a.n - row0);
    const ops: GpuOp[] = [
      await matmulForward(ctx, {
        x: a.chunkIn,
        w: a.w,
        y: a.logits,
        m: a.chunk,
        n: a.V,
        k: a.C,
        wDtype: a.wDtype,
      }),
      await makeOp(ctx, {
        label: 'train_ce',
        code: ceCode,
        overrides: { WG: 256 },
        bindings: [a.logits, a.targets, a.loss],
        params: [
          ['u32', a.V],
          ['u32', row0],
          ['u32', rows],
          ['u32', a.dhidden ? 1 : 0],
        ],
        workgroups: [a.chunk, 1, 1],
      }),
    ];
    if (a.dhidden) {
      const S = ceSplit(a.chunk, a.C);
      const p = (phase: number): ['u32', number][] => [
        ['u32', a.chunk],
        ['u32', a.C],
        ['u32', a.V],
        ['u32', S],
        ['u32', phase],
      ];
      const common = {
        label: 'train_ce_backward',
        code: ceBackCode,
        overrides: { WG: 256, W_DTYPE: kDtypeCode[a.wDtype] },
        bindings: [a.logits, a.w, a.part, a.chunkOut],
      };
      ops.push(
        await makeOp(ctx, { ...common, params: p(0), workgroups: grid(S * a.chunk * a.C, 256) }),
        await makeOp(ctx, { ...common, params: p(1), workgroups: grid(a.chunk * a.C, 256) }),
      );
    }
    chunks.push({ row0, rows, ops });
  }
  const reduce = await makeOp(ctx, {
    label: 'train_loss',
    code: lossCode,
    overrides: { WG: 256 },
    bindings: [a.loss, a.targets],
    params: [['u32', a.n]],
    workgroups: [1, 1, 1],
  });
  const rowBytes = a.C * 4;
  return {
    record(encoder) {
      for (const c of chunks) {
        encoder.copyBufferToBuffer(
          a.hidden.buffer,
          c.row0 * rowBytes,
          a.chunkIn.buffer,
          0,
          c.rows * rowBytes,
        );
        const pass = encoder.beginComputePass({ label: 'cross-entropy' });
        for (const op of c.ops) op.record(pass);
        pass.end();
        if (a.dhidden) {
          encoder.copyBufferToBuffer(
            a.chunkOut.buffer,
            0,
            a.dhidden.buffer,
            c.row0 * rowBytes,
            c.rows * rowBytes,
          );
        }
      }
      const pass = encoder.beginComputePass({ label: 'loss' });
      reduce.record(pass);
      pass.end();
    },
  };
}
