// PEFT LoRA adapter export and import: `adapter_model.safetensors` (keys
// `base_model.model.model.layers.{i}.{self_attn|mlp}.{name}.lora_{A,B}.weight`, A [r, in],
// B [out, r], F32) and `adapter_config.json` with the fields PEFT (0.15+) writes, so that
// `PeftModel.from_pretrained(base, dir)` loads it unchanged. Loading reads back exactly what was
// written (bit-exact), and accepts PEFT adapters from elsewhere (F32/BF16/F16, A and B only).
import {
  initLoraLike,
  kLoraModules,
  modulePath,
  type LoraDims,
  type LoraModule,
  type LoraSpec,
  type LoraWeights,
} from '../model/lora.ts';
import { decodeSafetensors, encodeSafetensors, type F32Tensor } from './safetensors-f32.ts';

export interface AdapterFiles {
  'adapter_model.safetensors': Uint8Array;
  'adapter_config.json': string;
}

export interface AdapterMeta {
  baseModel: string | null;
  dropout: number;
  revision?: string | null;
}

export function adapterKey(layer: number, m: LoraModule, which: 'A' | 'B'): string {
  return `base_model.model.model.layers.${layer}.${modulePath(m)}.lora_${which}.weight`;
}

/** The tensors of an adapter, in PEFT's key order (layer by layer, module by module, A then B). */
export function adapterTensors(w: LoraWeights): [string, F32Tensor][] {
  const out: [string, F32Tensor][] = [];
  w.layers.forEach((layer, i) => {
    for (const m of w.spec.targets) {
      const p = layer[m];
      if (!p) continue;
      out.push([adapterKey(i, m, 'A'), { shape: [w.spec.r, p.inF], data: p.a }]);
      out.push([adapterKey(i, m, 'B'), { shape: [p.outF, w.spec.r], data: p.b }]);
    }
  });
  return out;
}

/** adapter_config.json as PEFT's LoraConfig.save_pretrained writes it (keys sorted). */
export function adapterConfig(spec: LoraSpec, meta: AdapterMeta): Record<string, unknown> {
  const cfg: Record<string, unknown> = {
    alpha_pattern: {},
    auto_mapping: null,
    base_model_name_or_path: meta.baseModel,
    bias: 'none',
    corda_config: null,
    eva_config: null,
    exclude_modules: null,
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    layer_replication: null,
    layers_pattern: null,
    layers_to_transform: null,
    loftq_config: {},
    lora_alpha: spec.alpha,
    lora_bias: false,
    lora_dropout: meta.dropout,
    megatron_config: null,
    megatron_core: 'megatron.core',
    modules_to_save: null,
    peft_type: 'LORA',
    r: spec.r,
    rank_pattern: {},
    revision: meta.revision ?? null,
    target_modules: [...spec.targets],
    task_type: 'CAUSAL_LM',
    trainable_token_indices: null,
    use_dora: false,
    use_rslora: spec.useRslora,
  };
  return cfg;
}

export function exportAdapter(w: LoraWeights, meta: AdapterMeta): AdapterFiles {
  return {
    'adapter_model.safetensors': encodeSafetensors(adapterTensors(w), { format: 'pt' }),
    'adapter_config.json': JSON.stringify(adapterConfig(w.spec, meta), null, 2) + '\n',
  };
}

export class AdapterError extends Error {
  constructor(detail: string) {
    super(`Cannot load the LoRA adapter: ${detail}`);
    this.name = 'AdapterError';
  }
}

/** Reads an adapter back for a model of shape `dims`. Checks every key and shape. */
export function loadAdapter(
  dims: LoraDims,
  files: { safetensors: Uint8Array; config: string },
): { weights: LoraWeights; meta: AdapterMeta } {
  const cfg = JSON.parse(files.config) as Record<string, unknown>;
  if (cfg.peft_type !== 'LORA') {
    throw new AdapterError(`adapter_config.json has peft_type ${String(cfg.peft_type)}, not LORA`);
  }
  if (cfg.use_dora === true) throw new AdapterError('DoRA adapters are not supported');
  const r = Number(cfg.r);
  const alpha = Number(cfg.lora_alpha ?? 8);
  const useRslora = cfg.use_rslora === true;
  const { tensors } = decodeSafetensors(files.safetensors);
  // Targets: what the file holds (target_modules may be a regex string or 'all-linear').
  const present = new Set<LoraModule>();
  for (const key of tensors.keys()) {
    const m = /\.layers\.\d+\.(?:self_attn|mlp)\.(\w+)\.lora_A\.weight$/.exec(key);
    if (m && (kLoraModules as readonly string[]).includes(m[1])) present.add(m[1] as LoraModule);
  }
  const targets = kLoraModules.filter((m) => present.has(m));
  if (targets.length === 0) throw new AdapterError('no lora_A tensors for q/k/v/o/gate/up/down');
  const spec: LoraSpec = { r, alpha, useRslora, targets };
  const weights = initLoraLike(dims, spec);
  const normalise = (k: string) => k.replace(/\.default\.weight$/, '.weight');
  const byKey = new Map([...tensors].map(([k, v]) => [normalise(k), v]));
  weights.layers.forEach((layer, i) => {
    for (const m of targets) {
      const p = layer[m]!;
      for (const which of ['A', 'B'] as const) {
        const key = adapterKey(i, m, which);
        const t = byKey.get(key);
        const want = which === 'A' ? [r, p.inF] : [p.outF, r];
        if (!t) throw new AdapterError(`missing ${key}`);
        if (t.shape.join(',') !== want.join(',')) {
          throw new AdapterError(
            `${key} is [${t.shape.join(', ')}], the model needs [${want.join(', ')}]`,
          );
        }
        if (which === 'A') p.a = t.data;
        else p.b = t.data;
      }
    }
  });
  return {
    weights,
    meta: {
      baseModel: (cfg.base_model_name_or_path as string | null) ?? null,
      dropout: Number(cfg.lora_dropout ?? 0),
      revision: (cfg.revision as string | null) ?? null,
    },
  };
}
