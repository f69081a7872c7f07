// The "Hugging Face dataset" field of the Dataset step: a dataset id (with well-known SFT sets as
// suggestions) and an optional access token; "Look up" lists the subsets and splits of the Hub's
// Parquet conversion, with row counts as the worker reads them from the Parquet footers; a
// "first N rows" limit for big sets; Load reads the split with range requests into the browser
// cache (a second load works offline). "Or read one file of the repo" reads one file (JSON Lines,
// JSON, CSV, Parquet) at a branch, tag or commit, with or without Look up: the way in for a set the
// Hub has not converted to Parquet, so a failed look-up opens it. The endpoint is the Model
// step's, as for models.
import { fmtInt } from '../format.ts';
import { useStudio, useStudioShallow } from '../store/index.ts';
import { loadDataset } from '../datasetChannel.ts';
import { lookUpHubDataset } from '../workerBridge.ts';
import type { HubListing, HubSplit } from '../../worker/protocol.ts';
import './hub.css';

const kSuggestions = [
  'databricks/databricks-dolly-15k',
  'tatsu-lab/alpaca',
  'HuggingFaceH4/ultrachat_200k',
  'OpenAssistant/oasst1',
  'vilm/vicuna-format-zalo-ai-2023',
];

function rowsText(split: Pick<HubSplit, 'rows' | 'counted'>): string {
  if (split.rows !== null) return `${fmtInt(split.rows)} rows`;
  return split.counted ? 'rows unknown' : 'counting rows…';
}

/** A subset's rows: the sum of its splits' once all are known. */
function subsetRows(listing: HubListing, name: string): string {
  const splits = listing.subsets.find((s) => s.name === name)?.splits ?? [];
  if (splits.every((s) => s.rows !== null)) {
    return `${fmtInt(splits.reduce((n, s) => n + s.rows!, 0))} rows`;
  }
  return splits.every((s) => s.counted) ? 'rows unknown' : 'counting rows…';
}

/** The typed limit as a row count: null for all rows, NaN when it is not a positive integer. */
export function parseLimit(text: string): number | null {
  const t = text.trim().replace(/[,_ ]/g, '');
  if (t === '') return null;
  return /^\d+$/.test(t) && Number(t) > 0 ? Number(t) : NaN;
}

const kRepoId = /^[\w.-]+\/[\w.-]+$/;

/** "First N rows": in the split pickers, or in the file form when nothing was looked up. */
function LimitField() {
  const limit = useStudio((s) => s.hubPicker.limit);
  const setHubLimit = useStudio((s) => s.setHubLimit);
  return (
    <div className="field hub-dataset-limit">
      <label htmlFor="hub-dataset-limit">First N rows</label>
      <input
        id="hub-dataset-limit"
        className="input num"
        data-testid="hub-dataset-limit"
        inputMode="numeric"
        placeholder="all"
        value={limit}
        aria-invalid={Number.isNaN(parseLimit(limit))}
        onChange={(e) => setHubLimit(e.target.value)}
      />
    </div>
  );
}

const kBadLimit = 'The limit is a whole number of rows; leave it empty for all rows.';

/** "Or read one file of the repo": a path and a revision, read with the same limit and token. */
function FileOption() {
  const h = useStudioShallow((s) => ({
    repo: s.hubPicker.repo.trim(),
    token: s.hubPicker.token.trim(),
    limit: s.hubPicker.limit,
    open: s.hubPicker.fileOpen,
    file: s.hubPicker.file,
    revision: s.hubPicker.revision,
    listed: s.hubPicker.listing !== null,
  }));
  const endpoint = useStudio((s) => s.model.endpoint);
  const { setHubFileOpen, setHubFile, setHubRevision } = useStudioShallow((s) => ({
    setHubFileOpen: s.setHubFileOpen,
    setHubFile: s.setHubFile,
    setHubRevision: s.setHubRevision,
  }));
  const reading = useStudio(
    (s) => s.dataset.source?.kind === 'hub' && s.dataset.status === 'reading',
  );
  const file = h.file.trim().replace(/^\/+/, '');
  const revision = h.revision.trim();
  const limit = parseLimit(h.limit);
  const badLimit = Number.isNaN(limit);
  const badRepo = h.repo !== '' && !kRepoId.test(h.repo);
  const ready = kRepoId.test(h.repo) && file !== '' && !badLimit;
  const load = () =>
    loadDataset({
      kind: 'hub',
      repo: h.repo,
      file,
      ...(revision ? { revision } : {}),
      limit,
      endpoint,
      ...(h.token ? { token: h.token } : {}),
    });
  return (
    <div className="hub-dataset-file-option">
      <button
        type="button"
        className="hub-dataset-link"
        data-testid="hub-dataset-file-toggle"
        aria-expanded={h.open}
        onClick={() => setHubFileOpen(!h.open)}
      >
        {h.open ? '▾' : '▸'} Or read one file of the repo
      </button>
      {h.open && (
        <form
          className={`hub-dataset-file${h.listed ? '' : ' hub-dataset-file-limited'}`}
          data-testid="hub-dataset-file-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (ready && !reading) load();
          }}
        >
          <div className="field">
            <label htmlFor="hub-dataset-file">Path in the repo</label>
            <input
              id="hub-dataset-file"
              className="input mono"
              data-testid="hub-dataset-file"
              placeholder="data/train.jsonl"
              value={h.file}
              spellCheck={false}
              onChange={(e) => setHubFile(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="hub-dataset-revision">Revision (branch, tag or commit)</label>
            <input
              id="hub-dataset-revision"
              className="input mono"
              data-testid="hub-dataset-revision"
              placeholder="main"
              value={h.revision}
              spellCheck={false}
              onChange={(e) => setHubRevision(e.target.value)}
            />
          </div>
          {!h.listed && <LimitField />}
          <button
            type="submit"
            className="btn"
            data-testid="hub-dataset-load-file"
            disabled={!ready || reading}
          >
            Load file
          </button>
          <span className="field-hint hub-dataset-hint">
            {badRepo
              ? 'The dataset id above is org/name.'
              : badLimit && !h.listed
                ? kBadLimit
                : h.listed
                  ? 'JSON Lines, JSON, CSV or Parquet, read as it is; the First N rows above apply.'
                  : 'JSON Lines, JSON, CSV or Parquet, read as it is: no Parquet conversion needed.'}
          </span>
        </form>
      )}
    </div>
  );
}

function SplitPickers() {
  const h = useStudioShallow((s) => ({
    listing: s.hubPicker.listing,
    subset: s.hubPicker.subset,
    split: s.hubPicker.split,
    limit: s.hubPicker.limit,
    token: s.hubPicker.token,
  }));
  const { pickHubSubset, pickHubSplit } = useStudioShallow((s) => ({
    pickHubSubset: s.pickHubSubset,
    pickHubSplit: s.pickHubSplit,
  }));
  const reading = useStudio(
    (s) => s.dataset.source?.kind === 'hub' && s.dataset.status === 'reading',
  );
  const { listing } = h;
  if (!listing) return null;
  const splits = listing.subsets.find((s) => s.name === h.subset)?.splits ?? [];
  const limit = parseLimit(h.limit);
  const badLimit = Number.isNaN(limit);
  const load = () =>
    loadDataset({
      kind: 'hub',
      repo: listing.repo,
      subset: h.subset,
      split: h.split,
      limit,
      endpoint: listing.endpoint,
      ...(h.token.trim() ? { token: h.token.trim() } : {}),
    });
  return (
    <form
      className="hub-dataset-pick"
      onSubmit={(e) => {
        e.preventDefault();
        if (!badLimit && h.split) load();
      }}
    >
      <div className="field">
        <label htmlFor="hub-dataset-subset">Subset</label>
        <select
          id="hub-dataset-subset"
          className="select"
          data-testid="hub-dataset-subset"
          value={h.subset}
          onChange={(e) => pickHubSubset(e.target.value)}
        >
          {listing.subsets.map((s) => (
            <option key={s.name} value={s.name}>
              {s.name} · {subsetRows(listing, s.name)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="hub-dataset-split">Split</label>
        <select
          id="hub-dataset-split"
          className="select"
          data-testid="hub-dataset-split"
          value={h.split}
          onChange={(e) => pickHubSplit(e.target.value)}
        >
          {splits.map((s) => (
            <option key={s.name} value={s.name}>
              {s.name} · {rowsText(s)}
            </option>
          ))}
        </select>
      </div>
      <LimitField />
      <button
        type="submit"
        className="btn btn-primary"
        data-testid="hub-dataset-load"
        disabled={badLimit || !h.split || reading}
      >
        Load
      </button>
      {badLimit && <span className="field-hint hub-dataset-hint">{kBadLimit}</span>}
    </form>
  );
}

export function HubDatasetPicker() {
  const h = useStudioShallow((s) => ({
    repo: s.hubPicker.repo,
    token: s.hubPicker.token,
    status: s.hubPicker.status,
    message: s.hubPicker.message,
  }));
  const endpoint = useStudio((s) => s.model.endpoint);
  const { setHubRepo, setHubToken, setStep } = useStudioShallow((s) => ({
    setHubRepo: s.setHubRepo,
    setHubToken: s.setHubToken,
    setStep: s.setStep,
  }));
  const lookUp = () => lookUpHubDataset(h.repo.trim(), endpoint, h.token.trim());
  return (
    <section className="card hub-dataset" data-testid="hub-dataset">
      <div className="card-head">
        <div>
          <h2>Hugging Face dataset</h2>
          <p>
            A split of the Hub&apos;s Parquet conversion (read with range requests) or one file of
            the repo, kept in this browser so a second load works offline. Endpoint{' '}
            <code>{endpoint}</code>{' '}
            <button type="button" className="hub-dataset-link" onClick={() => setStep('model')}>
              (Model step)
            </button>
          </p>
        </div>
      </div>
      <div className="card-body hub-dataset-body">
        <form
          className="hub-dataset-lookup"
          onSubmit={(e) => {
            e.preventDefault();
            if (h.repo.trim()) lookUp();
          }}
        >
          <div className="field">
            <label htmlFor="hub-dataset-id">Dataset id</label>
            <input
              id="hub-dataset-id"
              className="input mono"
              data-testid="hub-dataset-id"
              list="hub-dataset-suggestions"
              placeholder="org/name"
              value={h.repo}
              spellCheck={false}
              onChange={(e) => setHubRepo(e.target.value)}
            />
            <datalist id="hub-dataset-suggestions">
              {kSuggestions.map((s) => (
                <option key={s} value={s} />
              ))}
            </datalist>
          </div>
          <div className="field">
            <label htmlFor="hub-dataset-token">Access token (gated or private sets)</label>
            <input
              id="hub-dataset-token"
              className="input mono"
              data-testid="hub-dataset-token"
              type="password"
              autoComplete="off"
              placeholder="optional: hf_…"
              value={h.token}
              onChange={(e) => setHubToken(e.target.value)}
            />
          </div>
          <button
            type="submit"
            className="btn"
            data-testid="hub-dataset-lookup"
            disabled={!h.repo.trim() || h.status === 'looking'}
          >
            {h.status === 'looking' ? 'Looking up…' : 'Look up'}
          </button>
        </form>
        {h.status === 'failed' && (
          <div className="callout callout-danger" data-testid="hub-dataset-error">
            <span>
              <strong>Could not look up the dataset.</strong> {h.message}
            </span>
          </div>
        )}
        <SplitPickers />
        <FileOption />
      </div>
    </section>
  );
}
