// Step 2, Dataset: drop or pick a dataset file, load a Hugging Face Hub dataset (or a sample),
// map the columns of an unknown schema, read the report and the bad lines, and browse the
// examples as tokens.
import { fmtBytes } from '../format.ts';
import { useStudio, useStudioShallow } from '../store/index.ts';
import { DatasetProgress } from './DatasetProgress.tsx';
import { DatasetSummary } from './DatasetSummary.tsx';
import { DropZone } from './DropZone.tsx';
import { ErrorList } from './ErrorList.tsx';
import { ExampleBrowser } from './ExampleBrowser.tsx';
import { HubDatasetPicker } from './HubDatasetPicker.tsx';
import { MappingDialog } from './MappingDialog.tsx';
import { SampleGallery } from './SampleGallery.tsx';
import { NewDataset } from './NewDataset.tsx';
import './dataset.css';
import './tokens.css';

function TokenizerHint() {
  const status = useStudio((s) => s.model.tokenizer.status);
  const setStep = useStudio((s) => s.setStep);
  if (status === 'ready' || status === 'loading') return null;
  return (
    <div className="callout callout-warn">
      <span>
        {status === 'failed'
          ? 'The tokenizer did not load, so only the parse report is shown.'
          : 'No tokenizer yet: the report below covers formats and errors only.'}{' '}
        Load one in the Model step to see token counts, masking and the token preview.
      </span>
      <button type="button" className="btn btn-sm" onClick={() => setStep('model')}>
        Go to Model
      </button>
    </div>
  );
}

export function DatasetPanel() {
  const { status, message, bytes } = useStudioShallow((s) => ({
    status: s.dataset.status,
    message: s.dataset.message,
    bytes: s.dataset.summary?.bytes ?? 0,
  }));
  const loaded = status !== 'empty';
  return (
    <>
      <div className="panel-head">
        <div>
          <h1>Dataset</h1>
          <p className="muted">
            One example per row (JSONL, JSON, CSV/TSV, Parquet or a Hugging Face dataset). Bad rows
            are reported with their row number; good rows are kept as they are
            {bytes ? ` · ${fmtBytes(bytes)} read` : ''}.
          </p>
        </div>
      </div>
      <DropZone compact={loaded} />
      <HubDatasetPicker />
      <SampleGallery compact={loaded} />
      <NewDataset compact={loaded} />
      {status === 'failed' && (
        <div className="callout callout-danger">
          <span>
            <strong>Could not read the dataset.</strong> {message}
          </span>
        </div>
      )}
      <DatasetProgress />
      <MappingDialog />
      {loaded && <TokenizerHint />}
      <DatasetSummary />
      <ErrorList />
      <ExampleBrowser />
    </>
  );
}
