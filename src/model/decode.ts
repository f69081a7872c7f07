// Token-by-token forward for generation, with a KV cache: the decoder layers of layer.ts (the ones
// the training forward builds) for one token (n = 1), whose position p comes from a small state
// buffer, so every op is built once and generating a token only writes (id, p) and records.
// RoPE'd k and v are appended to the per-layer cache and attention runs over cache[0..p]
// (kernels/attention_decode.ts). The prompt is prefilled in chunks of up to 64 tokens through the
// same layers built for 64 rows (matmuls instead of matrix-vector products, one dispatch per op
// per chunk), each query attending to the cache up to its own position. Two op lists share the
// buffers: with the LoRA adapter and without it (the base model), chosen per call.
import type { GpuContext, Tensor } from '../gpu/context.ts';
import type { GpuOp } from '../gpu/op.ts';
import { attentionDecodeForward } from '../kernels/attention_decode.ts';
import { embeddingForward } from '../kernels/embedding.ts';
import { matmulForward } from '../kernels/matmul.ts';
import { copy } from '../kernels/residual.ts';
import { rmsnormForward } from '../kernels/rmsnorm.ts';
import type { LayerWork } from './buffers.ts';
import { ropeInvFreq } from './config.ts';
import { layerForward, layerWeights, modelWeight } from './layer.ts';
import type { LoraSite } from './layers/linear.ts';
import type { DeviceModel } from './layers/load.ts';
import { loraScaling, type LoraModule, type LoraSpec } from './lora.ts';

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
  const shared = { state, invFreq, kcache, vcache, cacheRows };
  const one = await decodeWidth(ctx, model, opts.lora, 1, t, shared);
  const many = await decodeWidth(ctx, model, opts.lora, chunk, t, shared);
  const head: GpuOp[] = [
    await rmsnormForward(ctx, {
      x: one.x0,
      weight: modelWeight(model, 'model.norm.weight'),
      out: one.ln1,
      rstd: one.rstd1,
      rows: 1,
      C,
      eps: cfg.rmsEps,
    }),
    await matmulForward(ctx, {
      x: one.ln1,
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
  shared: {
    state: Tensor;
    invFreq: Tensor;
    kcache: Tensor[];
    vcache: Tensor[];
    cacheRows: number;
  },
) {
  const cfg = model.config;
  const C = cfg.hidden;
  const Q = cfg.heads * cfg.headDim;
  const KV = cfg.kvHeads * cfg.headDim;
  const w = `dec${n}`;
  const ids = t(n, `${w}.ids`);
  const pos = t(n, `${w}.pos`);
  const x0 = t(n * C, `${w}.x0`);
  const x1 = t(n * C, `${w}.x1`);
  // One norm output (and rstd) serves both norms of a layer and the final norm: nothing reads
  // them after the next op, since there is no backward.
  const ln = t(n * C, `${w}.ln`);
  const rstd = t(n, `${w}.rstd`);
  const q = t(n * Q, `${w}.q`);
  const k = t(n * KV, `${w}.k`);
  const v = t(n * KV, `${w}.v`);
  const qkNorm = {
    qn: t(n * Q, `${w}.qn`),
    kn: t(n * KV, `${w}.kn`),
    rstdq: t(n * cfg.heads, `${w}.rstdq`),
    rstdk: t(n * cfg.kvHeads, `${w}.rstdk`),
  };
  const work: LayerWork = {
    ln1: ln,
    rstd1: rstd,
    q,
    k,
    v,
    qkNorm: cfg.qkNorm ? qkNorm : null,
    qr: t(n * Q, `${w}.qr`),
    kr: t(n * KV, `${w}.kr`),
    att: t(n * Q, `${w}.att`),
    h: t(n * C, `${w}.h`),
    ln2: ln,
    rstd2: rstd,
    g: t(n * cfg.intermediate, `${w}.g`),
    u: t(n * cfg.intermediate, `${w}.u`),
    a: t(n * cfg.intermediate, `${w}.a`),
  };
  const loraT = t(n * (lora?.spec.r ?? 1), `${w}.lora_t`);
  const { state, invFreq, kcache, vcache, cacheRows } = shared;
  const r = lora?.spec.r ?? 1;

  const build = async (withLora: boolean): Promise<GpuOp[]> => {
    const embed = modelWeight(model, 'model.embed_tokens.weight');
    const ops: GpuOp[] = [
      await embeddingForward(ctx, {
        ids,
        weight: embed,
        out: x0,
        T: n,
        C,
        V: cfg.vocab,
        wDtype: model.weightDtype,
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
            t: loraT,
            r,
            scale: loraScaling(lora.spec),
            p: 0,
            site: 0,
          };
        }
      }
      ops.push(
        ...(await layerForward(ctx, cfg, {
          n,
          x: x0,
          out: x1,
          pos,
          invFreq,
          work,
          weights: layerWeights(model, l, n, sites),
          attention: (a) =>
            attentionDecodeForward(ctx, {
              ...a,
              T: n,
              NH: cfg.heads,
              NKV: cfg.kvHeads,
              HS: cfg.headDim,
              rows: cacheRows,
              kcache: kcache[l],
              vcache: vcache[l],
              state,
            }),
        })),
      );
      // x1 → x0 for the next layer: add into a zeroed x0 would need a clear; swap roles instead.
      ops.push(await copy(ctx, { x: x1, y: x0, n: n * C }));
    }
    return ops;
  };
  return {
    ids,
    pos,
    x0,
    ln1: ln,
    rstd1: rstd,
    withAdapter: lora ? await build(true) : null,
    base: await build(false),
  };
}
