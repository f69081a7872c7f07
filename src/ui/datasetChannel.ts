// The dataset worker's channel, low in the UI's imports: the one Worker (started on first use, told
// the preview settings first), `post`, job numbers, the requests that other modules build on (load a
// tokenizer or a dataset, select an example, take the tokenized set or a prompt set) and the replies
// those requests wait for. The dispatcher that turns the worker's events into store actions
// (workerBridge.ts) sits above every module that posts, so it is handed in by an explicit call at the
// studio's start (`connectDatasetEvents`), not imported here; events that come before that wait.
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
import type { ExampleSet, ModelTokenizerFiles } from '../worker/engineProtocol.ts';
import { useStudio, type StudioState } from './store/index.ts';

let worker: Worker | null = null;
let nextJob = 1;
let dispatch: ((msg: WorkerEvent) => void) | null = null;
/** Events that came before the dispatcher was connected, oldest first. */
let early: WorkerEvent[] = [];
/** The loaded model's tokenizer files (large strings: kept here, not in the store). */
let modelTokenizer: ModelTokenizerFiles | null = null;

type Taken = { name: string; examples: ExampleSet; curation: CurationRecord };
/** Start requests waiting for their examples, by job. */
const pendingTakes = new Map<number, { resolve: (v: Taken) => void; reject: (e: Error) => void }>();
/** Prompt-set requests waiting for their prompts, by job. */
const pendingPrompts = new Map<
  number,
  { resolve: (items: PromptItem[]) => void; reject: (e: Error) => void }
>();

/** The settings the dataset worker previews with (template, date, the run's max length). */
export function previewSettingsOf(s: StudioState): PreviewSettings {
  return { template: s.model.template, maxLength: s.train.settings.maxLength, date: s.model.date };
}

function getWorker(): Worker {
  if (worker) return worker;
  worker = new Worker(new URL('../worker/dataset.worker.ts', import.meta.url), {
    type: 'module',
    name: 'dataset',
  });
  worker.onmessage = (e: MessageEvent<WorkerEvent>) => {
    if (dispatch) dispatch(e.data);
    else early.push(e.data);
  };
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

/** Hands the worker's events to `handler` from now on (and those that came before). */
export function connectDatasetEvents(handler: (msg: WorkerEvent) => void): void {
  dispatch = handler;
  const waiting = early;
  early = [];
  for (const msg of waiting) handler(msg);
}

/** True once the worker was started (settings and plans are only sent to a running worker). */
export function datasetWorkerStarted(): boolean {
  return worker !== null;
}

/** Posts a request to the dataset worker (started on first use). */
export function post(msg: WorkerRequest): void {
  getWorker().postMessage(msg);
}

/** A new job number: replies carry it, so a stale reply is told from the current one. */
export function newJob(): number {
  return nextJob++;
}

/** Loads a tokenizer from the Hub, from local files, or the loaded model's own files. */
export function loadTokenizer(source: TokenizerSource): void {
  const job = newJob();
  useStudio.getState().tokenizerLoading(job, 'Starting…');
  post({ kind: 'load-tokenizer', job, source });
}

/** Re-tokenizes the dataset with the loaded model's own tokenizer (the one that trains). */
export function tokenizeWithModel(files: ModelTokenizerFiles): void {
  modelTokenizer = files;
  loadTokenizer({ kind: 'model', ...files });
}

/** Tokenizes the dataset with the loaded model's own tokenizer again (after another was picked). */
export function retokenizeWithModel(): void {
  if (modelTokenizer) tokenizeWithModel(modelTokenizer);
}

/** Reads, validates and (when a tokenizer is ready) tokenizes a dataset file, sample URL or Hub
 * split, through a column mapping when one is given. */
export function loadDataset(input: DatasetInput, mapping: ColumnMapping | null = null): void {
  const job = newJob();
  useStudio.getState().datasetStarted(job, input, mapping);
  post({ kind: 'load-dataset', job, input, mapping });
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

/** The curated tokenized dataset, for training (its buffers are the caller's to transfer), and
 * what curation changed in it. */
export function takeExamples(): Promise<Taken> {
  const job = newJob();
  return new Promise((resolve, reject) => {
    pendingTakes.set(job, { resolve, reject });
    post({ kind: 'take-examples', job });
  });
}

/** Prompts with their references for the Try step's set: these rows, or the first N. */
export function takePrompts(pick: PromptPick): Promise<PromptItem[]> {
  const job = newJob();
  return new Promise((resolve, reject) => {
    pendingPrompts.set(job, { resolve, reject });
    post({ kind: 'take-prompts', job, pick });
  });
}

type Reply = Extract<
  WorkerEvent,
  { kind: 'examples' | 'examples-failed' | 'prompts' | 'prompts-failed' }
>;

/** Settles the `takeExamples` / `takePrompts` request that a reply answers. */
export function settleReply(msg: Reply): void {
  switch (msg.kind) {
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
    case 'prompts':
      pendingPrompts.get(msg.job)?.resolve(msg.items);
      pendingPrompts.delete(msg.job);
      return;
    case 'prompts-failed':
      pendingPrompts.get(msg.job)?.reject(new Error(msg.message));
      pendingPrompts.delete(msg.job);
      return;
  }
}
