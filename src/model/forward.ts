// The model forward, llm.c `gpt2_forward` style: every buffer comes from the memory plan and every
// dispatch is prepared once (ops), so a step only records ops and writes a few inputs.
//
//   x = embed[ids]                                   resid.0           (N, C)
//   for each layer l (checkpointing: only resid.l is kept, backward recomputes the rest; with
//   keepActivations each layer's act.* below are its own, act.<name>.<l>, and nothing is recomputed):
//     ln1 = rmsnorm(resid.l)                         act.ln1, act.rstd1
//     q,k,v = linear(ln1)  (+ bias, + LoRA)          act.q, act.k, act.v
//     [qwen3] qn, kn = rmsnorm per head              act.qn, act.kn
//     qr, kr = rope(q|qn, k|kn, pos)                 act.qr, act.kr
//     att = attention(qr, kr, v, segments)           act.att, act.lse   (block-diagonal causal)
//     h = resid.l + linear_o(att)                    act.h
//     ln2 = rmsnorm(h)                               act.ln2, act.rstd2
//     g, u = linear(ln2); a = silu(g)·u              act.g, act.u, act.a
//     resid.{l+1} = h + linear_down(a)
//   lnf = rmsnorm(resid.L)                           act.lnf, act.rstdf
//   loss sum, count, dlnf = fused lm_head cross-entropy over chunks   (never (N, V))
//
// With `training: false` only two residual buffers are planned and layers ping-pong between them.
import type { GpuContext, Tensor } from '../gpu/context.ts';
import type { GpuOp } from '../gpu/op.ts';
import type { ModelConfig } from './config.ts';
import { ropeInvFreq } from './config.ts';
import type { DeviceModel } from './layers/load.ts';
import { linearForward, type LinearSpec, type LoraSite } from './layers/linear.ts';
import { OpList } from './layers/oplist.ts';
import * as K from './layers/ops.ts';
import {
  kLoraModules,
  linearShape,
  loraScaling,
  modulePath,
  type LoraModule,
  type LoraSpec,
} from './lora.ts';
import { layerActivation, planMemory, type MemoryPlan } from './plan.ts';

export interface EngineOptions {
  rows: number;
  seqLen: number;
  /** LoRA to build (null: base model only). */
  lora: LoraSpec | null;
  dropout: number;
  training: boolean;
  /** Training: every layer keeps its activations and the backward recomputes nothing. */
  keepActivations?: boolean;
}

/** One decoder layer's ops and its linears (backward builds the mirror image from these). */
export interface LayerOps {
  forward: GpuOp[];
  linears: Record<LoraModule, LinearSpec>;
}

export interface Engine {
  ctx: GpuContext;
  model: DeviceModel;
  config: ModelConfig;
  opts: EngineOptions;
  plan: MemoryPlan;
  /** Tokens per micro-batch (rows · seqLen). */
  n: number;
  buf: (name: string) => Tensor;
  /** Layer l's buffers: `buf`, with the layer's own activations when they are kept. */
  layerBuf: (l: number) => (name: string) => Tensor;
  /** The backward reads every layer's kept activations instead of recomputing them. */
  keepActivations: boolean;
  /** The step-state buffer: [micro-batch seed, 0, 0, 0] (u32). */
  state: Tensor;
  /** LoRA sites by layer and module (A, B, dA, dB, ...). */
  sites: Partial<Record<LoraModule, LoraSite>>[];
  layers: LayerOps[];
  /** embed → layers → final norm → fused lm_head cross-entropy ([loss sum, count] += into
   * scratch.loss, and dlnf into act.dln when training), one compute pass. */
  forward: OpList;
  invFreq: Tensor;
  /** Records `forward` in its own compute pass. */
  recordForward(encoder: GPUCommandEncoder): void;
  destroy(): void;
}

export async function createEngine(
  ctx: GpuContext,
  model: DeviceModel,
  opts: EngineOptions,
): Promise<Engine> {
  const cfg = model.config;
  const N = opts.rows * opts.seqLen;
  const plan = planMemory({
    config: cfg,
    seqLen: opts.seqLen,
    rows: opts.rows,
    r: opts.lora?.r ?? 1,
    targets: opts.lora?.targets ?? [],
    weightDtype: model.weightDtype,
    dropout: opts.dropout > 0,
    training: opts.training,
    keepActivations: opts.keepActivations,
  });
  const keep = opts.training && (opts.keepActivations ?? false);
  // Allocate everything the plan lists except the frozen weights (already on the device) and the
  // cross-entropy scratch (its launcher allocates exactly what the plan counts as `ce.*`).
  const tensors = new Map<string, Tensor>();
  for (const b of plan.buffers) {
    if (model.weights.has(b.name) || b.name.startsWith('ce.')) continue;
    tensors.set(b.name, ctx.tensor(b.bytes, b.category, b.name));
  }
  const buf = (name: string): Tensor => {
    const t = tensors.get(name) ?? model.weights.get(name);
    if (!t) throw new Error(`engine: no buffer "${name}" in the plan`);
    return t;
  };
  /** Layer l's view of the buffers: its own activations when they are kept. */
  const layerBuf =
    (l: number) =>
    (name: string): Tensor =>
      buf(layerActivation(name, l, keep));
  const state = buf('step.state');
  const invFreq = buf('rope.inv_freq');
  ctx.write(invFreq, new Float32Array(ropeInvFreq(cfg)));

  // LoRA sites.
  const sites: Partial<Record<LoraModule, LoraSite>>[] = [];
  let siteId = 1;
  for (let l = 0; l < cfg.layers; l++) {
    const layer: Partial<Record<LoraModule, LoraSite>> = {};
    for (const m of opts.lora?.targets ?? []) {
      const spec = opts.lora!;
      layer[m] = {
        A: buf(`lora.${l}.${m}.A`),
        B: buf(`lora.${l}.${m}.B`),
        dA: opts.training ? buf(`grad.${l}.${m}.A`) : undefined,
        dB: opts.training ? buf(`grad.${l}.${m}.B`) : undefined,
        t: layerBuf(l)(`act.lora_t.${m}`),
        dt: opts.training ? buf('act.dt') : undefined,
        r: spec.r,
        scale: loraScaling(spec),
        p: opts.training ? opts.dropout : 0,
        site: siteId++,
        xd: opts.training && opts.dropout > 0 ? buf('scratch.xd') : undefined,
        dxd: opts.training && opts.dropout > 0 ? buf('scratch.dxd') : undefined,
        state,
      };
    }
    sites.push(layer);
  }

  const resid = (l: number) => buf(`resid.${opts.training ? l : l % 2}`);
  const forward = new OpList();
  const add = (ops: GpuOp | GpuOp[]) =>
    (Array.isArray(ops) ? ops : [ops]).forEach((o) => forward.push(o));

  add(
    await K.embedding(ctx, {
      ids: buf('in.ids'),
      table: buf('model.embed_tokens.weight'),
      out: resid(0),
      n: N,
      C: cfg.hidden,
      V: cfg.vocab,
      dtype: model.weightDtype,
    }),
  );
  const layers: LayerOps[] = [];
  for (let l = 0; l < cfg.layers; l++) {
    const lo = await layerForward(
      ctx,
      model,
      opts,
      l,
      layerBuf(l),
      sites[l],
      invFreq,
      resid(l),
      resid(l + 1),
    );
    layers.push(lo);
    add(lo.forward);
  }
  add(
    await K.rmsnorm(ctx, {
      x: resid(cfg.layers),
      w: buf('model.norm.weight'),
      out: buf('act.lnf'),
      rstd: buf('act.rstdf'),
      rows: N,
      C: cfg.hidden,
      eps: cfg.rmsEps,
    }),
  );
  const ce = await K.crossEntropy(ctx, {
    hidden: buf('act.lnf'),
    w: model.lmHead,
    wDtype: model.weightDtype,
    targets: buf('in.targets'),
    losses: buf('scratch.tok_loss'),
    out: buf('scratch.loss'),
    dhidden: opts.training ? buf('act.dln') : null,
    n: N,
    C: cfg.hidden,
    V: cfg.vocab,
  });
  forward.push(ce);
  return {
    ctx,
    model,
    config: cfg,
    opts,
    plan,
    n: N,
    buf,
    layerBuf,
    keepActivations: keep,
    state,
    sites,
    layers,
    forward,
    invFreq,
    recordForward(encoder) {
      const pass = encoder.beginComputePass({ label: 'forward' });
      forward.record(pass);
      pass.end();
    },
    destroy() {
      forward.destroy();
      for (const t of tensors.values()) ctx.release(t);
    },
  };
}

/** The linears of layer `l`, with their weights, biases and LoRA sites. */
export function layerLinears(
  model: DeviceModel,
  l: number,
  n: number,
  sites: Partial<Record<LoraModule, LoraSite>>,
): Record<LoraModule, LinearSpec> {
  const cfg = model.config;
  const out = {} as Record<LoraModule, LinearSpec>;
  for (const m of kLoraModules) {
    const [inF, outF] = linearShape(cfg, m);
    const base = `model.layers.${l}.${modulePath(m)}`;
    const biased =
      m === 'o_proj' ? cfg.oBias : ['q_proj', 'k_proj', 'v_proj'].includes(m) && cfg.qkvBias;
    out[m] = {
      label: `l${l}.${m}`,
      n,
      inF,
      outF,
      w: model.weights.get(`${base}.weight`)!,
      wDtype: model.weightDtype,
      bias: biased ? model.weights.get(`${base}.bias`) : undefined,
      lora: sites[m],
    };
  }
  return out;
}

async function layerForward(
  ctx: GpuContext,
  model: DeviceModel,
  opts: EngineOptions,
  l: number,
  buf: (name: string) => Tensor,
  sites: Partial<Record<LoraModule, LoraSite>>,
  invFreq: Tensor,
  x: Tensor,
  out: Tensor,
): Promise<LayerOps> {
  const cfg = model.config;
  const N = opts.rows * opts.seqLen;
  const C = cfg.hidden;
  const p = `model.layers.${l}`;
  const lin = layerLinears(model, l, N, sites);
  const ops: GpuOp[] = [];
  const push = (...o: (GpuOp | GpuOp[])[]) => ops.push(...o.flat());

  push(
    await K.rmsnorm(ctx, {
      x,
      w: buf(`${p}.input_layernorm.weight`),
      out: buf('act.ln1'),
      rstd: buf('act.rstd1'),
      rows: N,
      C,
      eps: cfg.rmsEps,
    }),
  );
  push(await linearForward(ctx, lin.q_proj, buf('act.ln1'), buf('act.q')));
  push(await linearForward(ctx, lin.k_proj, buf('act.ln1'), buf('act.k')));
  push(await linearForward(ctx, lin.v_proj, buf('act.ln1'), buf('act.v')));
  let q = buf('act.q');
  let k = buf('act.k');
  if (cfg.qkNorm) {
    push(
      await K.rmsnorm(ctx, {
        x: q,
        w: buf(`${p}.self_attn.q_norm.weight`),
        out: buf('act.qn'),
        rstd: buf('act.rstdq'),
        rows: N * cfg.heads,
        C: cfg.headDim,
        eps: cfg.rmsEps,
      }),
      await K.rmsnorm(ctx, {
        x: k,
        w: buf(`${p}.self_attn.k_norm.weight`),
        out: buf('act.kn'),
        rstd: buf('act.rstdk'),
        rows: N * cfg.kvHeads,
        C: cfg.headDim,
        eps: cfg.rmsEps,
      }),
    );
    q = buf('act.qn');
    k = buf('act.kn');
  }
  const ropeArgs = { pos: buf('in.pos'), invFreq, n: N, headDim: cfg.headDim };
  push(await K.rope(ctx, { ...ropeArgs, x: q, out: buf('act.qr'), heads: cfg.heads }));
  push(await K.rope(ctx, { ...ropeArgs, x: k, out: buf('act.kr'), heads: cfg.kvHeads }));
  push(
    await K.attention(ctx, {
      q: buf('act.qr'),
      k: buf('act.kr'),
      v: buf('act.v'),
      starts: buf('in.starts'),
      out: buf('act.att'),
      lse: buf('act.lse'),
      n: N,
      NH: cfg.heads,
      NKV: cfg.kvHeads,
      HS: cfg.headDim,
    }),
  );
  push(await linearForward(ctx, lin.o_proj, buf('act.att'), buf('act.h')));
  push(await K.addInto(ctx, { dst: buf('act.h'), src: x, n: N * C }));
  push(
    await K.rmsnorm(ctx, {
      x: buf('act.h'),
      w: buf(`${p}.post_attention_layernorm.weight`),
      out: buf('act.ln2'),
      rstd: buf('act.rstd2'),
      rows: N,
      C,
      eps: cfg.rmsEps,
    }),
  );
  push(await linearForward(ctx, lin.gate_proj, buf('act.ln2'), buf('act.g')));
  push(await linearForward(ctx, lin.up_proj, buf('act.ln2'), buf('act.u')));
  push(
    await K.swiglu(ctx, {
      g: buf('act.g'),
      u: buf('act.u'),
      out: buf('act.a'),
      n: N * cfg.intermediate,
    }),
  );
  push(await linearForward(ctx, lin.down_proj, buf('act.a'), out));
  push(await K.addInto(ctx, { dst: out, src: buf('act.h'), n: N * C }));
  return { forward: ops, linears: lin };
}
