// The dataset worker's curation requests and events: the lint pass after reading and tokenizing
// (with progress, stopped when another dataset replaces this one), the token checks, one
// curation step (drop, restore, drop a flag, edit, add, undo), an editor draft's live preview, and
// the curated JSONL. After every change the UI gets the whole table and report again
// (`dataset-curated`): a few typed arrays, transferred, so even 100k rows cost milliseconds.
import { exampleCuration } from './curationReport.ts';
import {
  curate,
  curationState,
  lintRows,
  lintTokens,
  type CuratedDataset,
  type CurationHost,
} from './datasetCuration.ts';
import { curatedJsonl, curatedView, draftDetail } from './curationOutput.ts';
import type { WorkerEvent, WorkerRequest } from './protocol.ts';
import { transferables } from './summary.ts';

function post(msg: WorkerEvent, transfer: Transferable[] = []): void {
  postMessage(msg, { transfer });
}

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Sends the table, report and flags as they are now. */
export function sendCurated(ds: CuratedDataset, select: number | null = null): void {
  const view = curatedView(ds);
  post({ kind: 'dataset-curated', job: ds.job, ...view, select }, transferables(view.table));
}

const kProgressMs = 80;

/** The per-row checks and the duplicate search after reading, with progress. */
export async function lintDataset(ds: CuratedDataset, live: () => boolean): Promise<void> {
  let last = performance.now();
  const done = await lintRows(ds, async (done, total) => {
    const now = performance.now();
    if (now - last > kProgressMs) {
      last = now;
      post({ kind: 'lint-progress', job: ds.job, done, total });
      await new Promise<void>((r) => setTimeout(r, 0)); // let queued requests run
    }
    return live();
  });
  if (done && live()) sendCurated(ds);
}

/** The token checks (special tokens, truncated), once the set is tokenized. The report goes out
 * now only if the per-row pass is done: until then that pass is under way (the dataset is
 * tokenized before it is linted) and sends the report, token flags in, when it ends, so that the
 * flag counts show as being checked rather than as checked and zero. */
export function lintTokenized(host: CurationHost, ds: CuratedDataset): void {
  lintTokens(host, ds);
  if (curationState(ds)?.rowsDone) sendCurated(ds);
}

/** The selected row's content, flags and curation state. */
export function sendExampleCuration(ds: CuratedDataset | null, line: number): void {
  const info = ds ? exampleCuration(ds, line) : null;
  if (info) post({ kind: 'example-curation', info });
}

type CurationRequest = Extract<
  WorkerRequest,
  { kind: 'curate' } | { kind: 'preview-draft' } | { kind: 'export-curated' }
>;

/** Carries out a curation request; `tokenizeAll` re-tokenizes the whole set (the worker's). */
export async function handleCuration(
  host: CurationHost,
  msg: CurationRequest,
  tokenizeAll: () => Promise<void>,
): Promise<void> {
  const ds = host.dataset;
  // a step on a replaced dataset is void; an export is of the dataset there is now, and a draft
  // needs only the tokenizer (a new row may be written while an empty dataset is being read)
  if (!ds || (ds.job !== msg.job && msg.kind === 'curate')) {
    if (msg.kind === 'curate') {
      post({ kind: 'curate-failed', job: msg.job, message: 'the dataset changed: try again' });
    }
    return;
  }
  switch (msg.kind) {
    case 'curate': {
      let result;
      try {
        result = curate(host, ds, msg.action);
      } catch (e) {
        post({ kind: 'curate-failed', job: msg.job, message: errorText(e) });
        return;
      }
      sendCurated(ds, result.select);
      if (result.retokenize) await tokenizeAll();
      return;
    }
    case 'preview-draft': {
      const i = ds.byLine.get(msg.line);
      const base = i === undefined ? undefined : ds.examples[i];
      const line = base ? msg.line : 0;
      post({ kind: 'draft-detail', job: msg.job, ...draftDetail(host, line, msg.example, base) });
      return;
    }
    case 'export-curated': {
      post({ kind: 'curated-export', job: msg.job, name: ds.name, ...curatedJsonl(ds) });
      return;
    }
  }
}
