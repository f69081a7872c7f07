// The model forward, llm.c `gpt2_forward` style: every buffer comes from the memory plan (as typed
// fields, buffers.ts) and every dispatch is prepared once (ops), so a step only records ops and
// writes a few inputs.
//
//   x = embed[ids]                                   resid[0]          (N, C)
//   for each layer l: resid[l+1] = layer(resid[l])   layers[l].*       (layer.ts)
//     (checkpointing: only resid[l] is kept and backward recomputes the rest, every layers[l] is
//     the same buffers; with keepActivations each layer has its own and nothing is recomputed;
//     attention is block-diagonal causal over the packed examples, saving its logsumexp lse)
//   lnf = rmsnorm(resid[L])                          lnf, rstdf
//   loss sum, count, dlnf = fused lm_head cross-entropy over chunks   (never (N, V))
//
// With `training: false` only two residual buffers are planned and layers ping-pong between them.
import type { GpuContext, Tensor } from '../gpu/context.ts';
import type { GpuOp } from '../gpu/op.ts';
import { attentionForward } from '../kernels/attention.ts';
import { crossentropyBackward, crossentropyForward } from '../kernels/crossentropy.ts';
import { embeddingForward } from '../kernels/embedding.ts';
import { rmsnormForward } from '../kernels/rmsnorm.ts';
import { bufferSpecs, mapBuffers, type BufferSet, type BufferSpec } from './buffers.ts';
import type { ModelConfig } from './config.ts';
import { ropeInvFreq } from './config.ts';
import { layerForward, layerWeights, modelWeight, type LayerWeights } from './layer.ts';
import type { LoraSite } from './layers/linear.ts';
import type { DeviceModel } from './layers/load.ts';
import { OpList } from './layers/oplist.ts';
import { loraScaling, type LoraModule, type LoraSpec } from './lora.ts';
import { planMemory, type MemoryPlan } from './plan.ts';

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

/** One decoder layer's ops and its weights (backward builds the mirror image from these). */
export interface LayerOps {
  forward: GpuOp[];
  weights: LayerWeights;
}

/** The token inputs of a micro-batch, (rows · seqLen) each (a PackedBatch has them). */
export interface EngineInputs {
  inputIds: Int32Array;
  positions: Int32Array;
  starts: Int32Array;
  targets: Int32Array;
}

export interface Engine {
  ctx: GpuContext;
  model: DeviceModel;
  config: ModelConfig;
  opts: EngineOptions;
  plan: MemoryPlan;
  /** Tokens per micro-batch (rows · seqLen). */
  n: number;
  /** Every buffer the plan lists (less the frozen weights), by field. */
  buffers: BufferSet;
  /** The backward reads every layer's kept activations instead of recomputing them. */
  keepActivations: boolean;
  /** LoRA sites by layer and module (A, B, dA, dB, ...). */
  sites: Partial<Record<LoraModule, LoraSite>>[];
  layers: LayerOps[];
  /** embed → layers → final norm → fused lm_head cross-entropy ([loss sum, count] += into
   * scratch.loss, and dlnf into grads.dln when training), one compute pass. */
  forward: OpList;
  /** Writes a micro-batch's token inputs. */
  writeInputs(b: EngineInputs): void;
  /** Records `forward` in its own compute pass. */
  recordForward(encoder: GPUCommandEncoder): void;
  destroy(): void;
}

/**
 * A batch with fewer rows than the engine was built for (the last micro-batch of an epoch, an eval
 * batch) filled up with padding rows: every buffer position is written, so no token of an earlier
 * batch is left behind to be trained or counted again. Padding has target -100 and its own segment
 * per row, so it adds nothing to the loss or the gradients.
 */
export function padInputs(b: EngineInputs, n: number, seqLen: number): EngineInputs {
  const len = b.inputIds.length;
  if (len === n) return b;
  if (len > n) throw new Error(`engine: a batch of ${len} tokens for buffers of ${n}`);
  const out: EngineInputs = {
    inputIds: new Int32Array(n),
    positions: new Int32Array(n),
    starts: new Int32Array(n),
    targets: new Int32Array(n).fill(-100),
  };
  out.inputIds.set(b.inputIds);
  out.positions.set(b.positions);
  out.starts.set(b.starts);
  out.targets.set(b.targets);
  for (let k = len; k < n; k++) {
    out.positions[k] = k % seqLen;
    out.starts[k] = k - out.positions[k];
  }
  return out;
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
  // Allocate what the plan's layout holds: everything it lists except the frozen weights (already
  // on the device) and the cross-entropy scratch (its launcher allocates exactly what the plan
  // counts as `ce.*`), in the plan's order.
  const owned = bufferSpecs(plan.layout);
  const tensors = new Map<BufferSpec, Tensor>();
  for (const b of plan.buffers) {
    if (owned.has(b)) tensors.set(b, ctx.tensor(b.bytes, b.category, b.name));
  }
  const B: BufferSet = mapBuffers(plan.layout, (b) => tensors.get(b)!);
  const { state, invFreq, inputs, grads } = B;
  ctx.write(invFreq, new Float32Array(ropeInvFreq(cfg)));
  const weight = (name: string) => modelWeight(model, name);

  // LoRA sites.
  const sites: Partial<Record<LoraModule, LoraSite>>[] = [];
  let siteId = 1;
  const dropout = opts.training && opts.dropout > 0;
  for (let l = 0; l < cfg.layers; l++) {
    const layer: Partial<Record<LoraModule, LoraSite>> = {};
    for (const m of opts.lora?.targets ?? []) {
      const spec = opts.lora!;
      const lb = B.lora[l][m]!;
      layer[m] = {
        A: lb.A,
        B: lb.B,
        dA: lb.dA ?? undefined,
        dB: lb.dB ?? undefined,
        t: B.layers[l].loraT[m]!,
        dt: grads?.dt,
        r: spec.r,
        scale: loraScaling(spec),
        p: opts.training ? opts.dropout : 0,
        site: siteId++,
        xd: dropout ? (B.scratch.xd ?? undefined) : undefined,
        dxd: dropout ? (B.scratch.dxd ?? undefined) : undefined,
        state,
      };
    }
    sites.push(layer);
  }

  const resid = (l: number) => B.resid[opts.training ? l : l % 2];
  const forward = new OpList();
  const add = (ops: GpuOp | GpuOp[]) =>
    (Array.isArray(ops) ? ops : [ops]).forEach((o) => forward.push(o));

  add(
    await embeddingForward(ctx, {
      ids: inputs.ids,
      weight: weight('model.embed_tokens.weight'),
      out: resid(0),
      T: N,
      C: cfg.hidden,
      V: cfg.vocab,
      wDtype: model.weightDtype,
    }),
  );
  const layers: LayerOps[] = [];
  for (let l = 0; l < cfg.layers; l++) {
    const work = B.layers[l];
    const weights = layerWeights(model, l, N, sites[l]);
    const ops = await layerForward(ctx, cfg, {
      n: N,
      x: resid(l),
      out: resid(l + 1),
      pos: inputs.pos,
      invFreq,
      work,
      weights,
      attention: ({ q, k, v, out }) =>
        attentionForward(ctx, {
          T: N,
          NH: cfg.heads,
          NKV: cfg.kvHeads,
          HS: cfg.headDim,
          q,
          k,
          v,
          starts: inputs.starts,
          out,
          lse: work.lse,
        }),
    });
    layers.push({ forward: ops, weights });
    add(ops);
  }
  add(
    await rmsnormForward(ctx, {
      x: resid(cfg.layers),
      weight: weight('model.norm.weight'),
      out: B.lnf,
      rstd: B.rstdf,
      rows: N,
      C: cfg.hidden,
      eps: cfg.rmsEps,
    }),
  );
  // Fused lm_head cross-entropy: [loss sum, count] += (running totals of the step), per-token
  // losses, and when training the gradient of the loss SUM (scale 1: the optimizer divides by
  // the step's trained tokens).
  const ceArgs = {
    hidden: B.lnf,
    weight: model.lmHead,
    labels: inputs.targets,
    losses: B.scratch.tokLoss,
    out: B.scratch.loss,
    T: N,
    C: cfg.hidden,
    V: cfg.vocab,
    wDtype: model.weightDtype,
    accumulate: true,
  };
  forward.push(
    grads
      ? await crossentropyBackward(ctx, { ...ceArgs, dhidden: grads.dln, scale: 1 })
      : await crossentropyForward(ctx, ceArgs),
  );
  return {
    ctx,
    model,
    config: cfg,
    opts,
    plan,
    n: N,
    buffers: B,
    keepActivations: keep,
    sites,
    layers,
    forward,
    writeInputs(b) {
      const full = padInputs(b, N, opts.seqLen);
      ctx.write(inputs.ids, full.inputIds);
      ctx.write(inputs.pos, full.positions);
      ctx.write(inputs.starts, full.starts);
      ctx.write(inputs.targets, full.targets);
    },
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
