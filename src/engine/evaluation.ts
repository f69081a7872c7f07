// Held-out loss for both hosts, and adapters read back from PEFT files: the next-token
// cross-entropy summed over every trained label token (one example per row, no packing), divided
// by their count, for the base model or with an adapter.
import type { TokenizedExample } from '../data/types.ts';
import type { GpuContext } from '../gpu/context.ts';
import type { LoraWeights } from '../model/lora.ts';
import { loadAdapter } from '../train/adapter.ts';
import { evaluateExamples, type EvalResult, type TokenLosses } from '../train/evaluate.ts';
import type { ModelConfig } from '../model/config.ts';
import type { LoadedModel } from './models.ts';

export type { EvalResult, LoraWeights, TokenLosses };

export interface EvaluateOptions {
  adapter: LoraWeights | null;
  examples: TokenizedExample[];
  maxLength: number;
  onProgress?: (done: number, total: number) => void;
  /** Also every example's per-token losses (the loss is then their float64 mean). */
  perToken?: boolean;
}

export async function evaluate(
  ctx: GpuContext,
  model: LoadedModel,
  opts: EvaluateOptions,
): Promise<EvalResult> {
  return evaluateExamples(ctx, {
    model: model.device,
    adapter: opts.adapter,
    examples: opts.examples,
    maxLength: opts.maxLength,
    onProgress: opts.onProgress,
    perToken: opts.perToken,
  });
}

/** A PEFT adapter (adapter_model.safetensors + adapter_config.json) for this model's shapes. */
export function readAdapter(
  config: ModelConfig,
  files: { safetensors: Uint8Array; config: string },
): LoraWeights {
  return loadAdapter(config, files).weights;
}
