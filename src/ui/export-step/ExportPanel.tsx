// Step 5, Export: the PEFT adapter as files (adapter_model.safetensors, adapter_config.json),
// a model card (README.md) and a snippet that loads the adapter with `peft`. The files are built
// by the engine worker from the current LoRA weights whenever the run has moved on, or from the
// weights kept at the best eval loss when the user picks those (runs with an eval split). Then the
// merged model, GGUF, LoRA GGUF and TRL project (ModelExports.tsx), from the same adapter choice.
import { useEffect, useState } from 'react';
import { downloadFile } from '../downloadFile.ts';
import { buildExport } from '../engineBridge.ts';
import { FailureNotice } from '../shell/FailureNotice.tsx';
import { useStudioShallow } from '../store/index.ts';
import { fmtBytes } from '../train-step/format.ts';
import { AdapterSelect } from '../try-step/AdapterSelect.tsx';
import { adapterZip, kAdapterZipName } from './adapterZip.ts';
import { ModelExports } from './ModelExports.tsx';
import './export.css';

function FileRow({
  name,
  size,
  what,
  testId,
  onClick,
  disabled,
}: {
  name: string;
  size: string;
  what: string;
  testId: string;
  onClick: () => void;
  disabled: boolean;
}) {
  return (
    <li className="export-file">
      <div className="export-file-text">
        <code>{name}</code>
        <span className="subtle">{what}</span>
      </div>
      <span className="num subtle">{size}</span>
      <button
        type="button"
        className="btn"
        data-testid={testId}
        disabled={disabled}
        onClick={onClick}
      >
        Download
      </button>
    </li>
  );
}

export function ExportPanel() {
  const { exported, trainState, step, visible, bestStep, setWhich } = useStudioShallow((s) => ({
    exported: s.exported,
    trainState: s.train.state,
    step: s.train.step,
    visible: s.ui.step === 'export',
    bestStep: s.train.bestStep,
    setWhich: s.setExportWhich,
  }));
  const [copied, setCopied] = useState(false);
  const trained = trainState === 'done' || trainState === 'stopped' || trainState === 'paused';
  const want = bestStep === null ? 'last' : exported.which;
  const stale =
    exported.status !== 'building' &&
    (exported.files === null || exported.step !== step || exported.built !== want);
  useEffect(() => {
    if (visible && trained && stale) buildExport();
  }, [visible, trained, stale]);
  const f = exported.files;
  const ready = exported.status === 'ready' && f !== null;
  const text = (s: string) => fmtBytes(new TextEncoder().encode(s).length);
  return (
    <>
      <div className="panel-head">
        <div>
          <h1>Export</h1>
          <p className="muted">
            The LoRA adapter as Hugging Face PEFT loads it, the merged model, GGUF for llama.cpp and
            Ollama, and a TRL project to run the same training on GPUs elsewhere.
          </p>
        </div>
        <AdapterSelect
          id="export-which"
          testId="export-which"
          value={want}
          onChange={setWhich}
          disabled={exported.status === 'building'}
        />
      </div>
      {!trained && (
        <div className="callout">
          <div>
            Train an adapter first (Train step); the files are built from its current weights.
          </div>
        </div>
      )}
      {exported.status === 'failed' && exported.failure && (
        <FailureNotice
          failure={exported.failure}
          title="Could not build the adapter files."
          testId="export-error"
        />
      )}
      <div className="card">
        <div className="card-head">
          <div>
            <h2>Adapter files</h2>
            <p data-testid="export-built" data-which={ready ? exported.built : ''}>
              {ready
                ? `Built from the weights at step ${exported.built === 'best' && bestStep !== null ? `${bestStep} (best eval loss)` : exported.step}. Put them in one folder.`
                : exported.status === 'building'
                  ? 'Building the files…'
                  : 'Not built yet.'}
            </p>
          </div>
        </div>
        <ul className="export-files">
          <FileRow
            name={kAdapterZipName}
            what="The adapter PEFT loads: adapter_model.safetensors + adapter_config.json (and the card); unzip into one folder"
            size={
              f
                ? fmtBytes(
                    f.adapterSafetensors.byteLength + f.adapterConfig.length + f.modelCard.length,
                  )
                : '–'
            }
            testId="download-adapter"
            disabled={!ready}
            onClick={() => downloadFile(kAdapterZipName, adapterZip(f!), 'application/zip')}
          />
          <FileRow
            name="adapter_model.safetensors"
            what="LoRA A and B matrices (F32), PEFT key names"
            size={f ? fmtBytes(f.adapterSafetensors.byteLength) : '–'}
            testId="download-safetensors"
            disabled={!ready}
            onClick={() =>
              downloadFile(
                'adapter_model.safetensors',
                f!.adapterSafetensors,
                'application/octet-stream',
              )
            }
          />
          <FileRow
            name="adapter_config.json"
            what="LoraConfig: r, lora_alpha, target_modules, base model"
            size={f ? text(f.adapterConfig) : '–'}
            testId="download-config"
            disabled={!ready}
            onClick={() =>
              downloadFile('adapter_config.json', f!.adapterConfig, 'application/json')
            }
          />
          <FileRow
            name="README.md"
            what="Model card: base model, dataset, hyperparameters, final losses"
            size={f ? text(f.modelCard) : '–'}
            testId="download-card"
            disabled={!ready}
            onClick={() => downloadFile('README.md', f!.modelCard, 'text/markdown')}
          />
        </ul>
      </div>
      <div className="card" data-testid="howto-adapter">
        <div className="card-head">
          <div>
            <h2>Load it with peft</h2>
            <p>Python, with transformers and peft installed.</p>
          </div>
          <button
            type="button"
            className="btn btn-sm"
            disabled={!ready}
            onClick={() => {
              void navigator.clipboard?.writeText(f!.peftSnippet).then(() => setCopied(true));
            }}
          >
            {copied ? 'Copied' : 'Copy'}
          </button>
        </div>
        <pre className="code-block" data-testid="peft-snippet">
          {f?.peftSnippet ?? 'from peft import PeftModel\n# …available once an adapter is built'}
        </pre>
      </div>
      {ready && (
        <details className="card model-card-preview">
          <summary>Model card preview</summary>
          <pre className="code-block">{f.modelCard}</pre>
        </details>
      )}
      <ModelExports visible={visible} trained={trained} />
    </>
  );
}
