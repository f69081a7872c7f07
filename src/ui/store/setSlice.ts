// Prompt-set slice (Try step): where the prompts come from (the run's held-out rows, the first N
// examples, or pasted questions), the table's rows as base and tuned answer them (streamed), the
// summary metrics the engine worker computed, and how the table is sorted and filtered. Rows are
// keyed by their line; events of an older job are ignored.
import type { StateCreator } from 'zustand';
import type {
  EngineFailure,
  PromptItem,
  SetAnswer,
  SetSummary,
} from '../../worker/engineProtocol.ts';
import type { SetFilter, SetRow, SetSort } from '../try-step/setTable.ts';
import type { StudioState } from './index.ts';

export type SetSource = 'eval' | 'first' | 'questions';
export type SetStatus = 'idle' | 'loading' | 'running' | 'done' | 'cancelled' | 'failed';

export interface PromptSetState {
  source: SetSource;
  /** How many examples "First N examples" takes. */
  first: number;
  questions: string;
  status: SetStatus;
  job: number;
  rows: SetRow[];
  summary: SetSummary | null;
  message: string;
  failure: EngineFailure | null;
  sort: SetSort;
  filter: SetFilter;
}

export interface SetSlice {
  promptSet: PromptSetState;
  setSetSource: (source: SetSource) => void;
  setSetFirst: (first: number) => void;
  setSetQuestions: (questions: string) => void;
  setSetSort: (sort: SetSort) => void;
  setSetFilter: (patch: Partial<SetFilter>) => void;
  setLoading: (job: number) => void;
  setStarted: (job: number, items: PromptItem[]) => void;
  setRowText: (
    job: number,
    line: number,
    which: 'base' | 'tuned',
    text: string,
    answer: SetAnswer | null,
  ) => void;
  setRowSkipped: (job: number, line: number, reason: string) => void;
  setDone: (job: number, summary: SetSummary, cancelled: boolean, message: string) => void;
  setFailed: (job: number, failure: EngineFailure) => void;
}

/** What the prompt column shows: the last user turn, and how many turns come before it (earlier
 * turns are context the model sees). */
function promptText(item: PromptItem): { prompt: string; context: number } {
  for (let i = item.messages.length - 1; i >= 0; i--) {
    if (item.messages[i].role === 'user') return { prompt: item.messages[i].content, context: i };
  }
  return { prompt: item.messages.map((m) => m.content).join('\n'), context: 0 };
}

export const createSetSlice: StateCreator<StudioState, [], [], SetSlice> = (set) => {
  const patch = (p: Partial<PromptSetState>) =>
    set((s) => ({ promptSet: { ...s.promptSet, ...p } }));
  const patchJob = (job: number, f: (t: PromptSetState) => Partial<PromptSetState>) =>
    set((s) =>
      job !== s.promptSet.job ? s : { promptSet: { ...s.promptSet, ...f(s.promptSet) } },
    );
  const patchRow = (job: number, line: number, f: (r: SetRow) => SetRow) =>
    patchJob(job, (t) => ({ rows: t.rows.map((r) => (r.line === line ? f(r) : r)) }));
  return {
    promptSet: {
      source: 'eval',
      first: 10,
      questions: '',
      status: 'idle',
      job: 0,
      rows: [],
      summary: null,
      message: '',
      failure: null,
      sort: { key: 'line', dir: 'asc' },
      filter: { text: '', show: 'all' },
    },
    setSetSource: (source) => patch({ source }),
    setSetFirst: (first) => patch({ first }),
    setSetQuestions: (questions) => patch({ questions }),
    setSetSort: (sort) => patch({ sort }),
    setSetFilter: (p) =>
      set((s) => ({ promptSet: { ...s.promptSet, filter: { ...s.promptSet.filter, ...p } } })),
    setLoading: (job) =>
      patch({ job, status: 'loading', rows: [], summary: null, message: '', failure: null }),
    setStarted: (job, items) =>
      patchJob(job, () => ({
        status: 'running',
        rows: items.map((it) => ({
          line: it.line,
          ...promptText(it),
          reference: it.reference,
          base: '',
          tuned: '',
          baseAnswer: null,
          tunedAnswer: null,
          skipped: null,
        })),
      })),
    setRowText: (job, line, which, text, answer) =>
      patchRow(job, line, (r) =>
        which === 'base'
          ? { ...r, base: text, baseAnswer: answer }
          : { ...r, tuned: text, tunedAnswer: answer },
      ),
    setRowSkipped: (job, line, reason) => patchRow(job, line, (r) => ({ ...r, skipped: reason })),
    setDone: (job, summary, cancelled, message) =>
      patchJob(job, () => ({ status: cancelled ? 'cancelled' : 'done', summary, message })),
    setFailed: (job, failure) => patchJob(job, () => ({ status: 'failed', failure })),
  };
};
