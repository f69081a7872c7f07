// Step 3, Train: what will be trained (model, dataset), Start / Pause-Resume / Stop, the run's
// status (`train-status`: "Step 12 / 40", data-step, data-total, data-state), why Start is not
// possible yet, how long the run will be (and suggestions when too short), the overfitting watch's
// notice, the live chart (with the best eval loss marked), the run's numbers, an offer to resume a
// run a closed tab left behind, and the form.
import {
  continueTraining,
  discardSavedRun,
  pauseTraining,
  resumeSavedRun,
  startTraining,
  stopTraining,
} from '../engineBridge.ts';
import { retokenizeWithModel } from '../datasetChannel.ts';
import { FailureNotice } from '../shell/FailureNotice.tsx';
import { useStudio, useStudioShallow } from '../store/index.ts';
import { LossChart } from './LossChart.tsx';
import { WatchNotice } from './WatchNotice.tsx';
import { RunPlanView } from './RunPlanView.tsx';
import { RunStats } from './RunStats.tsx';
import { startBlocker } from './startGate.ts';
import { TrainForm } from './TrainForm.tsx';
import './train.css';

const kStateLabel = {
  idle: 'Not started',
  loading: 'Preparing',
  running: 'Training',
  paused: 'Paused',
  stopped: 'Stopped',
  done: 'Finished',
  error: 'Stopped with an error',
} as const;

const kStateTone = {
  idle: '',
  loading: 'badge-accent',
  running: 'badge-accent',
  paused: 'badge-warn',
  stopped: 'badge-warn',
  done: 'badge-ok',
  error: 'badge-danger',
} as const;

function ResumeOffer() {
  const saved = useStudio((s) => s.train.saved);
  const state = useStudio((s) => s.train.state);
  const model = useStudio((s) => s.engine.model);
  if (!saved || state === 'running' || state === 'loading') return null;
  const modelReady = model.status === 'ready' && model.info?.name === saved.modelName;
  const when = new Date(saved.savedAt).toLocaleString();
  const broken = saved.problem !== undefined;
  return (
    <div
      className={`callout resume-offer${broken ? ' callout-danger' : ''}`}
      data-testid="train-resume-offer"
      data-step={saved.step}
      data-damaged={saved.warning || broken ? 'true' : 'false'}
    >
      <div className="resume-text">
        <strong>
          An unfinished run was saved at step {saved.step} / {saved.totalSteps}
        </strong>
        <span className="muted">
          {saved.modelName} · {saved.datasetName} · saved {when}.{' '}
          {broken
            ? ''
            : modelReady
              ? 'Resume continues the same run from its checkpoint.'
              : `Load ${saved.modelName} in the Model step to resume it.`}
        </span>
        {saved.warning && (
          <span className="warn-text" data-testid="train-resume-warning">
            {saved.warning}
          </span>
        )}
        {broken && (
          <span className="danger-text" data-testid="train-resume-problem">
            {saved.problem?.replace(/^./, (c) => c.toUpperCase())}. Discard it to start a new run.
          </span>
        )}
      </div>
      <div className="resume-actions">
        <button
          type="button"
          className="btn btn-ghost"
          data-testid="train-resume-discard"
          onClick={discardSavedRun}
        >
          Discard
        </button>
        <button
          type="button"
          className="btn btn-primary"
          data-testid="train-resume"
          disabled={!modelReady || broken}
          onClick={resumeSavedRun}
        >
          {broken ? 'Cannot resume' : `Resume from step ${saved.step}`}
        </button>
      </div>
    </div>
  );
}

/** The planner's estimate for the form's sizes, so a run that will not fit is flagged before Start. */
function MemoryLine() {
  const est = useStudio((s) => s.engine.estimate.value);
  if (!est) return null;
  return (
    <div
      className={`run-memory ${est.level === 'ok' ? 'subtle' : est.level === 'warn' ? 'warn-text' : 'danger-text'}`}
      data-testid="train-memory"
      data-level={est.level}
    >
      {est.message}
    </div>
  );
}

function Controls() {
  const t = useStudioShallow((s) => ({
    state: s.train.state,
    step: s.train.step,
    total: s.train.totalSteps,
    message: s.train.message,
    modelReady: s.engine.model.status === 'ready',
    modelName: s.engine.model.info?.name ?? '',
    dataset: s.dataset.name,
    datasetReady: s.dataset.status === 'ready',
    examples: s.dataset.summary?.validExamples ?? 0,
    failure: s.train.failure,
    device: s.engine.device,
  }));
  const blocker = useStudioShallow(startBlocker);
  const setStep = useStudio((s) => s.setStep);
  const busy = t.state === 'running' || t.state === 'loading';
  const statusText =
    t.state === 'idle'
      ? 'Not started'
      : t.state === 'loading'
        ? t.message || 'Preparing…'
        : `Step ${t.step} / ${t.total}`;
  return (
    <div className="card run-card">
      <div className="run-bar">
        <div className="run-what">
          <div className="run-what-row">
            <span className="field-label">Model</span>
            {t.modelReady ? (
              <span className="run-what-value">{t.modelName}</span>
            ) : (
              <button type="button" className="link-btn" onClick={() => setStep('model')}>
                Load a model first
              </button>
            )}
          </div>
          <div className="run-what-row">
            <span className="field-label">Dataset</span>
            {t.datasetReady ? (
              <span className="run-what-value">
                {t.dataset} <span className="subtle">({t.examples} examples)</span>
              </span>
            ) : (
              <button type="button" className="link-btn" onClick={() => setStep('dataset')}>
                Choose a dataset first
              </button>
            )}
          </div>
        </div>
        <div
          className="run-status"
          data-testid="train-status"
          data-state={t.state}
          data-step={t.step}
          data-total={t.total}
        >
          {t.state !== 'idle' && (
            <span className={`badge ${kStateTone[t.state]}`}>
              {busy && <span className="dot pulse" />}
              {kStateLabel[t.state]}
            </span>
          )}
          <span className="run-step num">{statusText}</span>
        </div>
        <div className="run-buttons">
          <button
            type="button"
            className="btn btn-primary"
            data-testid="train-start"
            disabled={blocker !== null}
            title={blocker?.reason}
            onClick={() => void startTraining()}
          >
            {t.state === 'idle' ? 'Start training' : 'Start new run'}
          </button>
          <button
            type="button"
            className="btn"
            data-testid="train-pause"
            disabled={t.state !== 'running' && t.state !== 'paused'}
            onClick={t.state === 'paused' ? continueTraining : pauseTraining}
          >
            {t.state === 'paused' ? 'Resume' : 'Pause'}
          </button>
          <button
            type="button"
            className="btn"
            data-testid="train-stop"
            disabled={t.state !== 'running' && t.state !== 'paused'}
            onClick={stopTraining}
          >
            Stop
          </button>
        </div>
      </div>
      {t.total > 0 && t.state !== 'idle' && (
        <div className="progress run-progress">
          <div style={{ width: `${Math.min(100, (100 * t.step) / t.total)}%` }} />
        </div>
      )}
      {blocker && !busy && t.device !== 'unavailable' && (
        <div className="start-reason subtle" data-testid="train-start-reason">
          <span>{blocker.reason}</span>
          {blocker.step && (
            <button
              type="button"
              className="btn btn-sm btn-ghost"
              onClick={() => setStep(blocker.step!)}
            >
              Go to {blocker.step === 'model' ? 'Model' : 'Dataset'}
            </button>
          )}
          {blocker.retokenize && (
            <button type="button" className="btn btn-sm" onClick={retokenizeWithModel}>
              Use the model&apos;s tokenizer
            </button>
          )}
        </div>
      )}
      {!busy && <RunPlanView disabled={busy} />}
      {!busy && <MemoryLine />}
      {t.state === 'error' && (
        <div className="run-message">
          <FailureNotice
            failure={
              t.failure ?? { kind: 'internal', message: t.message || 'The run stopped.', hint: '' }
            }
            title="The run stopped with an error."
            testId="train-message"
          />
        </div>
      )}
      {(t.state === 'stopped' || t.state === 'done') && t.message && (
        <div className="run-message muted" data-testid="train-message">
          {t.message}
        </div>
      )}
    </div>
  );
}

export function TrainPanel() {
  const state = useStudio((s) => s.train.state);
  const device = useStudio((s) => s.engine.device);
  const deviceFailure = useStudio((s) => s.engine.deviceFailure);
  const setStep = useStudio((s) => s.setStep);
  const busy = state === 'running' || state === 'loading' || state === 'paused';
  return (
    <>
      <div className="panel-head">
        <div>
          <h1>Train</h1>
          <p className="muted">
            LoRA fine-tuning on this machine&apos;s GPU. Only the assistant turns are learned; the
            data never leaves the browser.
          </p>
        </div>
        <button
          type="button"
          className="btn"
          disabled={state !== 'done' && state !== 'stopped' && state !== 'paused'}
          onClick={() => setStep('try')}
        >
          Continue to Try →
        </button>
      </div>
      {device === 'unavailable' && (
        <div className="callout callout-warn" data-testid="webgpu-unavailable-train">
          <div>
            <strong>Training needs WebGPU</strong>, which this browser does not offer. Open the
            studio in a recent Chrome or Edge on a machine with a GPU; the Model and Dataset steps
            (the dataset report and the token preview) work here.{' '}
            {deviceFailure && (
              <span className="subtle">
                Details: {deviceFailure.message}
                {deviceFailure.kind !== 'webgpu-unavailable' && ` ${deviceFailure.hint}`}
              </span>
            )}
          </div>
        </div>
      )}
      <ResumeOffer />
      <Controls />
      <WatchNotice />
      <div className="train-grid">
        <div className="card chart-card">
          <div className="card-head">
            <div>
              <h2>Loss</h2>
              <p>Next-token cross-entropy over the trained (assistant) tokens of each step.</p>
            </div>
          </div>
          <div className="card-body">
            <LossChart />
          </div>
        </div>
        <RunStats />
      </div>
      <TrainForm disabled={busy} />
    </>
  );
}
