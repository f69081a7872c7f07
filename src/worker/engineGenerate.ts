// Side-by-side generation for the Try step: the base model and the tuned model (same frozen
// weights, plus the trained LoRA) answer one prompt, token by token, with the same sampling
// settings and the same seed. src/train/generate.ts (KV cache) had not landed when this was
// written, so this is the simple version: two inference engines (one without LoRA, one with it)
// of a fixed row length; each new token re-runs the forward over the row (causal attention makes
// the padding after the last token irrelevant), reads back the final hidden state of the last
// position and multiplies it by a host copy of lm_head. Fine for the small models the studio
// trains; swap in the KV-cache generator when it exists.
import type { Tokenizer } from '../data/tokenizer.ts';
import type { ChatTemplate } from '../data/templates.ts';
import type { GpuContext } from '../gpu/context.ts';
import { toFloat32 } from '../model/io/dtype.ts';
import { createEngine, type Engine } from '../model/forward.ts';
import type { DeviceModel } from '../model/layers/load.ts';
import type { LoraWeights } from '../model/lora.ts';
import type { SamplingSettings } from './engineProtocol.ts';

const kEndOfTurn = ['<|im_end|>', '<|eot_id|>', '<|end_of_text|>', '</s>', '<|endoftext|>'];
/** Longest row the generator builds (prompt + answer); longer prompts keep their end. */
const kMaxRow = 512;

export interface GenerateArgs {
  ctx: GpuContext;
  model: DeviceModel;
  tokenizer: Tokenizer;
  template: ChatTemplate;
  lora: LoraWeights;
  prompt: string;
  sampling: SamplingSettings;
  onText: (which: 'base' | 'tuned', text: string) => void;
  /** Checked between tokens; true stops early. */
  cancelled: () => boolean;
}

let lmHeadCache: { model: DeviceModel; w: Float32Array } | null = null;

/** lm_head (V, C) as f32 on the host, read from the device once per model. */
async function hostLmHead(ctx: GpuContext, model: DeviceModel): Promise<Float32Array> {
  if (lmHeadCache?.model === model) return lmHeadCache.w;
  const { vocab: V, hidden: C } = model.config;
  const dtype = model.weightDtype;
  const bytes = await ctx.read(model.lmHead, V * C * (dtype === 'f32' ? 4 : 2));
  const w = toFloat32(
    dtype === 'f32' ? 'F32' : dtype === 'bf16' ? 'BF16' : 'F16',
    new Uint8Array(bytes),
  );
  lmHeadCache = { model, w };
  return w;
}

function mulberry(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Greedy at temperature 0; else softmax(logits / T) restricted to the top-p nucleus. */
export function sample(logits: Float32Array, s: SamplingSettings, rand: () => number): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  if (s.temperature <= 0) return best;
  const max = logits[best];
  const idx: number[] = [];
  const p: number[] = [];
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const e = Math.exp((logits[i] - max) / s.temperature);
    if (e > 1e-8) {
      idx.push(i);
      p.push(e);
      sum += e;
    }
  }
  const order = idx.map((_, k) => k).sort((a, b) => p[b] - p[a]);
  let acc = 0;
  const keep: number[] = [];
  for (const k of order) {
    keep.push(k);
    acc += p[k] / sum;
    if (acc >= s.topP) break;
  }
  const total = keep.reduce((a, k) => a + p[k], 0);
  let r = rand() * total;
  for (const k of keep) {
    r -= p[k];
    if (r <= 0) return idx[k];
  }
  return idx[keep[keep.length - 1]];
}

function stopIds(tokenizer: Tokenizer, model: DeviceModel): Set<number> {
  const ids = new Set<number>(model.config.eosTokenIds);
  if (tokenizer.eosId !== null) ids.add(tokenizer.eosId);
  for (const t of kEndOfTurn) {
    const id = tokenizer.tokenToId(t);
    if (id !== undefined) ids.add(id);
  }
  return ids;
}

async function readRow(ctx: GpuContext, e: Engine, row: number, C: number): Promise<Float32Array> {
  const src = e.buf('act.lnf').buffer;
  const staging = ctx.device.createBuffer({
    label: 'generate.readback',
    size: C * 4,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  const enc = ctx.device.createCommandEncoder({ label: 'generate.readback' });
  enc.copyBufferToBuffer(src, row * C * 4, staging, 0, C * 4);
  ctx.device.queue.submit([enc.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(staging.getMappedRange().slice(0));
  staging.unmap();
  staging.destroy();
  return out;
}

export async function generateSideBySide(a: GenerateArgs): Promise<{ tokens: number }> {
  const { ctx, model, tokenizer } = a;
  const cfg = model.config;
  const text = a.template.render([{ role: 'user', content: a.prompt }], {
    addGenerationPrompt: true,
  });
  let promptIds = tokenizer.encode(text);
  const maxNew = Math.max(1, Math.min(a.sampling.maxNewTokens, kMaxRow - 8));
  if (promptIds.length + maxNew > kMaxRow) promptIds = promptIds.slice(-(kMaxRow - maxNew));
  const seqLen = Math.ceil((promptIds.length + maxNew) / 16) * 16;
  const W = await hostLmHead(ctx, model);
  const engines: Record<'base' | 'tuned', Engine> = {
    base: await createEngine(ctx, model, {
      rows: 1,
      seqLen,
      lora: null,
      dropout: 0,
      training: false,
    }),
    tuned: await createEngine(ctx, model, {
      rows: 1,
      seqLen,
      lora: a.lora.spec,
      dropout: 0,
      training: false,
    }),
  };
  try {
    a.lora.layers.forEach((layer, l) => {
      for (const m of a.lora.spec.targets) {
        ctx.write(engines.tuned.sites[l][m]!.A, layer[m]!.a);
        ctx.write(engines.tuned.sites[l][m]!.B, layer[m]!.b);
      }
    });
    const stops = stopIds(tokenizer, model);
    const state = (['base', 'tuned'] as const).map((which) => ({
      which,
      engine: engines[which],
      ids: [...promptIds],
      out: [] as number[],
      done: false,
      rand: mulberry(a.sampling.seed),
    }));
    const positions = new Int32Array(seqLen).map((_, i) => i);
    const segments = new Int32Array(seqLen);
    const targets = new Int32Array(seqLen).fill(-100);
    const seed = new Uint32Array([0, 0, 0, 0]);
    for (const s of state) {
      s.engine.ctx.write(s.engine.buf('in.pos'), positions);
      s.engine.ctx.write(s.engine.buf('in.seg'), segments);
      s.engine.ctx.write(s.engine.buf('in.targets'), targets);
      ctx.device.queue.writeBuffer(s.engine.state.buffer, 0, seed);
    }
    let tokens = 0;
    for (let k = 0; k < maxNew; k++) {
      if (a.cancelled()) break;
      let active = false;
      for (const s of state) {
        if (s.done) continue;
        active = true;
        const ids = new Int32Array(seqLen);
        ids.set(s.ids);
        ctx.write(s.engine.buf('in.ids'), ids);
        const enc = ctx.device.createCommandEncoder({ label: `generate.${s.which}` });
        s.engine.recordForward(enc);
        ctx.device.queue.submit([enc.finish()]);
        const h = await readRow(ctx, s.engine, s.ids.length - 1, cfg.hidden);
        const logits = new Float32Array(cfg.vocab);
        for (let v = 0; v < cfg.vocab; v++) {
          let acc = 0;
          const o = v * cfg.hidden;
          for (let c = 0; c < cfg.hidden; c++) acc += W[o + c] * h[c];
          logits[v] = acc;
        }
        const next = sample(logits, a.sampling, s.rand);
        tokens++;
        if (stops.has(next)) {
          s.done = true;
          continue;
        }
        s.ids.push(next);
        s.out.push(next);
        a.onText(s.which, tokenizer.decode(s.out, { skipSpecialTokens: true }));
        if (s.ids.length >= seqLen) s.done = true;
      }
      if (!active) break;
    }
    return { tokens };
  } finally {
    engines.base.destroy();
    engines.tuned.destroy();
  }
}
