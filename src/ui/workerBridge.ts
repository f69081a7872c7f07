// The bridge between the React UI and the dataset worker (a module, not a component).
// Components call the functions below; worker events are turned into store actions here, from
// outside React. It also watches the preview settings in the store and sends them to the worker
// (debounced), so that changing the template or the max length re-tokenizes the dataset.
import type {
  DatasetInput,
  PreviewSettings,
  TokenizerSource,
  WorkerEvent,
  WorkerRequest,
} from '../worker/protocol.ts';
import { useStudio, type StudioState } from './store/index.ts';

let worker: Worker | null = null;
let nextJob = 1;

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
  };
  post({ kind: 'configure', settings: settingsOf(useStudio.getState()) });
  return worker;
}

function post(msg: WorkerRequest): void {
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
      });
    case 'dataset-parsed':
      s.datasetParsed(msg.job, msg.summary, msg.table, msg.errors);
      return requestSelected();
    case 'dataset-tokenized':
      s.datasetTokenized(msg.job, msg.summary, msg.columns, msg.done);
      return requestSelected();
    case 'dataset-failed':
      return s.datasetFailed(msg.job, msg.message);
    case 'template-ready':
      return s.templateReady(msg.template);
    case 'template-failed':
      return s.setTemplateError(msg.message);
    case 'example-detail':
      return s.exampleDetail(msg.detail);
    case 'example-failed':
      return s.exampleFailed(msg.line, msg.message);
    default: {
      const never: never = msg;
      throw new Error(`unknown worker event ${JSON.stringify(never)}`);
    }
  }
}

function settingsOf(s: StudioState): PreviewSettings {
  return { template: s.model.template, maxLength: s.model.maxLength, date: s.model.date };
}

/** Loads a tokenizer from the Hub (id and endpoint from the store) or from local files. */
export function loadTokenizer(source: TokenizerSource): void {
  const job = nextJob++;
  useStudio.getState().tokenizerLoading(job, 'Starting…');
  post({ kind: 'load-tokenizer', job, source });
}

/** Reads, validates and (when a tokenizer is ready) tokenizes a dataset file or sample URL. */
export function loadDataset(input: DatasetInput): void {
  const job = nextJob++;
  const name = input.kind === 'file' ? input.file.name : input.name;
  useStudio.getState().datasetStarted(job, name);
  post({ kind: 'load-dataset', job, input });
}

/** Selects an example in the browser and asks the worker for its tokens. */
export function selectExample(line: number | null): void {
  useStudio.getState().selectLine(line);
  requestSelected();
}

function requestSelected(): void {
  const { selectedLine } = useStudio.getState().dataset;
  if (selectedLine !== null) post({ kind: 'get-example', line: selectedLine });
}

// Settings → worker, debounced so typing a max length does not re-tokenize on every key.
let timer: ReturnType<typeof setTimeout> | undefined;
useStudio.subscribe((state, prev) => {
  const a = state.model;
  const b = prev.model;
  if (a.template === b.template && a.maxLength === b.maxLength && a.date === b.date) return;
  clearTimeout(timer);
  timer = setTimeout(() => {
    if (worker) post({ kind: 'configure', settings: settingsOf(useStudio.getState()) });
  }, 300);
});

let started = false;
/** First visit: load the default Hub tokenizer so a sample previews with no setup at all. */
export function startStudio(): void {
  if (started) return;
  started = true;
  const s = useStudio.getState();
  if (s.model.tokenizer.status === 'idle' && s.model.sourceKind === 'hub') {
    loadTokenizer({ kind: 'hub', id: s.model.hubId, endpoint: s.model.endpoint });
  }
}
