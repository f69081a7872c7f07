// Model step, second card: the weights the engine trains. From the Hub (the id above, downloaded
// once into the browser's Cache Storage), from a local model folder, or the offline demo model.
// Before loading, the planner's estimate of the GPU memory the run needs, against the adapter (for
// a Hub model, once the user picks the Hub source or a repo: nothing is fetched unasked).
// Once loaded, the model's own tokenizer re-tokenizes the dataset (the Tokenizer card shows it).
import { useEffect, useRef, type ChangeEvent } from 'react';
import type { ModelProgress } from '../../worker/engineProtocol.ts';
import { loadModel, pickModelFiles, requestEstimate } from '../engineBridge.ts';
import { FailureNotice } from '../shell/FailureNotice.tsx';
import { useStudio, useStudioShallow, type EngineModelSource } from '../store/index.ts';
import { MemoryEstimateView } from './MemoryEstimateView.tsx';
import { fmtBytes, fmtCount } from './format.ts';
import './train.css';

const kSources: { id: EngineModelSource; label: string }[] = [
  { id: 'hub', label: 'Hugging Face Hub' },
  { id: 'files', label: 'Local folder' },
  { id: 'demo', label: 'Offline demo' },
];

function SourceDetail() {
  const { source, hubId, endpoint, files } = useStudioShallow((s) => ({
    source: s.engine.source,
    hubId: s.model.hubId,
    endpoint: s.model.endpoint,
    files: s.engine.modelFiles,
  }));
  const folderRef = useRef<HTMLInputElement>(null);
  const onPick = (e: ChangeEvent<HTMLInputElement>) => {
    pickModelFiles(Array.from(e.target.files ?? []));
    e.target.value = '';
  };
  if (source === 'hub') {
    return (
      <p className="muted small">
        Downloads <code>{hubId || '(no id)'}</code> from <code>{endpoint}</code> (the id and
        endpoint of the tokenizer above). Files are kept in this browser&apos;s cache, so the next
        visit loads offline.
      </p>
    );
  }
  if (source === 'demo') {
    return (
      <p className="muted small">
        A tiny Mistral-shaped model (4 layers, hidden size 128, Llama 2 tokenizer with 32k tokens)
        built here with random weights. Nothing is downloaded; its answers are noise, but training
        visibly lowers the loss, so every step of the studio can be tried.
      </p>
    );
  }
  const shown = files
    .map((f) => f.webkitRelativePath || f.name)
    .filter((n) => !n.endsWith('.md') && !n.startsWith('.'));
  return (
    <div className="stack-sm">
      <div className="local-actions">
        <button type="button" className="btn" onClick={() => folderRef.current?.click()}>
          Choose model folder…
        </button>
        <span className="field-hint">
          <code>config.json</code>, <code>model.safetensors</code> (or shards + index),{' '}
          <code>tokenizer.json</code>, <code>tokenizer_config.json</code>. The tokenizer&apos;s
          Local files picker above accepts the same files.
        </span>
      </div>
      <input
        ref={folderRef}
        type="file"
        {...{ webkitdirectory: '' }}
        onChange={onPick}
        hidden
        data-testid="model-folder-input"
      />
      {shown.length > 0 && (
        <ul className="file-list">
          {shown.slice(0, 12).map((n) => (
            <li key={n}>
              <code>{n}</code>
            </li>
          ))}
          {shown.length > 12 && <li className="subtle">+{shown.length - 12} more</li>}
        </ul>
      )}
    </div>
  );
}

const kStageLabel: Record<ModelProgress['stage'], string> = {
  download: 'Downloading',
  upload: 'Uploading to the GPU',
  tune: 'Tuning kernels',
  open: 'Opening',
};

function ModelStatus() {
  const m = useStudio((s) => s.engine.model);
  if (m.status === 'idle') return <span className="subtle">No model loaded for training yet.</span>;
  if (m.status === 'loading') {
    const p = m.progress;
    const pct = p && p.total > 0 ? Math.min(100, (100 * p.done) / p.total) : null;
    return (
      <div className="load-progress" data-testid="model-progress" data-stage={p?.stage ?? ''}>
        <div className="status-line">
          <span className="spinner" aria-hidden />
          <span>{p ? `${kStageLabel[p.stage]} · ${p.message}` : 'Starting…'}</span>
          {p && pct !== null && (
            <span className="subtle num">
              {p.stage === 'tune'
                ? `${p.done} / ${p.total} configurations`
                : `${fmtBytes(p.done)} / ${fmtBytes(p.total)}`}
            </span>
          )}
        </div>
        {pct !== null && (
          <div className="progress">
            <div style={{ width: `${pct}%` }} />
          </div>
        )}
      </div>
    );
  }
  if (m.status === 'failed' && m.failure) {
    return (
      <FailureNotice failure={m.failure} title="Could not load the model." testId="model-error" />
    );
  }
  if (!m.info) return null;
  const i = m.info;
  return (
    <div className="status-line" data-testid="model-status" data-status="ready">
      <span className="badge badge-ok">
        <span className="dot" /> Loaded
      </span>
      <span className="status-name">{i.name}</span>
      <span className="subtle">
        {i.architecture} · {fmtCount(i.params)} params · {i.layers} layers · vocab{' '}
        {fmtCount(i.vocab)} · {i.weightDtype} · {fmtBytes(i.weightBytes)} on the GPU · tokenizer{' '}
        {i.tokenizer}
        {m.template ? ` · template ${m.template}` : ''}
      </span>
    </div>
  );
}

function SavedRunNote() {
  const saved = useStudio((s) => s.train.saved);
  const state = useStudio((s) => s.train.state);
  // A run that cannot be resumed (no whole checkpoint) is explained in the Train step only.
  if (!saved || state !== 'idle' || saved.problem !== undefined) return null;
  return (
    <div className="callout resume-offer">
      <div>
        An unfinished run is saved at step {saved.step} / {saved.totalSteps} ({saved.modelName},{' '}
        {saved.datasetName}). Load that model here, then resume it in the Train step.
      </div>
    </div>
  );
}

export function LoadModelCard() {
  const { source, device, deviceFailure, status, files } = useStudioShallow((s) => ({
    source: s.engine.source,
    device: s.engine.device,
    deviceFailure: s.engine.deviceFailure,
    status: s.engine.model.status,
    files: s.engine.modelFiles.length,
  }));
  const setSource = useStudio((s) => s.setEngineSource);
  // The estimate of a Hub model reads its config.json from the Hub: only once the user picks the
  // Hub source or types a repo (engineBridge re-estimates then), never unasked on the first
  // render, so a studio used with local files makes no request outside its own origin.
  // (A ref of the source last estimated, not a first-render flag: React's StrictMode runs the
  // effect twice on mount.)
  const estimatedFor = useRef(source);
  useEffect(() => {
    const unchanged = estimatedFor.current === source;
    estimatedFor.current = source;
    if (unchanged && source === 'hub') return;
    requestEstimate();
  }, [source]);
  const canLoad =
    device !== 'unavailable' && status !== 'loading' && (source !== 'files' || files > 0);
  return (
    <div className="card load-model-card" data-testid="load-model-card">
      <div className="card-head">
        <div>
          <h2>Model weights for training</h2>
          <p>Loaded onto this machine&apos;s GPU; the tokenizer comes with them.</p>
        </div>
        <div className="segmented" role="group" aria-label="Model source">
          {kSources.map((x) => (
            <button
              key={x.id}
              type="button"
              aria-pressed={source === x.id}
              onClick={() => setSource(x.id)}
              data-testid={`model-source-${x.id}`}
            >
              {x.label}
            </button>
          ))}
        </div>
      </div>
      <div className="card-body stack">
        {device === 'unavailable' && (
          <div className="callout callout-warn" data-testid="webgpu-unavailable">
            <div>
              <strong>WebGPU is not available here</strong>, so models cannot be loaded or trained
              in this browser. Use a recent Chrome or Edge on a machine with a GPU. The tokenizer,
              dataset report and token preview still work.{' '}
              {deviceFailure && (
                <span className="subtle">
                  Details: {deviceFailure.message}
                  {deviceFailure.kind !== 'webgpu-unavailable' && ` ${deviceFailure.hint}`}
                </span>
              )}
            </div>
          </div>
        )}
        <SavedRunNote />
        <SourceDetail />
        <MemoryEstimateView />
        <div className="load-row">
          <button
            type="button"
            className="btn btn-primary"
            data-testid="model-load"
            disabled={!canLoad}
            onClick={() => {
              // Loading from the Hub is asking for it: its estimate comes along if not asked yet.
              if (source === 'hub' && useStudio.getState().engine.estimate.status === 'idle') {
                requestEstimate();
              }
              loadModel();
            }}
          >
            {status === 'ready' ? 'Reload model' : 'Load model'}
          </button>
          <ModelStatus />
        </div>
      </div>
    </div>
  );
}
