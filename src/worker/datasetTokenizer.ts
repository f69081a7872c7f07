// The dataset worker's tokenizer and chat template: the preview settings (`configure`), a tokenizer
// loaded from the Hub, local files or the loaded model's own files (`load-tokenizer`), and the
// renderer built from both. Either change makes the dataset's tokens stale: they are dropped and
// the dataset tokenized again (datasetTokenize.ts). An older, slower load never replaces a newer.
import { loadTokenizerFrom, makeRenderer, type LoadedTokenizer } from './dataApi.ts';
import { errorMessage, invalidate, send, state } from './datasetState.ts';
import { tokenizeDataset } from './datasetTokenize.ts';
import type { PreviewSettings, WorkerRequest } from './protocol.ts';
import { rememberTokenizerSource } from './tokenize-workers.ts';

/** Rebuilds the renderer from tokenizer + template; reports a template error instead of throwing. */
function rebuildRenderer(): boolean {
  state.renderer = null;
  if (!state.tokenizer || !state.settings) return false;
  try {
    state.renderer = makeRenderer(state.tokenizer, state.settings);
    send({ kind: 'template-ready', template: state.renderer.info });
    return true;
  } catch (err) {
    send({ kind: 'template-failed', message: errorMessage(err) });
    return false;
  }
}

/** `configure`: new template, max length or date; the dataset is tokenized again. */
export async function configure(settings: PreviewSettings): Promise<void> {
  state.settings = settings;
  invalidate();
  if (rebuildRenderer()) await tokenizeDataset();
}

type LoadTokenizer = Extract<WorkerRequest, { kind: 'load-tokenizer' }>;

/** `load-tokenizer`: loads it, then tokenizes the dataset with it (unless a newer load came). */
export async function loadTokenizer({ job, source }: LoadTokenizer): Promise<void> {
  state.tokenizerJob = job;
  // The loaded model's tokenizer is the one in use already (the same files, picked as local
  // files or loaded with the same model before): the tokens stand, only who owns them changes.
  if (source.kind === 'model' && state.tokenizer?.fingerprint === source.fingerprint) {
    const info = { ...state.tokenizer.info, name: source.name, fromModel: true };
    state.tokenizer = { ...state.tokenizer, info };
    rememberTokenizerSource(state.tokenizer, source);
    send({ kind: 'tokenizer-ready', job, info });
    return;
  }
  send({
    kind: 'tokenizer-loading',
    job,
    message:
      source.kind === 'hub'
        ? `Downloading ${source.id}…`
        : source.kind === 'model'
          ? `Using ${source.name}'s own tokenizer…`
          : 'Reading local files…',
  });
  let loaded: LoadedTokenizer;
  try {
    loaded = await loadTokenizerFrom(source);
  } catch (err) {
    send({ kind: 'tokenizer-failed', job, message: errorMessage(err) });
    return;
  }
  // A slower, older request (a Hub download) must not replace a newer one (local files).
  if (job !== state.tokenizerJob) return;
  state.tokenizer = loaded;
  rememberTokenizerSource(loaded, source);
  invalidate();
  send({ kind: 'tokenizer-ready', job, info: loaded.info });
  if (rebuildRenderer()) await tokenizeDataset();
}
