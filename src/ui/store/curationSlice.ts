// Curation slice: the UI's view of the dataset worker's curation (the worker holds the truth: which
// rows are dropped, edited, written by hand, and the undo stack). Holds the quality report, the
// lint's progress, the selected row's content and flags, and the conversation editor's draft with
// its live token preview. A curated table replaces the dataset slice's table and report.
import type { StateCreator } from 'zustand';
import type {
  CurationReport,
  DatasetSummary,
  EditableExample,
  ExampleCuration,
  ExampleDetail,
  ExampleTable,
  LintFlag,
} from '../../worker/protocol.ts';
import type { StudioState } from './index.ts';

/** The conversation editor: an existing row's content, or a new row (`line` null). */
export interface EditorState {
  line: number | null;
  draft: EditableExample;
  /** Save was pressed: the editor closes when the worker has taken the row. */
  saving?: boolean;
}

export interface DraftPreview {
  detail: ExampleDetail | null;
  flags: LintFlag[];
  error: string;
}

export interface CurationState {
  /** The dataset job this report belongs to. */
  job: number;
  report: CurationReport | null;
  lint: { done: number; total: number } | null;
  /** The selected row's content, flags and state (from the worker). */
  selected: ExampleCuration | null;
  editor: EditorState | null;
  preview: DraftPreview | null;
  /** Why the last step failed (an invalid edit), shown until the next step. */
  message: string;
}

export interface CurationSlice {
  curation: CurationState;
  lintProgress: (job: number, done: number, total: number) => void;
  curated: (
    job: number,
    table: ExampleTable,
    summary: DatasetSummary,
    report: CurationReport,
  ) => void;
  curateFailed: (job: number, message: string) => void;
  exampleCurationInfo: (info: ExampleCuration) => void;
  openEditor: (editor: EditorState) => void;
  setDraft: (draft: EditableExample) => void;
  editorSaving: () => void;
  closeEditor: () => void;
  draftPreview: (preview: DraftPreview) => void;
}

const kEmpty: CurationState = {
  job: 0,
  report: null,
  lint: null,
  selected: null,
  editor: null,
  preview: null,
  message: '',
};

/** A new dataset's curation: nothing yet, but a new row being written stays open (it may have been
 * started before the empty dataset it goes into was read). */
function freshFor(job: number, s: CurationState): CurationState {
  if (s.job === job) return s;
  const keep = s.editor?.line === null ? { editor: s.editor, preview: s.preview } : {};
  return { ...kEmpty, ...keep, job };
}

export const createCurationSlice: StateCreator<StudioState, [], [], CurationSlice> = (set) => {
  const patch = (p: Partial<CurationState>) => set((s) => ({ curation: { ...s.curation, ...p } }));
  return {
    curation: kEmpty,
    lintProgress: (job, done, total) =>
      set((s) =>
        job !== s.dataset.job
          ? s
          : {
              curation: { ...freshFor(job, s.curation), lint: { done, total } },
            },
      ),
    curated: (job, table, summary, report) =>
      set((s) => {
        if (job !== s.dataset.job) return s;
        const fresh = freshFor(job, s.curation);
        const editor = fresh.editor?.saving ? null : fresh.editor;
        return {
          curation: {
            ...fresh,
            job,
            report,
            lint: null,
            message: '',
            editor,
            preview: editor ? fresh.preview : null,
          },
          dataset: { ...s.dataset, table, summary },
        };
      }),
    curateFailed: (job, message) =>
      set((s) => {
        if (job !== s.dataset.job) return s;
        const editor = s.curation.editor && { ...s.curation.editor, saving: false };
        return { curation: { ...s.curation, message, editor } };
      }),
    exampleCurationInfo: (info) =>
      set((s) =>
        info.line !== s.dataset.selectedLine ? s : { curation: { ...s.curation, selected: info } },
      ),
    openEditor: (editor) => patch({ editor, preview: null, message: '' }),
    setDraft: (draft) =>
      set((s) =>
        s.curation.editor
          ? { curation: { ...s.curation, editor: { ...s.curation.editor, draft } } }
          : s,
      ),
    editorSaving: () =>
      set((s) =>
        s.curation.editor
          ? { curation: { ...s.curation, editor: { ...s.curation.editor, saving: true } } }
          : s,
      ),
    closeEditor: () => patch({ editor: null, preview: null }),
    draftPreview: (preview) =>
      set((s) => (s.curation.editor ? { curation: { ...s.curation, preview } } : s)),
  };
};
