// Dataset slice: what the user gave (a File, a sample URL or a Hub split, kept as given: the engine
// bridge trains on exactly this source) and the column mapping it is read with, its progress, how
// its rows were read (columns, recognised schemas: the mapping dialog and the report), the report,
// the bad lines, the example table and the example browser's filter and selection. Token arrays
// stay in the worker; only the selected example's detail is held here.
import type { StateCreator } from 'zustand';
import type {
  ColumnMapping,
  DatasetInput,
  DatasetPhase,
  DatasetReading,
  DatasetSummary,
  ExampleDetail,
  ExampleTable,
  LineError,
  LintKind,
  SourceFileProgress,
  TokenColumns,
} from '../../worker/protocol.ts';
import type { StudioState } from './index.ts';

export type DatasetStatus = 'empty' | 'reading' | 'tokenizing' | 'ready' | 'failed';

/** Example browser filters: everything, only problems, or one kind of problem. */
/** (A quality flag filters by its lint kind; 'changed': rows edited or written by hand.) */
export type ExampleFilter =
  'all' | 'problems' | 'errors' | LintKind | 'excluded' | 'dropped' | 'changed';

export interface DatasetState {
  status: DatasetStatus;
  job: number;
  /** The user's input: a dataset File, a sample's URL and title, or a Hub split. */
  source: DatasetInput | null;
  /** The column mapping the user chose (null: standard formats and recognised schemas). */
  mapping: ColumnMapping | null;
  /** How the rows were read: columns with sample values, readings, the proposal. */
  reading: DatasetReading | null;
  /** The mapping dialog is shown (opened by the user, or by rows in no known format). */
  mappingOpen: boolean;
  /** File name, sample title or Hub split (as the worker names it once read). */
  name: string;
  progress: {
    phase: DatasetPhase;
    done: number;
    total: number;
    lines: number;
    file?: SourceFileProgress;
  } | null;
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
  datasetStarted: (job: number, source: DatasetInput, mapping?: ColumnMapping | null) => void;
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
  datasetRead: (job: number, reading: DatasetReading) => void;
  datasetCancelled: (job: number) => void;
  setMappingOpen: (open: boolean) => void;
  setFilter: (filter: ExampleFilter) => void;
  selectLine: (line: number | null) => void;
  exampleDetail: (detail: ExampleDetail) => void;
  exampleFailed: (line: number, message: string) => void;
}

const kEmpty: DatasetState = {
  status: 'empty',
  job: 0,
  source: null,
  mapping: null,
  reading: null,
  mappingOpen: false,
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
    // Reading the same source again (another mapping) keeps the dialog and its columns.
    datasetStarted: (job, source, mapping = null) =>
      set((s) => {
        const same = s.dataset.source === source;
        return {
          dataset: {
            ...kEmpty,
            job,
            source,
            mapping,
            reading: same ? s.dataset.reading : null,
            mappingOpen: same && s.dataset.mappingOpen,
            name:
              source.kind === 'file'
                ? source.file.name
                : source.kind === 'url'
                  ? source.name
                  : source.repo,
            status: 'reading',
          },
        };
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
            name: summary.name,
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
    datasetRead: (job, reading) =>
      set((s) =>
        job !== s.dataset.job
          ? s
          : {
              dataset: {
                ...s.dataset,
                reading,
                mappingOpen: s.dataset.mappingOpen || reading.unrecognized,
              },
            },
      ),
    datasetCancelled: (job) => set((s) => (job !== s.dataset.job ? s : { dataset: kEmpty })),
    setMappingOpen: (mappingOpen) => patch({ mappingOpen }),
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
