// Generation with a KV cache, for the chat panel (base model next to the tuned one) and the CLI:
// greedy or sampled (temperature, top-p, seeded), stops at EOS / end-of-turn ids or the token
// limit, streams each token through a callback, with the LoRA adapter or without it (base model).
// The prompt is prefilled in chunks (the decoder's 64-row ops), then each new token costs one
// small submit and a (V) logits readback; sampling happens on the host.
import type { GpuContext, Tensor } from '../gpu/context.ts';
import { createDecoder, type DecodeLora, type Decoder } from '../model/decode.ts';
import { loadDeviceModel, type DeviceModel } from '../model/layers/load.ts';
import type { LoraWeights } from '../model/lora.ts';
import type { ModelSource } from '../model/source.ts';
import { mulberry32, type Rng } from './rng.ts';
import { contextFor } from './context.ts';

export interface GenerateOptions {
  maxNewTokens?: number;
  /** 0 (default) = greedy. */
  temperature?: number;
  /** Nucleus sampling mass (default 1 = off). */
  topP?: number;
  seed?: number;
  /** Token ids that end the reply (EOS, end-of-turn); the model config's EOS ids are added. */
  stopTokenIds?: number[];
  /** Use the LoRA adapter (default: true when the generator has one). */
  adapter?: boolean;
  /** Called with each new token as soon as it is chosen. */
  onToken?: (id: number) => void;
  /** Checked before each token: return true to stop. */
  shouldStop?: () => boolean;
}

export interface GenerateResult {
  /** New tokens (the stop token included when one ended the reply). */
  tokens: number[];
  finish: 'stop' | 'length' | 'aborted';
}

export interface Generator {
  readonly model: DeviceModel;
  readonly hasAdapter: boolean;
  generate(promptIds: number[], opts?: GenerateOptions): Promise<GenerateResult>;
  destroy(): void;
}

export interface GeneratorConfig {
  model: ModelSource | DeviceModel;
  /** Host LoRA weights (an exported or loaded adapter), or device tensors (a live trainer's). */
  adapter?: LoraWeights | DecodeLora | null;
  /** Prompt + new tokens (default 2048, at most the model's max positions). */
  maxContext?: number;
}

export async function createGenerator(
  device: GPUDevice | GpuContext,
  cfg: GeneratorConfig,
): Promise<Generator> {
  const ctx = contextFor(device);
  const ownsModel = !('weights' in cfg.model);
  const model = 'weights' in cfg.model ? cfg.model : await loadDeviceModel(ctx, cfg.model);
  const owned: Tensor[] = [];
  let lora: DecodeLora | null = null;
  if (cfg.adapter && 'spec' in cfg.adapter && isHostLora(cfg.adapter)) {
    const w = cfg.adapter;
    lora = {
      spec: w.spec,
      layers: w.layers.map((layer) => {
        const out: DecodeLora['layers'][number] = {};
        for (const m of w.spec.targets) {
          const A = ctx.tensorFrom(layer[m]!.a, 'lora', `gen.lora.${m}.A`);
          const B = ctx.tensorFrom(layer[m]!.b, 'lora', `gen.lora.${m}.B`);
          owned.push(A, B);
          out[m] = { A, B };
        }
        return out;
      }),
    };
  } else if (cfg.adapter) {
    lora = cfg.adapter;
  }
  const maxContext = Math.min(cfg.maxContext ?? 2048, model.config.maxPositions);
  const decoder: Decoder = await createDecoder(ctx, model, { maxContext, lora });

  return {
    model,
    hasAdapter: lora !== null,
    async generate(promptIds, o = {}) {
      if (promptIds.length === 0) throw new Error('generate: the prompt is empty');
      const adapter = (o.adapter ?? true) && lora !== null;
      const stops = new Set([...(o.stopTokenIds ?? []), ...model.config.eosTokenIds]);
      const maxNew = o.maxNewTokens ?? 256;
      const rng = mulberry32(o.seed ?? 0);
      const tokens: number[] = [];
      let p = 0;
      const step = async (id: number, wantLogits: boolean): Promise<Float32Array | null> => {
        decoder.setToken(id, p++);
        const enc = ctx.device.createCommandEncoder({ label: 'generate' });
        decoder.record(enc, { adapter, logits: wantLogits });
        ctx.device.queue.submit([enc.finish()]);
        return wantLogits ? ctx.readF32(decoder.logits, model.config.vocab) : null;
      };
      // Prefill: every prompt token but the last in chunks (KV cache only), then the last one
      // through the one-token path, which yields the logits of the first new token.
      const last = promptIds.length - 1;
      for (let i = 0; i < last; i += decoder.prefillChunk) {
        const ids = promptIds.slice(i, Math.min(last, i + decoder.prefillChunk));
        decoder.setChunk(ids, i);
        const enc = ctx.device.createCommandEncoder({ label: 'prefill' });
        decoder.recordPrefill(enc, { adapter });
        ctx.device.queue.submit([enc.finish()]);
        // One chunk at a time, so that a stop request during a long prompt acts within a chunk.
        await ctx.device.queue.onSubmittedWorkDone();
        if (o.shouldStop?.()) return { tokens, finish: 'aborted' };
      }
      p = last;
      let logits = (await step(promptIds[last], true))!;
      for (;;) {
        if (o.shouldStop?.()) return { tokens, finish: 'aborted' };
        const id = sample(logits, o.temperature ?? 0, o.topP ?? 1, rng);
        tokens.push(id);
        o.onToken?.(id);
        if (stops.has(id)) return { tokens, finish: 'stop' };
        if (tokens.length >= maxNew || p >= maxContext) return { tokens, finish: 'length' };
        logits = (await step(id, true))!;
      }
    },
    destroy() {
      decoder.destroy();
      for (const t of owned) ctx.release(t);
      if (ownsModel) model.destroy();
    },
  };
}

function isHostLora(x: LoraWeights | DecodeLora): x is LoraWeights {
  const first = x.layers[0];
  const m = x.spec.targets[0];
  return first !== undefined && m !== undefined && 'a' in (first[m] as object);
}

/** Greedy (temperature 0) or temperature + top-p sampling. */
export function sample(logits: Float32Array, temperature: number, topP: number, rng: Rng): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  if (!(temperature > 0)) return best;
  const max = logits[best];
  const probs = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    probs[i] = Math.exp((logits[i] - max) / temperature);
    sum += probs[i];
  }
  let order: number[];
  if (topP < 1) {
    order = Array.from({ length: logits.length }, (_, i) => i).sort((a, b) => probs[b] - probs[a]);
    let acc = 0;
    let cut = order.length;
    for (let k = 0; k < order.length; k++) {
      acc += probs[order[k]] / sum;
      if (acc >= topP) {
        cut = k + 1;
        break;
      }
    }
    order = order.slice(0, cut);
    sum = order.reduce((s, i) => s + probs[i], 0);
  } else {
    order = Array.from({ length: logits.length }, (_, i) => i);
  }
  let u = rng() * sum;
  for (const i of order) {
    u -= probs[i];
    if (u <= 0) return i;
  }
  return order[order.length - 1];
}
