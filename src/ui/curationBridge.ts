// The curation side of the dataset-worker bridge (a module, not a component): the steps the UI asks
// for (drop, restore, drop a flag, edit, add, undo), an editor draft's live token preview (debounced
// so typing does not re-tokenize on every key), the curated JSONL download, and the curation events
// turned into store actions (workerBridge.ts hands them to `curationEvent`). The worker holds the
// curation; the store only mirrors it.
import type { CurationAction, EditableExample, WorkerEvent } from '../worker/protocol.ts';
import { loadDataset, post, requestSelected, selectExample } from './datasetChannel.ts';
import { downloadFile } from './downloadFile.ts';
import { useStudio } from './store/index.ts';

type CurationEvent = Extract<
  WorkerEvent,
  | { kind: 'lint-progress' }
  | { kind: 'dataset-curated' }
  | { kind: 'curate-failed' }
  | { kind: 'example-curation' }
  | { kind: 'draft-detail' }
  | { kind: 'curated-export' }
>;

/** What each pending export is for, oldest first (the worker answers in order). */
const pendingExports: ('curated' | 'dropped')[] = [];

export function curationEvent(msg: CurationEvent): void {
  const s = useStudio.getState();
  switch (msg.kind) {
    case 'lint-progress':
      return s.lintProgress(msg.job, msg.done, msg.total);
    case 'dataset-curated':
      s.curated(msg.job, msg.table, msg.summary, msg.report);
      if (msg.select !== null) return selectExample(msg.select);
      return requestSelected();
    case 'curate-failed':
      return s.curateFailed(msg.job, msg.message);
    case 'example-curation':
      return s.exampleCurationInfo(msg.info);
    case 'draft-detail':
      return s.draftPreview({ detail: msg.detail, flags: msg.flags, error: msg.error });
    case 'curated-export': {
      const what = pendingExports.shift();
      const base = msg.name.replace(/\.(jsonl|json|csv|tsv|parquet|gz)$/gi, '') || 'dataset';
      if (what === 'curated') {
        downloadFile(`${base}.curated.jsonl`, msg.curated, 'application/jsonl');
      } else if (what === 'dropped') {
        downloadFile(`${base}.dropped.jsonl`, msg.dropped, 'application/jsonl');
      }
      return;
    }
  }
}

/** One curation step on the current dataset. */
export function curate(action: CurationAction): void {
  post({ kind: 'curate', job: useStudio.getState().dataset.job, action });
}

/** Opens the editor on the selected row's content. */
export function editSelected(): void {
  const sel = useStudio.getState().curation.selected;
  if (!sel) return;
  const draft: EditableExample = {
    messages: sel.example.messages.map((m) => ({ ...m })),
    ...(sel.example.text !== undefined ? { text: sel.example.text } : {}),
  };
  useStudio.getState().openEditor({ line: sel.line, draft });
  previewDraft(draft, 0);
}

/** Opens the editor on a new conversation: a user turn and an assistant turn, both empty. */
export function writeNewExample(): void {
  const draft: EditableExample = {
    messages: [
      { role: 'user', content: '' },
      { role: 'assistant', content: '' },
    ],
  };
  useStudio.getState().openEditor({ line: null, draft });
  previewDraft(draft, 0);
}

let draftTimer: ReturnType<typeof setTimeout> | undefined;

/** The draft changed: keep it, and re-tokenize it in the worker after a short pause in typing. */
export function previewDraft(draft: EditableExample, delayMs = 200): void {
  const s = useStudio.getState();
  s.setDraft(draft);
  clearTimeout(draftTimer);
  draftTimer = setTimeout(() => {
    const now = useStudio.getState();
    const editor = now.curation.editor;
    if (!editor) return;
    post({
      kind: 'preview-draft',
      job: now.dataset.job,
      line: editor.line ?? 0,
      example: editor.draft,
    });
  }, delayMs);
}

/** Saves the editor: edits its row, or adds the new row after the last one. */
export function saveEditor(): void {
  const editor = useStudio.getState().curation.editor;
  if (!editor) return;
  clearTimeout(draftTimer);
  // The editor stays open until the worker took the row (an invalid row keeps the text to fix).
  useStudio.getState().editorSaving();
  curate(
    editor.line === null
      ? { op: 'add', example: editor.draft }
      : { op: 'edit', line: editor.line, example: editor.draft },
  );
}

/** "Start from an empty dataset": an empty JSONL file, read like any other, to write rows into. */
export function startEmptyDataset(): void {
  loadDataset({
    kind: 'file',
    file: new File([], 'my-dataset.jsonl', { type: 'application/jsonl' }),
  });
}

/** Downloads the curated set as JSONL, or the dropped rows with their flags. */
export function downloadCurated(what: 'curated' | 'dropped'): void {
  pendingExports.push(what);
  post({ kind: 'export-curated', job: useStudio.getState().dataset.job });
}
