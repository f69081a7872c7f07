// The model card (README.md) and the `peft` loading snippet that go with an exported adapter: written
// once, for the studio's Export step and the CLI's train output alike.
import type { TrainHyper } from '../train/config.ts';

export interface CardFacts {
  baseModel: string;
  datasetName: string;
  datasetExamples: number;
  trainExamples: number;
  evalExamples: number;
  hyper: TrainHyper;
  targets: string[];
  steps: number;
  totalSteps: number;
  seqLen: number;
  finalLoss: number | null;
  finalEvalLoss: number | null;
  elapsedSeconds: number;
  device: string;
}

export function peftSnippet(baseModel: string): string {
  // A Hub id loads as it is; a local folder's name is only a hint of where the weights live.
  const isHubId = /^[\w.-]+\/[\w.-]+$/.test(baseModel);
  const base = isHubId ? baseModel : `path/to/${baseModel.replace(/[^\w.-]+/g, '-')}`;
  return [
    'from transformers import AutoModelForCausalLM, AutoTokenizer',
    'from peft import PeftModel',
    '',
    ...(isHubId ? [] : [`# The base model is a local folder (${baseModel}): point to it here.`]),
    `base = AutoModelForCausalLM.from_pretrained(${JSON.stringify(base)})`,
    `tokenizer = AutoTokenizer.from_pretrained(${JSON.stringify(base)})`,
    '# The folder holding adapter_model.safetensors and adapter_config.json:',
    'model = PeftModel.from_pretrained(base, "./my-adapter")',
    'model = model.merge_and_unload()  # optional: fold the LoRA into the weights',
    '',
  ].join('\n');
}

const fmt = (x: number | null) => (x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(4));

export function modelCard(f: CardFacts): string {
  const h = f.hyper;
  const effective = h.batchSize * h.gradAccum;
  return `---
base_model: ${f.baseModel}
library_name: peft
tags:
- lora
- sft
- sft-studio
---

# LoRA adapter for ${f.baseModel}

Fine-tuned with supervised fine-tuning (SFT) in SFT Studio, in the browser, on the user's own GPU
(WebGPU). Only the assistant turns were trained (system and user turns masked).

## Data

- Dataset: \`${f.datasetName}\` (${f.datasetExamples} valid examples; ${f.trainExamples} trained, ${f.evalExamples} held out for eval)
- Row length: ${f.seqLen} tokens (max length ${h.maxLength}, packing ${h.packing ? 'on' : 'off'})

## Hyperparameters

| | |
|---|---|
| LoRA r / alpha / dropout | ${h.lora.r} / ${h.lora.alpha} / ${h.lora.dropout} |
| Target modules | ${f.targets.join(', ')} |
| rsLoRA | ${h.lora.useRslora} |
| Learning rate | ${h.lr} (${h.scheduler}, warmup ${h.warmupRatio * 100}%) |
| Effective batch | ${effective} (micro-batch ${h.batchSize} × ${h.gradAccum} accumulation steps) |
| Epochs / max steps | ${h.epochs} / ${h.maxSteps ?? 'none'} |
| Optimizer | AdamW (β ${h.adamBeta1}, ${h.adamBeta2}; ε ${h.adamEps}; weight decay ${h.weightDecay}), clip ${h.maxGradNorm} |
| Seed | ${h.seed} |

## Results

- Steps: ${f.steps} of ${f.totalSteps}
- Final training loss: ${fmt(f.finalLoss)}
- Final eval loss: ${fmt(f.finalEvalLoss)}
- Training time: ${Math.round(f.elapsedSeconds)} s on ${f.device || 'WebGPU'}

## Use

\`\`\`python
${peftSnippet(f.baseModel)}\`\`\`
`;
}
