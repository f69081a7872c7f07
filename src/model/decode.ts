// Token-by-token forward for generation, with a KV cache: the same layer structure as forward.ts
// for one token (n = 1), whose position p comes from a small state buffer, so every op is built
// once and generating a token only writes (id, p) and records. RoPE'd k and v are appended to the
// per-layer cache and attention runs over cache[0..p] (attention_decode_forward.wgsl). The prompt
// is prefilled in chunks of up to 64 tokens through the same layers built for 64 rows (matmuls
// instead of matrix-vector products, one dispatch per op per chunk), each query attending to the
// cache up to its own position. Two op lists share the buffers: with the LoRA adapter and without
// it (the base model), chosen per call.
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
  /** Tokens one prefill record processes. */
  prefillChunk: number;
  /** Records one token's forward at position `pos` (written with `setToken` first). */
  record(encoder: GPUCommandEncoder, opts: { adapter: boolean; logits: boolean }): void;
  setToken(id: number, pos: number): void;
  /**
   * Writes up to `prefillChunk` prompt tokens at positions pos0, pos0 + 1, ... for `recordPrefill`
   * (a shorter chunk is padded; the padding's cache rows lie past the prompt and are overwritten
   * by the tokens that follow, and no real query attends to them).
   */
  setChunk(ids: readonly number[], pos0: number): void;
  /** Records the forward of the chunk set by `setChunk`: fills the KV cache, no logits. */
  recordPrefill(encoder: GPUCommandEncoder, opts: { adapter: boolean }): void;
  /** (V) f32 logits of the last token recorded with logits: true. */
  logits: Tensor;
  hasAdapter: boolean;
  destroy(): void;
}

const kPrefillChunk = 64;

export async function createDecoder(
  ctx: GpuContext,
  model: DeviceModel,
  opts: { maxContext: number; lora: DecodeLora | null },
): Promise<Decoder> {
  const cfg = model.config;
  const C = cfg.hidden;
  const KV = cfg.kvHeads * cfg.headDim;
  const chunk = Math.max(1, Math.min(kPrefillChunk, opts.maxContext));
  const owned: Tensor[] = [];
  const t = (n: number, label: string, cat: 'activations' | 'scratch' = 'activations') => {
    const x = ctx.tensor(n * 4, cat, label);
    owned.push(x);
    return x;
  };
  const state = t(4, 'dec.state');
  const logits = t(cfg.vocab, 'dec.logits', 'scratch');
  const invFreq = t(cfg.headDim / 2, 'dec.inv_freq');
  ctx.write(invFreq, new Float32Array(ropeInvFreq(cfg)));
  // Room for a padded prefill chunk past the last position.
  const cacheRows = opts.maxContext + chunk;
  const kcache: Tensor[] = [];
  const vcache: Tensor[] = [];
  for (let l = 0; l < cfg.layers; l++) {
    kcache.push(t(cacheRows * KV, `dec.kcache.${l}`));
    vcache.push(t(cacheRows * KV, `dec.vcache.${l}`));
  }
  const shared = { state, invFreq, kcache, vcache };
  const one = await decodeWidth(ctx, model, opts.lora, 1, t, shared);
  const many = await decodeWidth(ctx, model, opts.lora, chunk, t, shared);
  const head: GpuOp[] = [
    await K.rmsnorm(ctx, {
      x: one.x0,
      w: model.weights.get('model.norm.weight')!,
      out: one.ln,
      rstd: one.rstd,
      rows: 1,
      C,
      eps: cfg.rmsEps,
    }),
    await matmulForward(ctx, {
      x: one.ln,
      w: model.lmHead,
      y: logits,
      m: 1,
      n: cfg.vocab,
      k: C,
      wDtype: model.weightDtype,
    }),
  ];
  const hostIds = new Int32Array(chunk);
  const hostPos = new Int32Array(chunk);
  const hostState = new Uint32Array(4);
  const setState = (pos: number) => {
    hostState[0] = pos;
    ctx.write(state, hostState);
  };
  const pass = (encoder: GPUCommandEncoder, ops: GpuOp[]) => {
    const p = encoder.beginComputePass({ label: 'decode' });
    for (const op of ops) op.record(p);
    return p;
  };
  return {
    maxContext: opts.maxContext,
    prefillChunk: chunk,
    logits,
    hasAdapter: opts.lora !== null,
    setToken(id, p) {
      if (p >= opts.maxContext)
        throw new Error(`generation reached the context limit (${opts.maxContext} tokens)`);
      hostIds[0] = id;
      hostPos[0] = p;
      ctx.write(one.ids, hostIds.subarray(0, 1));
      ctx.write(one.pos, hostPos.subarray(0, 1));
      setState(p);
    },
    setChunk(ids, pos0) {
      if (ids.length === 0 || ids.length > chunk)
        throw new Error(`prefill takes 1 to ${chunk} tokens, got ${ids.length}`);
      if (pos0 + ids.length > opts.maxContext)
        throw new Error(`the prompt exceeds the context limit (${opts.maxContext} tokens)`);
      for (let i = 0; i < chunk; i++) {
        hostIds[i] = i < ids.length ? ids[i] : 0;
        hostPos[i] = pos0 + i;
      }
      ctx.write(many.ids, hostIds);
      ctx.write(many.pos, hostPos);
      setState(pos0);
    },
    record(encoder, o) {
      const p = pass(encoder, o.adapter && one.withAdapter ? one.withAdapter : one.base);
      if (o.logits) for (const op of head) op.record(p);
      p.end();
    },
    recordPrefill(encoder, o) {
      pass(encoder, o.adapter && many.withAdapter ? many.withAdapter : many.base).end();
    },
    destroy() {
      for (const x of owned) ctx.release(x);
    },
  };
}

/**
 * The decoder's ops for `n` tokens at consecutive positions (state[0] is the first): its own
 * activations, the shared KV cache. Two op lists over the same buffers: with the LoRA adapter (when
 * there is one) and without it.
 */
async function decodeWidth(
  ctx: GpuContext,
  model: DeviceModel,
  lora: DecodeLora | null,
  n: number,
  t: (n: number, label: string) => Tensor,
  shared: { state: Tensor; invFreq: Tensor; kcache: Tensor[]; vcache: Tensor[] },
) {
  const cfg = model.config;
  const C = cfg.hidden;
  const Q = cfg.heads * cfg.headDim;
  const KV = cfg.kvHeads * cfg.headDim;
  const w = `dec${n}`;
  const b = {
    ids: t(n, `${w}.ids`),
    pos: t(n, `${w}.pos`),
    x0: t(n * C, `${w}.x0`),
    x1: t(n * C, `${w}.x1`),
    ln: t(n * C, `${w}.ln`),
    rstd: t(n, `${w}.rstd`),
    q: t(n * Q, `${w}.q`),
    k: t(n * KV, `${w}.k`),
    v: t(n * KV, `${w}.v`),
    qn: t(n * Q, `${w}.qn`),
    kn: t(n * KV, `${w}.kn`),
    rstdq: t(n * cfg.heads, `${w}.rstdq`),
    rstdk: t(n * cfg.kvHeads, `${w}.rstdk`),
    qr: t(n * Q, `${w}.qr`),
    kr: t(n * KV, `${w}.kr`),
    att: t(n * Q, `${w}.att`),
    h: t(n * C, `${w}.h`),
    g: t(n * cfg.intermediate, `${w}.g`),
    u: t(n * cfg.intermediate, `${w}.u`),
    a: t(n * cfg.intermediate, `${w}.a`),
    loraT: t(n * (lora?.spec.r ?? 1), `${w}.lora_t`),
  };
  const { state, invFreq, kcache, vcache } = shared;
  const r = lora?.spec.r ?? 1;

  const build = async (withLora: boolean): Promise<GpuOp[]> => {
    const ops: GpuOp[] = [
      await K.embedding(ctx, {
        ids: b.ids,
        table: model.weights.get('model.embed_tokens.weight')!,
        out: b.x0,
        n,
        C,
        V: cfg.vocab,
        dtype: model.weightDtype,
      }),
    ];
    for (let l = 0; l < cfg.layers; l++) {
      const sites: Partial<Record<LoraModule, LoraSite>> = {};
      if (withLora && lora) {
        for (const m of lora.spec.targets) {
          const p = lora.layers[l][m]!;
          sites[m] = {
            A: p.A,
            B: p.B,
            t: b.loraT,
            r,
            scale: loraScaling(lora.spec),
            p: 0,
            site: 0,
          };
        }
      }
      const lin = layerLinears(model, l, n, sites);
      const p = `model.layers.${l}`;
      const wt = (name: string) => model.weights.get(`${p}.${name}`)!;
      const norm = (
        x: Tensor,
        weight: string,
        out: Tensor,
        rstd: Tensor,
        rows: number,
        c: number,
      ) => K.rmsnorm(ctx, { x, w: wt(weight), out, rstd, rows, C: c, eps: cfg.rmsEps });
      ops.push(await norm(b.x0, 'input_layernorm.weight', b.ln, b.rstd, n, C));
      ops.push(...(await linearForward(ctx, lin.q_proj, b.ln, b.q)));
      ops.push(...(await linearForward(ctx, lin.k_proj, b.ln, b.k)));
      ops.push(...(await linearForward(ctx, lin.v_proj, b.ln, b.v)));
      let qq = b.q;
      let kk = b.k;
      if (cfg.qkNorm) {
        const hd = cfg.headDim;
        ops.push(await norm(b.q, 'self_attn.q_norm.weight', b.qn, b.rstdq, n * cfg.heads, hd));
        ops.push(await norm(b.k, 'self_attn.k_norm.weight', b.kn, b.rstdk, n * cfg.kvHeads, hd));
        qq = b.qn;
        kk = b.kn;
      }
      const rope = { pos: b.pos, invFreq, n, headDim: cfg.headDim };
      ops.push(await K.rope(ctx, { ...rope, x: qq, out: b.qr, heads: cfg.heads }));
      ops.push(await K.rope(ctx, { ...rope, x: kk, out: b.kr, heads: cfg.kvHeads }));
      const attnOp = (phase: number) =>
        makeOp(ctx, {
          label: 'attention_decode',
          code,
          overrides: { WG: 64 },
          bindings: [b.qr, b.kr, b.v, kcache[l], vcache[l], state, b.att],
          params: [
            ['u32', cfg.heads],
            ['u32', cfg.kvHeads],
            ['u32', cfg.headDim],
            ['u32', phase],
            ['f32', 1 / Math.sqrt(cfg.headDim)],
            ['u32', n],
          ],
          workgroups: [Math.ceil((phase === 0 ? n * KV : n * cfg.heads) / 64), 1, 1],
        });
      ops.push(sequenceOps('attention_decode', [await attnOp(0), await attnOp(1)]));
      ops.push(...(await linearForward(ctx, lin.o_proj, b.att, b.h)));
      ops.push(await K.addInto(ctx, { dst: b.h, src: b.x0, n: n * C }));
      ops.push(await norm(b.h, 'post_attention_layernorm.weight', b.ln, b.rstd, n, C));
      ops.push(...(await linearForward(ctx, lin.gate_proj, b.ln, b.g)));
      ops.push(...(await linearForward(ctx, lin.up_proj, b.ln, b.u)));
      ops.push(await K.swiglu(ctx, { g: b.g, u: b.u, out: b.a, n: n * cfg.intermediate }));
      ops.push(...(await linearForward(ctx, lin.down_proj, b.a, b.x1)));
      ops.push(await K.addInto(ctx, { dst: b.x1, src: b.h, n: n * C }));
      // x1 → x0 for the next layer: add into a zeroed x0 would need a clear; swap roles instead.
      ops.push(await K.copyInto(ctx, { dst: b.x0, src: b.x1, n: n * C }));
    }
    return ops;
  };
  return {
    ...b,
    withAdapter: lora ? await build(true) : null,
    base: await build(false),
  };
}
