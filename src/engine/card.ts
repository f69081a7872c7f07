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
  /** What the studio's curation changed in the dataset before training (absent: nothing). */
  curation?: CurationRecord;
  /** How the rows were read: the column mapping (`--columns` spec) and recognised schemas. */
  datasetReading?: string;
}

/** The Dataset step's curation of a run's data: rows dropped (counted under each flag they had,
 * or as unflagged), rows edited, rows written by hand. */
export interface CurationRecord {
  dropped: number;
  droppedByFlag: Partial<Record<string, number>>;
  /** Dropped rows that had no flag (dropped by hand). */
  droppedUnflagged: number;
  edited: number;
  added: number;
}

/** "3 rows dropped (duplicate 2, pii 1), 1 edited, 2 written by hand", or '' when nothing changed. */
export function curationLine(c: CurationRecord | undefined): string {
  if (!c || c.dropped + c.edited + c.added === 0) return '';
  const by = Object.entries(c.droppedByFlag)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([k, n]) => `${k} ${n}`);
  if (c.droppedUnflagged > 0) by.push(`no flag ${c.droppedUnflagged}`);
  const rows = (n: number) => `${n} row${n === 1 ? '' : 's'}`;
  const parts = [`${rows(c.dropped)} dropped${by.length ? ` (by flag: ${by.join(', ')})` : ''}`];
  parts.push(`${c.edited} edited`);
  if (c.added > 0) parts.push(`${rows(c.added)} written by hand`);
  return parts.join(', ');
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
${f.datasetReading ? `- Rows read as: ${f.datasetReading}\n` : ''}${curationLine(f.curation) ? `- Curated in SFT Studio: ${curationLine(f.curation)}\n` : ''}- Row length: ${f.seqLen} tokens (max length ${h.maxLength}, packing ${h.packing ? 'on' : 'off'})

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
