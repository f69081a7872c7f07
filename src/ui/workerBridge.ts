// The bridge between the React UI and the dataset worker (a module, not a component).
// Components call the functions below with what the user gave them (a File, a sample URL); worker
// events are turned into store actions here, from outside React. It watches the store and sends
// the worker the preview settings (template, date, and the train settings' max length: one value
// for the preview and the run) and, for the Train step, asks how long a run with the current
// settings would be (debounced ~300 ms). The engine bridge takes the tokenized dataset from here.
import type {
  ColumnMapping,
  CurationRecord,
  DatasetInput,
  PreviewSettings,
  PromptItem,
  PromptPick,
  TokenizerSource,
  WorkerEvent,
  WorkerRequest,
} from '../worker/protocol.ts';
import type { ExampleSet, ModelTokenizerFiles, TrainSettings } from '../worker/engineProtocol.ts';
import { curationEvent } from './curationBridge.ts';
import { useStudio, type StudioState } from './store/index.ts';

let worker: Worker | null = null;
let nextJob = 1;

/** Start requests waiting for their examples, by job. */
const pendingTakes = new Map<
  number,
  {
    resolve: (v: { name: string; examples: ExampleSet; curation: CurationRecord }) => void;
    reject: (e: Error) => void;
  }
>();
/** Prompt-set requests waiting for their prompts, by job. */
const pendingPrompts = new Map<
  number,
  { resolve: (items: PromptItem[]) => void; reject: (e: Error) => void }
>();
/** Settings each plan request was made for, by job. */
const planSettings = new Map<number, TrainSettings>();

function getWorker(): Worker {
  if (worker) return worker;
  worker = new Worker(new URL('../worker/dataset.worker.ts', import.meta.url), {
    type: 'module',
    name: 'dataset',
  });
  worker.onmessage = (e: MessageEvent<WorkerEvent>) => handle(e.data);
  worker.onerror = (e) => {
    const s = useStudio.getState();
    const message = `The dataset worker crashed: ${e.message || 'unknown error'}`;
    s.datasetFailed(s.dataset.job, message);
    s.tokenizerFailed(s.model.tokenizer.job, message);
    for (const p of pendingTakes.values()) p.reject(new Error(message));
    pendingTakes.clear();
    for (const p of pendingPrompts.values()) p.reject(new Error(message));
    pendingPrompts.clear();
  };
  post({ kind: 'configure', settings: previewSettingsOf(useStudio.getState()) });
  return worker;
}

/** Posts a request to the dataset worker (the curation bridge's requests too). */
export function post(msg: WorkerRequest): void {
  getWorker().postMessage(msg);
}

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
      pendingTakes
        .get(msg.job)
        ?.resolve({ name: msg.name, examples: msg.examples, curation: msg.curation });
      pendingTakes.delete(msg.job);
      return;
    case 'examples-failed':
      pendingTakes.get(msg.job)?.reject(new Error(msg.message));
      pendingTakes.delete(msg.job);
      return;
    case 'run-plan': {
      const settings = planSettings.get(msg.job);
      planSettings.delete(msg.job);
      if (settings) s.planReady(msg.job, msg.plan, settings);
      return;
    }
    case 'prompts':
      pendingPrompts.get(msg.job)?.resolve(msg.items);
      pendingPrompts.delete(msg.job);
      return;
    case 'prompts-failed':
      pendingPrompts.get(msg.job)?.reject(new Error(msg.message));
      pendingPrompts.delete(msg.job);
      return;
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

function previewSettingsOf(s: StudioState): PreviewSettings {
  return { template: s.model.template, maxLength: s.train.settings.maxLength, date: s.model.date };
}

/** Loads a tokenizer from the Hub, from local files, or the loaded model's own files. */
export function loadTokenizer(source: TokenizerSource): void {
  const job = nextJob++;
  useStudio.getState().tokenizerLoading(job, 'Starting…');
  post({ kind: 'load-tokenizer', job, source });
}

/** Re-tokenizes the dataset with the loaded model's own tokenizer (the one that trains). */
export function tokenizeWithModel(files: ModelTokenizerFiles): void {
  loadTokenizer({ kind: 'model', ...files });
}

/** Reads, validates and (when a tokenizer is ready) tokenizes a dataset file, sample URL or Hub
 * split, through a column mapping when one is given. */
export function loadDataset(input: DatasetInput, mapping: ColumnMapping | null = null): void {
  const job = nextJob++;
  useStudio.getState().datasetStarted(job, input, mapping);
  post({ kind: 'load-dataset', job, input, mapping });
}

/** Stops reading the current dataset (its downloads are aborted). */
export function cancelDataset(): void {
  post({ kind: 'cancel-dataset', job: useStudio.getState().dataset.job });
}

/** The subsets and splits of a Hub dataset, then their row counts, into the Hub picker. */
export function lookUpHubDataset(repo: string, endpoint: string, token: string): void {
  const job = nextJob++;
  useStudio.getState().hubLookupStarted(job);
  post({ kind: 'hub-lookup', job, repo, endpoint, token: token || undefined });
}

/** The curated tokenized dataset, for training (its buffers are the caller's to transfer), and
 * what curation changed in it. */
export function takeExamples(): Promise<{
  name: string;
  examples: ExampleSet;
  curation: CurationRecord;
}> {
  const job = nextJob++;
  return new Promise((resolve, reject) => {
    pendingTakes.set(job, { resolve, reject });
    post({ kind: 'take-examples', job });
  });
}

/** Prompts with their references for the Try step's set: these rows, or the first N. */
export function takePrompts(pick: PromptPick): Promise<PromptItem[]> {
  const job = nextJob++;
  return new Promise((resolve, reject) => {
    pendingPrompts.set(job, { resolve, reject });
    post({ kind: 'take-prompts', job, pick });
  });
}

/** Selects an example in the browser and asks the worker for its tokens. */
export function selectExample(line: number | null): void {
  useStudio.getState().selectLine(line);
  requestSelected();
}

/** Asks the worker for the selected example's tokens (and its curation state) again. */
export function requestSelected(): void {
  const { selectedLine } = useStudio.getState().dataset;
  if (selectedLine !== null) post({ kind: 'get-example', line: selectedLine });
}

/** True when the dataset is tokenized and a run can be planned on it. */
function plannable(s: StudioState): boolean {
  return s.dataset.status === 'ready' && !!s.dataset.summary?.tokens && !!s.dataset.table;
}

function requestPlan(): void {
  const s = useStudio.getState();
  if (!worker || !plannable(s)) return;
  const job = nextJob++;
  planSettings.set(job, s.train.settings);
  s.planRequested(job);
  post({ kind: 'plan-run', job, settings: s.train.settings });
}

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
      if (worker) post({ kind: 'configure', settings: previewSettingsOf(useStudio.getState()) });
    }, 300);
  }
  const tokenizedNow =
    plannable(state) && (!plannable(prev) || state.dataset.table !== prev.dataset.table);
  if (state.train.settings !== prev.train.settings || tokenizedNow) {
    clearTimeout(planTimer);
    planTimer = setTimeout(requestPlan, 300);
  }
});
