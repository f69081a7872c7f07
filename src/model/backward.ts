// The model backward, llm.c `gpt2_backward` style: the mirror image of forward.ts, line by line in
// reverse, with per-layer activation checkpointing: before layer l's backward, its forward ops are
// recorded again from the checkpointed resid.l (the last layer's intermediates are still live);
// with `keepActivations` each layer reads its own kept intermediates and nothing is recomputed.
// Only LoRA gets parameter gradients (+=, so micro-batches accumulate); frozen weights pass dX.
//
//   dlnf (from the fused cross-entropy)         act.dln
//   dres = rmsnorm_backward(dlnf, resid.L)      act.dres (=)
//   for l = L-1 .. 0:
//     recompute layer l forward (except l = L-1)
//     da = linear_down_backward(dres)           (+ dA, dB of down)
//     dg, du = swiglu_backward(da)
//     dln = linear_gate_backward(dg) + linear_up_backward(du)
//     dres += rmsnorm_backward(dln, h)          → dL/dh
//     datt = linear_o_backward(dres)
//     dqr, dkr, dv = attention_backward(datt)
//     dq, dk = rope_backward(dqr, dkr)  [qwen3: then rmsnorm_backward per head]
//     dln = linear_q/k/v_backward(dq, dk, dv)
//     dres += rmsnorm_backward(dln, resid.l)    → dL/dresid.l
import type { GpuOp } from '../gpu/op.ts';
import type { Engine } from './forward.ts';
import { OpList } from './layers/oplist.ts';
import { linearBackward } from './layers/linear.ts';
import * as K from './layers/ops.ts';

export async function createBackward(e: Engine): Promise<OpList> {
  const { ctx, config: cfg, buf } = e;
  const N = e.n;
  const C = cfg.hidden;
  const ops = new OpList();
  const push = (...o: (GpuOp | GpuOp[])[]) => o.flat().forEach((x) => ops.push(x));
  const invFreq = e.invFreq;

  push(
    await K.rmsnormBackward(ctx, {
      dout: buf('act.dln'),
      x: buf(`resid.${cfg.layers}`),
      w: buf('model.norm.weight'),
      rstd: buf('act.rstdf'),
      dx: buf('act.dres'),
      rows: N,
      C,
      accumulate: false,
    }),
  );
  const dres = buf('act.dres');
  const dln = buf('act.dln');
  for (let l = cfg.layers - 1; l >= 0; l--) {
    const p = `model.layers.${l}`;
    const lin = e.layers[l].linears;
    const buf = e.layerBuf(l);
    if (l < cfg.layers - 1 && !e.keepActivations) push(e.layers[l].forward);
    // MLP
    push(await linearBackward(ctx, lin.down_proj, buf('act.a'), dres, buf('act.da')));
    push(
      await K.swigluBackward(ctx, {
        dout: buf('act.da'),
        g: buf('act.g'),
        u: buf('act.u'),
        dg: buf('act.dg'),
        du: buf('act.du'),
        n: N * cfg.intermediate,
      }),
    );
    push(await linearBackward(ctx, lin.gate_proj, buf('act.ln2'), buf('act.dg'), dln));
    push(
      await linearBackward(ctx, lin.up_proj, buf('act.ln2'), buf('act.du'), dln, {
        accumulate: true,
      }),
    );
    push(
      await K.rmsnormBackward(ctx, {
        dout: dln,
        x: buf('act.h'),
        w: buf(`${p}.post_attention_layernorm.weight`),
        rstd: buf('act.rstd2'),
        dx: dres,
        rows: N,
        C,
        accumulate: true,
      }),
    );
    // Attention
    push(await linearBackward(ctx, lin.o_proj, buf('act.att'), dres, buf('act.datt')));
    push(
      await K.attentionBackward(ctx, {
        dout: buf('act.datt'),
        q: buf('act.qr'),
        k: buf('act.kr'),
        v: buf('act.v'),
        out: buf('act.att'),
        lse: buf('act.lse'),
        delta: buf('act.attD'),
        starts: buf('in.starts'),
        dq: buf('act.dqr'),
        dk: buf('act.dkr'),
        dv: buf('act.dv'),
        n: N,
        NH: cfg.heads,
        NKV: cfg.kvHeads,
        HS: cfg.headDim,
      }),
    );
    const ropeArgs = { pos: buf('in.pos'), invFreq, n: N, headDim: cfg.headDim };
    const dq = cfg.qkNorm ? buf('act.dqn') : buf('act.dq');
    const dk = cfg.qkNorm ? buf('act.dkn') : buf('act.dk');
    push(
      await K.ropeBackward(ctx, { ...ropeArgs, dout: buf('act.dqr'), dx: dq, heads: cfg.heads }),
    );
    push(
      await K.ropeBackward(ctx, { ...ropeArgs, dout: buf('act.dkr'), dx: dk, heads: cfg.kvHeads }),
    );
    if (cfg.qkNorm) {
      push(
        await K.rmsnormBackward(ctx, {
          dout: dq,
          x: buf('act.q'),
          w: buf(`${p}.self_attn.q_norm.weight`),
          rstd: buf('act.rstdq'),
          dx: buf('act.dq'),
          rows: N * cfg.heads,
          C: cfg.headDim,
          accumulate: false,
        }),
        await K.rmsnormBackward(ctx, {
          dout: dk,
          x: buf('act.k'),
          w: buf(`${p}.self_attn.k_norm.weight`),
          rstd: buf('act.rstdk'),
          dx: buf('act.dk'),
          rows: N * cfg.kvHeads,
          C: cfg.headDim,
          accumulate: false,
        }),
      );
    }
    push(await linearBackward(ctx, lin.q_proj, buf('act.ln1'), buf('act.dq'), dln));
    push(
      await linearBackward(ctx, lin.k_proj, buf('act.ln1'), buf('act.dk'), dln, {
        accumulate: true,
      }),
    );
    push(
      await linearBackward(ctx, lin.v_proj, buf('act.ln1'), buf('act.dv'), dln, {
        accumulate: true,
      }),
    );
    push(
      await K.rmsnormBackward(ctx, {
        dout: dln,
        x: buf(`resid.${l}`),
        w: buf(`${p}.input_layernorm.weight`),
        rstd: buf('act.rstd1'),
        dx: dres,
        rows: N,
        C,
        accumulate: true,
      }),
    );
  }
  return ops;
}
