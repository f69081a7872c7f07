// The studio's steps, in order: the rail and the main area are both built from this list.
// To add a real Train / Try / Export panel, replace its `Panel` here (and, if it needs a status
// line in the rail, its `useStatus`); nothing else in the shell changes.
import type { ComponentType } from 'react';
import { DatasetPanel } from './dataset-step/DatasetPanel.tsx';
import { ModelPanel } from './model-step/ModelPanel.tsx';
import { ComingNext } from './shell/ComingNext.tsx';
import { useDatasetStatus, useModelStatus, type StepStatus } from './shell/stepStatus.ts';
import type { StepId } from './store/index.ts';

export interface StepDef {
  id: StepId;
  title: string;
  /** One line under the title in the rail when nothing more specific is known. */
  blurb: string;
  Panel: ComponentType;
  useStatus: () => StepStatus;
}

const kNoStatus = (): StepStatus => ({ tone: 'idle', text: '' });

export const kSteps: StepDef[] = [
  {
    id: 'model',
    title: 'Model',
    blurb: 'Tokenizer and chat template',
    Panel: ModelPanel,
    useStatus: useModelStatus,
  },
  {
    id: 'dataset',
    title: 'Dataset',
    blurb: 'Report, errors, token preview',
    Panel: DatasetPanel,
    useStatus: useDatasetStatus,
  },
  {
    id: 'train',
    title: 'Train',
    blurb: 'LoRA on your GPU',
    Panel: () => (
      <ComingNext
        title="Train"
        lead="Fine-tune a LoRA adapter on this machine's GPU, with a live loss chart."
        points={[
          'SFT defaults with a short explanation beside each field: LoRA r 16, alpha 32, lr 2e-4, cosine schedule, effective batch 16, packing on.',
          'Start, pause, resume and stop; training loss (raw and smoothed), eval loss and learning rate plotted live.',
          'Step, epoch, tokens/s, ETA and GPU memory; a closed tab resumes from the last checkpoint.',
        ]}
      />
    ),
    useStatus: kNoStatus,
  },
  {
    id: 'try',
    title: 'Try',
    blurb: 'Base vs tuned, side by side',
    Panel: () => (
      <ComingNext
        title="Try"
        lead="Ask one prompt and read the base model's answer next to the tuned model's."
        points={[
          'Same sampling settings for both, streamed token by token.',
          'Uses the chat template chosen in the Model step, so prompts look like training data.',
        ]}
      />
    ),
    useStatus: kNoStatus,
  },
  {
    id: 'export',
    title: 'Export',
    blurb: 'PEFT adapter download',
    Panel: () => (
      <ComingNext
        title="Export"
        lead="Download the adapter in the format Hugging Face PEFT loads unchanged."
        points={[
          'adapter_model.safetensors and adapter_config.json.',
          'A short model card: base model, dataset, hyperparameters, final losses.',
          'A Python snippet that loads the adapter with peft.',
        ]}
      />
    ),
    useStatus: kNoStatus,
  },
];
