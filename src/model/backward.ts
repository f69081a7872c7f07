// The model backward, llm.c `gpt2_backward` style: the mirror image of forward.ts, line by line in
// reverse, with per-layer activation checkpointing: before layer l's backward, its forward ops are
// recorded again from the checkpointed resid.l (the last layer's intermediates are still live);
// with `keepActivations` each layer reads its own kept intermediates and nothing is recomputed.
// Only LoRA gets parameter gradients (+=, so micro-batches accumulate); frozen weights pass dX.
//
//   dlnf (from the fused cross-entropy)         grads.dln
//   dres = rmsnorm_backward(dlnf, resid[L])     grads.dres (=)
//   for l = L-1 .. 0:   (layer.ts's layerForward, reversed)
//     recompute layer l forward (except l = L-1)
//     da = linear_down_backward(dres)           (+ dA, dB of down)
//     dg, du = swiglu_backward(da)
//     dln = linear_gate_backward(dg) + linear_up_backward(du)
//     dres += rmsnorm_backward(dln, h)          → dL/dh
//     datt = linear_o_backward(dres)
//     dqr, dkr, dv = attention_backward(datt)
//     dq, dk = rope_backward(dqr, dkr)  [qwen3: then rmsnorm_backward per head]
//     dln = linear_q/k/v_backward(dq, dk, dv)
//     dres += rmsnorm_backward(dln, resid[l])   → dL/dresid[l]
import type { GpuOp } from '../gpu/op.ts';
import { attentionBackward } from '../kernels/attention.ts';
import { rmsnormBackward } from '../kernels/rmsnorm.ts';
import { ropeBackward } from '../kernels/rope.ts';
import { swigluBackward } from '../kernels/swiglu.ts';
import type { Engine } from './forward.ts';
import { modelWeight, qkNormOf } from './layer.ts';
import { OpList } from './layers/oplist.ts';
import { linearBackward } from './layers/linear.ts';

export class NoTrainingBuffersError extends Error {
  constructor() {
    super('backward: the engine was built with training: false (no gradient buffers)');
    this.name = 'NoTrainingBuffersError';
  }
}

export async function createBackward(e: Engine): Promise<OpList> {
  const { ctx, config: cfg, buffers: B } = e;
  const G = B.grads;
  if (!G) throw new NoTrainingBuffersError();
  const N = e.n;
  const C = cfg.hidden;
  const HS = cfg.headDim;
  const ops = new OpList();
  const push = (...o: (GpuOp | GpuOp[])[]) => o.flat().forEach((x) => ops.push(x));
  const { dres, dln } = G;

  push(
    await rmsnormBackward(ctx, {
      dout: dln,
      x: B.resid[cfg.layers],
      weight: modelWeight(e.model, 'model.norm.weight'),
      rstd: B.rstdf,
      dx: dres,
      rows: N,
      C,
      accumulate: false,
    }),
  );
  for (let l = cfg.layers - 1; l >= 0; l--) {
    const { weights: w, forward } = e.layers[l];
    const lin = w.linears;
    const b = B.layers[l];
    if (l < cfg.layers - 1 && !e.keepActivations) push(forward);
    // MLP
    push(await linearBackward(ctx, lin.down_proj, b.a, dres, G.da));
    push(
      await swigluBackward(ctx, {
        dout: G.da,
        gate: b.g,
        up: b.u,
        dgate: G.dg,
        dup: G.du,
        n: N * cfg.intermediate,
      }),
    );
    push(await linearBackward(ctx, lin.gate_proj, b.ln2, G.dg, dln));
    push(await linearBackward(ctx, lin.up_proj, b.ln2, G.du, dln, { accumulate: true }));
    push(
      await rmsnormBackward(ctx, {
        dout: dln,
        x: b.h,
        weight: w.postNorm,
        rstd: b.rstd2,
        dx: dres,
        rows: N,
        C,
        accumulate: true,
      }),
    );
    // Attention
    push(await linearBackward(ctx, lin.o_proj, b.att, dres, G.datt));
    push(
      await attentionBackward(ctx, {
        T: N,
        NH: cfg.heads,
        NKV: cfg.kvHeads,
        HS,
        q: b.qr,
        k: b.kr,
        v: b.v,
        starts: B.inputs.starts,
        out: b.att,
        lse: b.lse,
        dout: G.datt,
        dq: G.dqr,
        dk: G.dkr,
        dv: G.dv,
        delta: B.attD,
      }),
    );
    const qk = qkNormOf(cfg, b, w);
    if (qk && !G.dqkn) throw new Error('backward: q/k norm gradient buffers missing');
    const dq = G.dqkn ? G.dqkn.dqn : G.dq;
    const dk = G.dqkn ? G.dqkn.dkn : G.dk;
    const rope = { T: N, HS, pos: B.inputs.pos, invFreq: B.invFreq };
    push(await ropeBackward(ctx, { ...rope, NH: cfg.heads, dout: G.dqr, dx: dq }));
    push(await ropeBackward(ctx, { ...rope, NH: cfg.kvHeads, dout: G.dkr, dx: dk }));
    if (qk) {
      push(
        await rmsnormBackward(ctx, {
          dout: dq,
          x: b.q,
          weight: qk.qNorm,
          rstd: qk.rstdq,
          dx: G.dq,
          rows: N * cfg.heads,
          C: HS,
          accumulate: false,
        }),
        await rmsnormBackward(ctx, {
          dout: dk,
          x: b.k,
          weight: qk.kNorm,
          rstd: qk.rstdk,
          dx: G.dk,
          rows: N * cfg.kvHeads,
          C: HS,
          accumulate: false,
        }),
      );
    }
    push(await linearBackward(ctx, lin.q_proj, b.ln1, G.dq, dln));
    push(await linearBackward(ctx, lin.k_proj, b.ln1, G.dk, dln, { accumulate: true }));
    push(await linearBackward(ctx, lin.v_proj, b.ln1, G.dv, dln, { accumulate: true }));
    push(
      await rmsnormBackward(ctx, {
        dout: dln,
        x: B.resid[l],
        weight: w.inputNorm,
        rstd: b.rstd1,
        dx: dres,
        rows: N,
        C,
        accumulate: true,
      }),
    );
  }
  return ops;
}
