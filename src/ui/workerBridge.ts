// The dataset worker's event dispatcher, top of the dataset side (a module, not a component): worker
// events are turned into store actions here, from outside React; the curation events go on to the
// curation bridge, the replies to the requests that wait for them (datasetChannel.ts). It watches
// the store and sends the worker the preview settings (template, date, and the train settings' max
// length: one value for the preview and the run) and, for the Train step, asks how long a run with
// the current settings would be (debounced ~300 ms). `startDatasetBridge` connects all this (the
// studio's start calls it); the worker itself and the requests live in datasetChannel.ts.
import type { WorkerEvent } from '../worker/protocol.ts';
import type { TrainSettings } from '../worker/engineProtocol.ts';
import { curationEvent } from './curationBridge.ts';
import {
  connectDatasetEvents,
  datasetWorkerStarted,
  newJob,
  post,
  previewSettingsOf,
  requestSelected,
  settleReply,
} from './datasetChannel.ts';
import { useStudio, type StudioState } from './store/index.ts';

/** Settings each plan request was made for, by job. */
const planSettings = new Map<number, TrainSettings>();

function handle(msg: WorkerEvent): void {
  const s = useStudio.getState();
  switch (msg.kind) {
    case 'tokenizer-loading':
      return s.tokenizerLoading(msg.job, msg.message);
    case 'tokenizer-ready':
      s.tokenizerReady(msg.job, msg.info);
      return requestSelected();
    case 'tokenizer-failed':
      return s.tokenizerFailed(msg.job, msg.message);
    case 'dataset-progress':
      return s.datasetProgress(msg.job, {
        phase: msg.phase,
        done: msg.done,
        total: msg.total,
        lines: msg.lines,
        file: msg.file,
      });
    case 'dataset-parsed':
      s.datasetParsed(msg.job, msg.summary, msg.table, msg.errors);
      return requestSelected();
    case 'dataset-tokenized':
      s.datasetTokenized(msg.job, msg.summary, msg.columns, msg.done);
      return requestSelected();
    case 'dataset-failed':
      return s.datasetFailed(msg.job, msg.message);
    case 'dataset-reading':
      return s.datasetRead(msg.job, msg.reading);
    case 'dataset-cancelled':
      return s.datasetCancelled(msg.job);
    case 'hub-listing':
      return s.hubListed(msg.job, msg.listing);
    case 'hub-rows':
      return s.hubRowsKnown(msg.job, msg.subset, msg.split, msg.rows);
    case 'hub-failed':
      return s.hubLookupFailed(msg.job, msg.message);
    case 'template-ready':
      return s.templateReady(msg.template);
    case 'template-failed':
      return s.setTemplateError(msg.message);
    case 'example-detail':
      return s.exampleDetail(msg.detail);
    case 'example-failed':
      return s.exampleFailed(msg.line, msg.message);
    case 'examples':
    case 'examples-failed':
    case 'prompts':
    case 'prompts-failed':
      return settleReply(msg);
    case 'run-plan': {
      const settings = planSettings.get(msg.job);
      planSettings.delete(msg.job);
      if (settings) s.planReady(msg.job, msg.plan, settings);
      return;
    }
    case 'lint-progress':
    case 'dataset-curated':
    case 'curate-failed':
    case 'example-curation':
    case 'draft-detail':
    case 'curated-export':
      return curationEvent(msg);
    default: {
      const never: never = msg;
      throw new Error(`unknown worker event ${JSON.stringify(never)}`);
    }
  }
}

/** Stops reading the current dataset (its downloads are aborted). */
export function cancelDataset(): void {
  post({ kind: 'cancel-dataset', job: useStudio.getState().dataset.job });
}

/** The subsets and splits of a Hub dataset, then their row counts, into the Hub picker. */
export function lookUpHubDataset(repo: string, endpoint: string, token: string): void {
  const job = newJob();
  useStudio.getState().hubLookupStarted(job);
  post({ kind: 'hub-lookup', job, repo, endpoint, token: token || undefined });
}

/** True when the dataset is tokenized and a run can be planned on it. */
function plannable(s: StudioState): boolean {
  return s.dataset.status === 'ready' && !!s.dataset.summary?.tokens && !!s.dataset.table;
}

function requestPlan(): void {
  const s = useStudio.getState();
  if (!datasetWorkerStarted() || !plannable(s)) return;
  const job = newJob();
  planSettings.set(job, s.train.settings);
  s.planRequested(job);
  post({ kind: 'plan-run', job, settings: s.train.settings });
}

let started = false;
/** Connects the dataset worker's events to the store, and the store's settings to the worker. */
export function startDatasetBridge(): void {
  if (started) return;
  started = true;
  connectDatasetEvents(handle);
  // Store → worker, debounced so typing a number does not re-tokenize (or re-plan) on every key.
  let configureTimer: ReturnType<typeof setTimeout> | undefined;
  let planTimer: ReturnType<typeof setTimeout> | undefined;
  useStudio.subscribe((state, prev) => {
    const a = state.model;
    const b = prev.model;
    const maxLength = state.train.settings.maxLength;
    if (
      a.template !== b.template ||
      a.date !== b.date ||
      maxLength !== prev.train.settings.maxLength
    ) {
      clearTimeout(configureTimer);
      configureTimer = setTimeout(() => {
        if (datasetWorkerStarted()) {
          post({ kind: 'configure', settings: previewSettingsOf(useStudio.getState()) });
        }
      }, 300);
    }
    const tokenizedNow =
      plannable(state) && (!plannable(prev) || state.dataset.table !== prev.dataset.table);
    if (state.train.settings !== prev.train.settings || tokenizedNow) {
      clearTimeout(planTimer);
      planTimer = setTimeout(requestPlan, 300);
    }
  });
}
