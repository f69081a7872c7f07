// Dataset slice: what the user gave (a File or a sample URL, kept as given: the engine bridge
// trains on exactly this source), its progress, the report, the bad lines, the example table and
// the example browser's filter and selection. Token arrays stay in the worker; only the selected
// example's detail is held here.
import type { StateCreator } from 'zustand';
import type {
  DatasetInput,
  DatasetPhase,
  DatasetSummary,
  ExampleDetail,
  ExampleTable,
  LineError,
  TokenColumns,
} from '../../worker/protocol.ts';
import type { StudioState } from './index.ts';

export type DatasetStatus = 'empty' | 'reading' | 'tokenizing' | 'ready' | 'failed';

/** Example browser filters: everything, only problems, or one kind of problem. */
export type ExampleFilter =
  'all' | 'problems' | 'errors' | 'duplicate' | 'empty-answer' | 'truncated' | 'excluded';

export interface DatasetState {
  status: DatasetStatus;
  job: number;
  /** The user's input: a dataset File, or a sample's URL and title. */
  source: DatasetInput | null;
  /** File name or sample title. */
  name: string;
  progress: { phase: DatasetPhase; done: number; total: number; lines: number } | null;
  summary: DatasetSummary | null;
  /** Valid examples as columns (typed arrays: structured-cloneable, cheap for 100k rows). */
  table: ExampleTable | null;
  errors: LineError[];
  message: string;
  filter: ExampleFilter;
  selectedLine: number | null;
  detail: ExampleDetail | null;
  detailError: string;
}

export interface DatasetSlice {
  dataset: DatasetState;
  datasetStarted: (job: number, source: DatasetInput) => void;
  datasetProgress: (job: number, progress: NonNullable<DatasetState['progress']>) => void;
  datasetParsed: (
    job: number,
    summary: DatasetSummary,
    table: ExampleTable,
    errors: LineError[],
  ) => void;
  datasetTokenized: (
    job: number,
    summary: DatasetSummary,
    columns: TokenColumns | null,
    done: boolean,
  ) => void;
  datasetFailed: (job: number, message: string) => void;
  setFilter: (filter: ExampleFilter) => void;
  selectLine: (line: number | null) => void;
  exampleDetail: (detail: ExampleDetail) => void;
  exampleFailed: (line: number, message: string) => void;
}

const kEmpty: DatasetState = {
  status: 'empty',
  job: 0,
  source: null,
  name: '',
  progress: null,
  summary: null,
  table: null,
  errors: [],
  message: '',
  filter: 'all',
  selectedLine: null,
  detail: null,
  detailError: '',
};

export const createDatasetSlice: StateCreator<StudioState, [], [], DatasetSlice> = (set) => {
  /** Applies a patch only when it belongs to the current job (late events of a replaced file are dropped). */
  const forJob = (job: number, p: Partial<DatasetState>) =>
    set((s) => (job !== s.dataset.job ? s : { dataset: { ...s.dataset, ...p } }));
  const patch = (p: Partial<DatasetState>) => set((s) => ({ dataset: { ...s.dataset, ...p } }));
  return {
    dataset: kEmpty,
    datasetStarted: (job, source) =>
      set({
        dataset: {
          ...kEmpty,
          job,
          source,
          name: source.kind === 'file' ? source.file.name : source.name,
          status: 'reading',
        },
      }),
    datasetProgress: (job, progress) =>
      forJob(job, {
        progress,
        status: progress.phase === 'reading' ? 'reading' : 'tokenizing',
      }),
    datasetParsed: (job, summary, table, errors) =>
      set((s) => {
        if (job !== s.dataset.job) return s;
        const first = table.count > 0 ? table.line[0] : (errors[0]?.line ?? null);
        return {
          dataset: {
            ...s.dataset,
            summary,
            table,
            errors,
            status: 'ready',
            progress: null,
            selectedLine: s.dataset.selectedLine ?? first,
          },
        };
      }),
    datasetTokenized: (job, summary, columns, done) =>
      set((s) =>
        job !== s.dataset.job || !s.dataset.table
          ? s
          : {
              dataset: {
                ...s.dataset,
                summary,
                table: columns ? { ...s.dataset.table, ...columns } : s.dataset.table,
                ...(done ? { status: 'ready' as const, progress: null } : {}),
              },
            },
      ),
    datasetFailed: (job, message) => forJob(job, { status: 'failed', message, progress: null }),
    setFilter: (filter) => patch({ filter }),
    selectLine: (selectedLine) => patch({ selectedLine, detailError: '' }),
    exampleDetail: (detail) =>
      set((s) =>
        detail.line !== s.dataset.selectedLine
          ? s
          : { dataset: { ...s.dataset, detail, detailError: '' } },
      ),
    exampleFailed: (line, message) =>
      set((s) =>
        line !== s.dataset.selectedLine
          ? s
          : { dataset: { ...s.dataset, detail: null, detailError: message } },
      ),
  };
};
