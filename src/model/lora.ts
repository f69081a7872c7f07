// LoRA parameters as PEFT defines them: for each targeted linear `W: in → out` of each decoder layer,
// `A (r, in)` and `B (out, r)`, with `y = W x + b + s · B (A (dropout(x)))`, `s = alpha / r` (or
// `alpha / sqrt(r)` with rsLoRA). Init as PEFT's `reset_lora_parameters(init_lora_weights=True)`:
// `nn.init.kaiming_uniform_(A, a=sqrt(5))`, i.e. U(-1/sqrt(in), 1/sqrt(in)), and B = 0.
// Host-side (Float32Array) weights; the trainer uploads them.

import type { ModelConfig } from './config.ts';
import { linearShape as baseLinearShape, type LinearName } from './params.ts';

export const kLoraModules: readonly LinearName[] = [
  'q_proj',
  'k_proj',
  'v_proj',
  'o_proj',
  'gate_proj',
  'up_proj',
  'down_proj',
];
export type LoraModule = LinearName;

/** The decoder shapes LoRA needs (a subset of the model config). */
export type LoraDims = Pick<
  ModelConfig,
  'layers' | 'hidden' | 'intermediate' | 'heads' | 'kvHeads' | 'headDim'
>;

export interface LoraSpec {
  r: number;
  alpha: number;
  useRslora: boolean;
  /** Targeted modules, in kLoraModules order. */
  targets: LoraModule[];
}

/** One LoRA pair: A (r, in) row-major, B (out, r) row-major. */
export interface LoraPair {
  inF: number;
  outF: number;
  a: Float32Array;
  b: Float32Array;
}

export interface LoraWeights {
  spec: LoraSpec;
  /** layers[i][module] for each targeted module. */
  layers: Partial<Record<LoraModule, LoraPair>>[];
}

export function loraScaling(spec: Pick<LoraSpec, 'r' | 'alpha' | 'useRslora'>): number {
  return spec.useRslora ? spec.alpha / Math.sqrt(spec.r) : spec.alpha / spec.r;
}

/** PEFT's submodule path of a target inside a decoder layer. */
export function modulePath(m: LoraModule): string {
  return m === 'gate_proj' || m === 'up_proj' || m === 'down_proj' ? `mlp.${m}` : `self_attn.${m}`;
}

/** The [in, out] features of a targeted linear. */
export function linearShape(dims: LoraDims, m: LoraModule): [number, number] {
  const [outF, inF] = baseLinearShape(dims, m);
  return [inF, outF];
}

/** Seeded PEFT init: A ~ U(-1/sqrt(in), 1/sqrt(in)) (kaiming_uniform a=sqrt(5)), B = 0. */
export function initLora(dims: LoraDims, spec: LoraSpec, seed: number): LoraWeights {
  const rand = mulberry32(seed);
  const layers: LoraWeights['layers'] = [];
  for (let l = 0; l < dims.layers; l++) {
    const layer: Partial<Record<LoraModule, LoraPair>> = {};
    for (const m of spec.targets) {
      const [inF, outF] = linearShape(dims, m);
      const bound = 1 / Math.sqrt(inF);
      const a = new Float32Array(spec.r * inF);
      for (let i = 0; i < a.length; i++) a[i] = (rand() * 2 - 1) * bound;
      layer[m] = { inF, outF, a, b: new Float32Array(outF * spec.r) };
    }
    layers.push(layer);
  }
  return { spec, layers };
}

/** Normalises a target list (`all-linear` or names, with or without a `self_attn.`/`mlp.` prefix). */
export function resolveTargets(targets: 'all-linear' | readonly string[]): LoraModule[] {
  if (targets === 'all-linear') return [...kLoraModules];
  const names = new Set(targets.map((t) => t.split('.').pop() ?? t));
  const unknown = [...names].filter((n) => !(kLoraModules as readonly string[]).includes(n));
  if (unknown.length > 0) {
    throw new Error(
      `Unsupported LoRA target module(s) ${unknown.join(', ')}: supported are all-linear or ` +
        `${kLoraModules.join(', ')} (lm_head and embeddings are never targeted).`,
    );
  }
  return kLoraModules.filter((m) => names.has(m));
}

// mulberry32, local so that model/ does not depend on train/.
function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Zero-filled weights of the right shapes (for loading into). */
export function initLoraLike(dims: LoraDims, spec: LoraSpec): LoraWeights {
  const layers: LoraWeights['layers'] = [];
  for (let l = 0; l < dims.layers; l++) {
    const layer: Partial<Record<LoraModule, LoraPair>> = {};
    for (const m of spec.targets) {
      const [inF, outF] = linearShape(dims, m);
      layer[m] = {
        inF,
        outF,
        a: new Float32Array(spec.r * inF),
        b: new Float32Array(outF * spec.r),
      };
    }
    layers.push(layer);
  }
  return { spec, layers };
}
