// Where the preview's tokenizer comes from: a Hugging Face Hub id (with a configurable endpoint,
// like HF_ENDPOINT) or local tokenizer.json + tokenizer_config.json (files or a whole folder).
// Files that include the weights are also the model for training (handed to the store as given).
// Once a model is loaded, its own tokenizer replaces whatever was picked here.
import { useRef, type ChangeEvent } from 'react';
import { hasModelWeights, pickModelFiles } from '../engineBridge.ts';
import { useStudio, useStudioShallow } from '../store/index.ts';
import { loadTokenizer } from '../datasetChannel.ts';
import { TokenizerStatusLine } from './TokenizerStatusLine.tsx';

const kSuggestions = [
  'HuggingFaceTB/SmolLM2-135M',
  'HuggingFaceTB/SmolLM2-135M-Instruct',
  'HuggingFaceTB/SmolLM2-360M-Instruct',
  'Qwen/Qwen2.5-0.5B-Instruct',
  'Qwen/Qwen3-0.6B',
  'meta-llama/Llama-3.2-1B-Instruct',
];

/** Picks tokenizer.json and tokenizer_config.json out of a file list (files or a folder). */
function pickTokenizerFiles(list: FileList | null): { json?: File; config?: File; all: File[] } {
  const all = list ? Array.from(list) : [];
  const byName = (n: string) => all.find((f) => f.name === n);
  return { json: byName('tokenizer.json'), config: byName('tokenizer_config.json'), all };
}

function LocalFiles() {
  const names = useStudio((s) => s.model.localFileNames);
  const { setLocalFileNames, setSourceKind, tokenizerFailed } = useStudioShallow((s) => ({
    setLocalFileNames: s.setLocalFileNames,
    setSourceKind: s.setSourceKind,
    tokenizerFailed: s.tokenizerFailed,
  }));
  const folderRef = useRef<HTMLInputElement>(null);
  const filesRef = useRef<HTMLInputElement>(null);

  const onPick = (e: ChangeEvent<HTMLInputElement>) => {
    const { json, config, all } = pickTokenizerFiles(e.target.files);
    setSourceKind('files');
    setLocalFileNames(all.map((f) => f.webkitRelativePath || f.name));
    if (hasModelWeights(all)) pickModelFiles(all);
    if (json && config) {
      loadTokenizer({ kind: 'files', tokenizerJson: json, tokenizerConfig: config });
    } else {
      const missing = [!json && 'tokenizer.json', !config && 'tokenizer_config.json'].filter(
        Boolean,
      );
      tokenizerFailed(
        Number.MAX_SAFE_INTEGER,
        `Missing ${missing.join(' and ')} in the selection.`,
      );
    }
    e.target.value = '';
  };

  const shown = names.filter((n) => /tokenizer(_config)?\.json$/.test(n));
  return (
    <div className="local-files">
      <div className="local-actions">
        <button type="button" className="btn" onClick={() => filesRef.current?.click()}>
          Choose files…
        </button>
        <button type="button" className="btn" onClick={() => folderRef.current?.click()}>
          Choose folder…
        </button>
        <span className="field-hint">
          <code>tokenizer.json</code> + <code>tokenizer_config.json</code>, or the model folder
        </span>
      </div>
      <input
        ref={filesRef}
        type="file"
        multiple
        accept=".json,.safetensors,application/json"
        data-testid="model-input"
        onChange={onPick}
        hidden
      />
      <input
        ref={folderRef}
        type="file"
        // Folder picking is not in React's typings; the attribute works in Chromium and Firefox.
        {...{ webkitdirectory: '' }}
        onChange={onPick}
        hidden
      />
      {shown.length > 0 && (
        <ul className="file-list">
          {shown.map((n) => (
            <li key={n}>
              <code>{n}</code>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function HubFields() {
  const { hubId, endpoint, status } = useStudioShallow((s) => ({
    hubId: s.model.hubId,
    endpoint: s.model.endpoint,
    status: s.model.tokenizer.status,
  }));
  const { setHubId, setEndpoint } = useStudioShallow((s) => ({
    setHubId: s.setHubId,
    setEndpoint: s.setEndpoint,
  }));
  const load = () => loadTokenizer({ kind: 'hub', id: hubId.trim(), endpoint: endpoint.trim() });
  return (
    <form
      className="hub-fields"
      onSubmit={(e) => {
        e.preventDefault();
        load();
      }}
    >
      <div className="field hub-id">
        <label htmlFor="hub-id">Model id on the Hub</label>
        <input
          id="hub-id"
          className="input mono"
          data-testid="model-hub-id"
          list="hub-suggestions"
          value={hubId}
          spellCheck={false}
          onChange={(e) => setHubId(e.target.value)}
        />
        <datalist id="hub-suggestions">
          {kSuggestions.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
      </div>
      <div className="field hub-endpoint">
        <label htmlFor="hub-endpoint">Endpoint</label>
        <input
          id="hub-endpoint"
          className="input mono"
          value={endpoint}
          spellCheck={false}
          onChange={(e) => setEndpoint(e.target.value)}
        />
      </div>
      <button
        type="submit"
        className="btn btn-primary"
        disabled={!hubId.trim() || status === 'loading'}
      >
        Load tokenizer
      </button>
    </form>
  );
}

export function TokenizerCard() {
  const sourceKind = useStudio((s) => s.model.sourceKind);
  const setSourceKind = useStudio((s) => s.setSourceKind);
  const fromModel = useStudio((s) => s.model.tokenizer.info?.fromModel ?? false);
  return (
    <div className="card">
      <div className="card-head">
        <div>
          <h2>Tokenizer</h2>
          <p>
            {fromModel
              ? "The loaded model's own tokenizer: the preview shows exactly the tokens that train."
              : 'Only the tokenizer is needed to preview; the model loaded for training brings its own.'}
          </p>
        </div>
        <div className="segmented" role="group" aria-label="Tokenizer source">
          <button
            type="button"
            aria-pressed={sourceKind === 'hub'}
            onClick={() => setSourceKind('hub')}
          >
            Hugging Face Hub
          </button>
          <button
            type="button"
            aria-pressed={sourceKind === 'files'}
            onClick={() => setSourceKind('files')}
          >
            Local files
          </button>
        </div>
      </div>
      <div className="card-body stack">
        {fromModel && (
          <p className="muted small" data-testid="tokenizer-from-model">
            The dataset is tokenized with the loaded model&apos;s tokenizer. Loading another one
            below changes the preview only; Start waits until the model&apos;s is back.
          </p>
        )}
        <div hidden={sourceKind !== 'hub'}>
          <HubFields />
        </div>
        <div hidden={sourceKind !== 'files'}>
          <LocalFiles />
        </div>
        <TokenizerStatusLine />
      </div>
    </div>
  );
}
