// Folding a LoRA adapter into the base weights, tensor by tensor: W' = W + s·B·A with
// s = loraScaling(spec) (alpha/r, or alpha/sqrt(r) with rsLoRA), as PEFT's `merge_and_unload`
// computes it. The math runs in f32 (each row of B·A is summed in f64 and rounded once), whatever
// the checkpoint's dtype; the caller picks the output dtype. Tensors stream one at a time from the
// ModelSource, so a 1B model is never held twice: the merged GGUF and the merged Hugging Face
// folder are both built on `foldedWeights`.
import { loraScaling, type LoraModule, type LoraPair, type LoraWeights } from '../model/lora.ts';
import { kLinearModules } from '../model/params.ts';
import { toFloat32 } from '../model/safetensors.ts';
import type { ModelSource } from '../model/source.ts';
import { loadWeights, planWeights, type WeightsPlan } from '../model/weights.ts';

export class MergeError extends Error {
  constructor(detail: string) {
    super(`Cannot merge the adapter into the model: ${detail}`);
    this.name = 'MergeError';
  }
}

/** One weight of the merged model, in f32. */
export interface FoldedTensor {
  name: string;
  /** Row-major shape as in safetensors ([out, in] for a Linear). */
  shape: number[];
  /** Decoder layer, or -1. */
  layer: number;
  data: Float32Array;
  /** True when an adapter pair was folded into it. */
  merged: boolean;
}

const kLinearOf = new Map<string, LoraModule>(
  kLinearModules.map((m) => [`${m.module}.${m.name}.weight`, m.name]),
);

/** The LoRA pair that targets a checkpoint tensor (`model.layers.{i}.{module}.{name}.weight`). */
export function loraPairFor(
  lora: LoraWeights | null,
  name: string,
  layer: number,
): LoraPair | undefined {
  if (lora === null || layer < 0) return undefined;
  const suffix = name.slice(`model.layers.${layer}.`.length);
  const m = kLinearOf.get(suffix);
  return m === undefined ? undefined : lora.layers[layer]?.[m];
}

/** W += s·B·A in place; W is [outF, inF] row-major, A [r, inF], B [outF, r]. */
export function foldPair(w: Float32Array, pair: LoraPair, r: number, s: number): void {
  const { inF, outF, a, b } = pair;
  if (w.length !== inF * outF) {
    throw new MergeError(
      `a weight of ${w.length} values does not match the adapter's [${outF}, ${inF}]`,
    );
  }
  const row = new Float64Array(inF);
  for (let o = 0; o < outF; o++) {
    row.fill(0);
    for (let k = 0; k < r; k++) {
      const bv = b[o * r + k];
      if (bv === 0) continue;
      const off = k * inF;
      for (let i = 0; i < inF; i++) row[i] += bv * a[off + i];
    }
    const wo = o * inF;
    for (let i = 0; i < inF; i++) w[wo + i] = Math.fround(w[wo + i] + Math.fround(s * row[i]));
  }
}

/** Checks that an adapter fits the model (layer count and every pair's shape) before any work. */
export function checkAdapter(plan: WeightsPlan, lora: LoraWeights): void {
  const cfg = plan.config;
  if (lora.layers.length !== cfg.layers) {
    throw new MergeError(
      `the adapter has ${lora.layers.length} layers, the model ${cfg.layers}: it was trained on another model`,
    );
  }
  let used = 0;
  for (const t of plan.tensors) {
    const p = loraPairFor(lora, t.name, t.layer);
    if (!p) continue;
    used++;
    if (t.shape[0] !== p.outF || t.shape[1] !== p.inF || p.a.length !== lora.spec.r * p.inF) {
      throw new MergeError(
        `${t.name} is [${t.shape.join(', ')}] but the adapter's pair is [${p.outF}, ${p.inF}] (r ${lora.spec.r})`,
      );
    }
  }
  const pairs = lora.layers.reduce((n, l) => n + Object.keys(l).length, 0);
  if (used !== pairs)
    throw new MergeError(`${pairs - used} adapter pairs match no weight of the model`);
}

/**
 * Every weight of the model in `modelParams` order, decoded to f32, with the adapter folded in.
 * One tensor is alive at a time (plus the one the consumer holds).
 */
export async function* foldedWeights(
  src: ModelSource,
  lora: LoraWeights | null,
  plan?: WeightsPlan,
): AsyncGenerator<FoldedTensor> {
  const p = plan ?? (await planWeights(src));
  if (lora) checkAdapter(p, lora);
  const s = lora ? loraScaling(lora.spec) : 0;
  for await (const t of loadWeights(src, { plan: p })) {
    const data = toFloat32(t.dtype, t.bytes);
    const pair = loraPairFor(lora, t.name, t.layer);
    if (pair) foldPair(data, pair, lora!.spec.r, s);
    yield { name: t.name, shape: t.shape, layer: t.layer, data, merged: pair !== undefined };
  }
}
