// The drop zone and file picker for a dataset file (JSONL, JSONL.gz, JSON, CSV/TSV, Parquet). The file input behind it is the
// `dataset-input` test hook; it stays in the DOM in both the large and the compact layout.
import { useRef, useState, type DragEvent } from 'react';
import { loadDataset } from '../datasetChannel.ts';

export function DropZone({ compact }: { compact: boolean }) {
  const inputRef = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const file = e.dataTransfer.files[0];
    if (file) loadDataset({ kind: 'file', file });
  };

  return (
    <div
      className={`dropzone${compact ? ' dropzone-compact' : ''}${over ? ' dropzone-over' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
      onClick={() => inputRef.current?.click()}
      role="button"
      tabIndex={0}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') inputRef.current?.click();
      }}
    >
      <input
        ref={inputRef}
        type="file"
        accept=".jsonl,.ndjson,.gz,.json,.csv,.tsv,.parquet,.txt,application/jsonl,application/x-ndjson,text/csv,text/tab-separated-values"
        data-testid="dataset-input"
        hidden
        onChange={(e) => {
          const file = e.target.files?.[0];
          if (file) loadDataset({ kind: 'file', file });
          e.target.value = '';
        }}
      />
      <svg width="22" height="22" viewBox="0 0 24 24" aria-hidden className="dropzone-icon">
        <path
          d="M12 16V4m0 0-4 4m4-4 4 4M4 16v2a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-2"
          fill="none"
          stroke="currentColor"
          strokeWidth="1.8"
          strokeLinecap="round"
          strokeLinejoin="round"
        />
      </svg>
      {compact ? (
        <span>
          Drop another dataset file here or <u>browse</u>
        </span>
      ) : (
        <div className="dropzone-text">
          <strong>Drop a dataset file here, or click to browse</strong>
          <span className="muted">
            <code>.jsonl</code> (or <code>.jsonl.gz</code>), <code>.json</code>, <code>.csv</code>,{' '}
            <code>.tsv</code> or <code>.parquet</code>, with <code>messages</code>, Alpaca,{' '}
            <code>prompt</code>/<code>completion</code>, ShareGPT, plain <code>text</code> or
            Dolly-style columns. Read locally, never uploaded.
          </span>
        </div>
      )}
    </div>
  );
}
