// Token-by-token forward for generation, with a KV cache: the same layer structure as forward.ts
// for one token (n = 1), whose position p comes from a small state buffer, so every op is built
// once and generating a token only writes (id, p) and records. RoPE'd k and v are appended to the
// per-layer cache and attention runs over cache[0..p] (attention_decode_forward.wgsl). The prompt
// is fed through the same path one token at a time (prefill without logits). Two op lists share
// the buffers: with the LoRA adapter and without it (the base model), chosen per call.
import type { GpuContext, Tensor } from '../gpu/context.ts';
import { makeOp, sequenceOps, type GpuOp } from '../gpu/op.ts';
import { matmulForward } from '../kernels/matmul.ts';
import { ropeInvFreq } from './config.ts';
import type { LoraSite } from './layers/linear.ts';
import { linearForward } from './layers/linear.ts';
import type { DeviceModel } from './layers/load.ts';
import * as K from './layers/ops.ts';
import { layerLinears } from './forward.ts';
import { loraScaling, type LoraModule, type LoraSpec } from './lora.ts';
import code from '../../shaders/attention_decode_forward.wgsl?raw';

/** Device LoRA tensors for decoding: per layer, per module, A (R, in) and B (out, R). */
export type DecodeLora = {
  spec: LoraSpec;
  layers: Partial<Record<LoraModule, { A: Tensor; B: Tensor }>>[];
};

export interface Decoder {
  maxContext: number;
  /** Records one token's forward at position `pos` (written with `setToken` first). */
  record(encoder: GPUCommandEncoder, opts: { adapter: boolean; logits: boolean }): void;
  setToken(id: number, pos: number): void;
  /** (V) f32 logits of the last token recorded with logits: true. */
  logits: Tensor;
  hasAdapter: boolean;
  destroy(): void;
}

export async function createDecoder(
  ctx: GpuContext,
  model: DeviceModel,
  opts: { maxContext: number; lora: DecodeLora | null },
): Promise<Decoder> {
  const cfg = model.config;
  const C = cfg.hidden;
  const Q = cfg.heads * cfg.headDim;
  const KV = cfg.kvHeads * cfg.headDim;
  const owned: Tensor[] = [];
  const t = (n: number, label: string, cat: 'activations' | 'scratch' = 'activations') => {
    const x = ctx.tensor(n * 4, cat, label);
    owned.push(x);
    return x;
  };
  const ids = t(4, 'dec.ids');
  const pos = t(4, 'dec.pos');
  const state = t(4, 'dec.state');
  const x0 = t(C, 'dec.x0');
  const x1 = t(C, 'dec.x1');
  const ln = t(C, 'dec.ln');
  const rstd = t(4, 'dec.rstd');
  const q = t(Q, 'dec.q');
  const k = t(KV, 'dec.k');
  const v = t(KV, 'dec.v');
  const qn = t(Q, 'dec.qn');
  const kn = t(KV, 'dec.kn');
  const rstdq = t(cfg.heads, 'dec.rstdq');
  const rstdk = t(cfg.kvHeads, 'dec.rstdk');
  const qr = t(Q, 'dec.qr');
  const kr = t(KV, 'dec.kr');
  const att = t(Q, 'dec.att');
  const h = t(C, 'dec.h');
  const g = t(cfg.intermediate, 'dec.g');
  const u = t(cfg.intermediate, 'dec.u');
  const a = t(cfg.intermediate, 'dec.a');
  const logits = t(cfg.vocab, 'dec.logits', 'scratch');
  const invFreq = t(cfg.headDim / 2, 'dec.inv_freq');
  ctx.write(invFreq, new Float32Array(ropeInvFreq(cfg)));
  const kcache: Tensor[] = [];
  const vcache: Tensor[] = [];
  for (let l = 0; l < cfg.layers; l++) {
    kcache.push(t(opts.maxContext * KV, `dec.kcache.${l}`));
    vcache.push(t(opts.maxContext * KV, `dec.vcache.${l}`));
  }
  const r = opts.lora?.spec.r ?? 1;
  const loraT = t(r, 'dec.lora_t');

  const build = async (withLora: boolean): Promise<GpuOp[]> => {
    const ops: GpuOp[] = [
      await K.embedding(ctx, {
        ids,
        table: model.weights.get('model.embed_tokens.weight')!,
        out: x0,
        n: 1,
        C,
        V: cfg.vocab,
        dtype: model.weightDtype,
      }),
    ];
    for (let l = 0; l < cfg.layers; l++) {
      const sites: Partial<Record<LoraModule, LoraSite>> = {};
      if (withLora && opts.lora) {
        for (const m of opts.lora.spec.targets) {
          const p = opts.lora.layers[l][m]!;
          sites[m] = {
            A: p.A,
            B: p.B,
            t: loraT,
            r,
            scale: loraScaling(opts.lora.spec),
            p: 0,
            site: 0,
          };
        }
      }
      const lin = layerLinears(model, l, 1, sites);
      const p = `model.layers.${l}`;
      const w = (name: string) => model.weights.get(`${p}.${name}`)!;
      ops.push(
        await K.rmsnorm(ctx, {
          x: x0,
          w: w('input_layernorm.weight'),
          out: ln,
          rstd,
          rows: 1,
          C,
          eps: cfg.rmsEps,
        }),
      );
      ops.push(...(await linearForward(ctx, lin.q_proj, ln, q)));
      ops.push(...(await linearForward(ctx, lin.k_proj, ln, k)));
      ops.push(...(await linearForward(ctx, lin.v_proj, ln, v)));
      let qq = q;
      let kk = k;
      if (cfg.qkNorm) {
        ops.push(
          await K.rmsnorm(ctx, {
            x: q,
            w: w('self_attn.q_norm.weight'),
            out: qn,
            rstd: rstdq,
            rows: cfg.heads,
            C: cfg.headDim,
            eps: cfg.rmsEps,
          }),
        );
        ops.push(
          await K.rmsnorm(ctx, {
            x: k,
            w: w('self_attn.k_norm.weight'),
            out: kn,
            rstd: rstdk,
            rows: cfg.kvHeads,
            C: cfg.headDim,
            eps: cfg.rmsEps,
          }),
        );
        qq = qn;
        kk = kn;
      }
      const rope = { pos, invFreq, n: 1, headDim: cfg.headDim };
      ops.push(await K.rope(ctx, { ...rope, x: qq, out: qr, heads: cfg.heads }));
      ops.push(await K.rope(ctx, { ...rope, x: kk, out: kr, heads: cfg.kvHeads }));
      const attnOp = (phase: number) =>
        makeOp(ctx, {
          label: 'attention_decode',
          code,
          overrides: { WG: 64 },
          bindings: [qr, kr, v, kcache[l], vcache[l], state, att],
          params: [
            ['u32', cfg.heads],
            ['u32', cfg.kvHeads],
            ['u32', cfg.headDim],
            ['u32', phase],
            ['f32', 1 / Math.sqrt(cfg.headDim)],
          ],
          workgroups: [Math.ceil((phase === 0 ? KV : cfg.heads) / 64), 1, 1],
        });
      ops.push(sequenceOps('attention_decode', [await attnOp(0), await attnOp(1)]));
      ops.push(...(await linearForward(ctx, lin.o_proj, att, h)));
      ops.push(await K.addInto(ctx, { dst: h, src: x0, n: C }));
      ops.push(
        await K.rmsnorm(ctx, {
          x: h,
          w: w('post_attention_layernorm.weight'),
          out: ln,
          rstd,
          rows: 1,
          C,
          eps: cfg.rmsEps,
        }),
      );
      ops.push(...(await linearForward(ctx, lin.gate_proj, ln, g)));
      ops.push(...(await linearForward(ctx, lin.up_proj, ln, u)));
      ops.push(await K.swiglu(ctx, { g, u, out: a, n: cfg.intermediate }));
      ops.push(...(await linearForward(ctx, lin.down_proj, a, x1)));
      ops.push(await K.addInto(ctx, { dst: x1, src: h, n: C }));
      // x1 → x0 for the next layer: add into a zeroed x0 would need a clear; swap roles instead.
      ops.push(await K.copyInto(ctx, { dst: x0, src: x1, n: C }));
    }
    return ops;
  };
  const head: GpuOp[] = [
    await K.rmsnorm(ctx, {
      x: x0,
      w: model.weights.get('model.norm.weight')!,
      out: ln,
      rstd,
      rows: 1,
      C,
      eps: cfg.rmsEps,
    }),
    await matmulForward(ctx, {
      x: ln,
      w: model.lmHead,
      y: logits,
      m: 1,
      n: cfg.vocab,
      k: C,
      wDtype: model.weightDtype,
    }),
  ];
  const withAdapter = opts.lora ? await build(true) : null;
  const base = await build(false);
  const host = new Int32Array(1);
  const hostState = new Uint32Array(4);
  return {
    maxContext: opts.maxContext,
    logits,
    hasAdapter: opts.lora !== null,
    setToken(id, p) {
      if (p >= opts.maxContext)
        throw new Error(`generation reached the context limit (${opts.maxContext} tokens)`);
      host[0] = id;
      ctx.write(ids, host);
      host[0] = p;
      ctx.write(pos, host);
      hostState[0] = p;
      ctx.write(state, hostState);
    },
    record(encoder, o) {
      const pass = encoder.beginComputePass({ label: 'decode' });
      for (const op of o.adapter && withAdapter ? withAdapter : base) op.record(pass);
      if (o.logits) for (const op of head) op.record(pass);
      pass.end();
    },
    destroy() {
      for (const x of owned) ctx.release(x);
    },
  };
}
