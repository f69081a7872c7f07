// The "Hugging Face dataset" field of the Dataset step: a dataset id (with well-known SFT sets as
// suggestions) and an optional access token; "Look up" lists the subsets and splits of the Hub's
// Parquet conversion, with row counts as the worker reads them from the Parquet footers; a
// "first N rows" limit for big sets; Load reads the split with range requests into the browser
// cache (a second load works offline). The endpoint is the Model step's, as for models.
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

function SplitPickers() {
  const h = useStudioShallow((s) => ({
    listing: s.hubPicker.listing,
    subset: s.hubPicker.subset,
    split: s.hubPicker.split,
    limit: s.hubPicker.limit,
    token: s.hubPicker.token,
  }));
  const { pickHubSubset, pickHubSplit, setHubLimit } = useStudioShallow((s) => ({
    pickHubSubset: s.pickHubSubset,
    pickHubSplit: s.pickHubSplit,
    setHubLimit: s.setHubLimit,
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
      <div className="field hub-dataset-limit">
        <label htmlFor="hub-dataset-limit">First N rows</label>
        <input
          id="hub-dataset-limit"
          className="input num"
          data-testid="hub-dataset-limit"
          inputMode="numeric"
          placeholder="all"
          value={h.limit}
          aria-invalid={badLimit}
          onChange={(e) => setHubLimit(e.target.value)}
        />
      </div>
      <button
        type="submit"
        className="btn btn-primary"
        data-testid="hub-dataset-load"
        disabled={badLimit || !h.split || reading}
      >
        Load
      </button>
      {badLimit && (
        <span className="field-hint hub-dataset-hint">
          The limit is a whole number of rows; leave it empty for all rows.
        </span>
      )}
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
            Read from the Hub&apos;s Parquet files with range requests, kept in this browser so a
            second load works offline. Endpoint <code>{endpoint}</code>{' '}
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
      </div>
    </section>
  );
}
