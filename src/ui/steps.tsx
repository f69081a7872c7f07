// The studio's steps, in order: the rail and the main area are both built from this list.
// To add a real Train / Try / Export panel, replace its `Panel` here (and, if it needs a status
// line in the rail, its `useStatus`); nothing else in the shell changes.
import type { ComponentType } from 'react';
import { DatasetPanel } from './dataset-step/DatasetPanel.tsx';
import { ModelPanel } from './model-step/ModelPanel.tsx';
import { useDatasetStatus, useModelStatus, type StepStatus } from './shell/stepStatus.ts';
import type { StepId } from './store/index.ts';
import { ExportPanel } from './export-step/ExportPanel.tsx';
import { TrainPanel } from './train-step/TrainPanel.tsx';
import { useExportStatus, useTrainStatus, useTryStatus } from './train-step/status.ts';
import { TryPanel } from './try-step/TryPanel.tsx';

export interface StepDef {
  id: StepId;
  title: string;
  /** One line under the title in the rail when nothing more specific is known. */
  blurb: string;
  Panel: ComponentType;
  useStatus: () => StepStatus;
}

export const kSteps: StepDef[] = [
  {
    id: 'model',
    title: 'Model',
    blurb: 'Tokenizer, template, weights',
    Panel: ModelPanel,
    useStatus: useModelStatus,
  },
  {
    id: 'dataset',
    title: 'Dataset',
    blurb: 'Sources, curation, tokens',
    Panel: DatasetPanel,
    useStatus: useDatasetStatus,
  },
  {
    id: 'train',
    title: 'Train',
    blurb: 'LoRA on your GPU',
    Panel: TrainPanel,
    useStatus: useTrainStatus,
  },
  {
    id: 'try',
    title: 'Try',
    blurb: 'Base vs tuned, side by side',
    Panel: TryPanel,
    useStatus: useTryStatus,
  },
  {
    id: 'export',
    title: 'Export',
    blurb: 'Adapter, merged, GGUF, TRL',
    Panel: ExportPanel,
    useStatus: useExportStatus,
  },
];
