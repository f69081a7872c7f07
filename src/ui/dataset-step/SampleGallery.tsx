// Sample datasets, one click away.
import { useStudio } from '../store/index.ts';
import { loadDataset } from '../datasetChannel.ts';
import { kSamples, sampleUrl } from './samples.ts';

export function SampleGallery({ compact }: { compact: boolean }) {
  const source = useStudio((s) => s.dataset.source);
  const current = source?.kind === 'url' ? source.url : null;
  if (compact) {
    return (
      <div className="sample-links">
        <span className="subtle">Samples:</span>
        {kSamples.map((s) => (
          <button
            key={s.id}
            type="button"
            className="btn btn-sm btn-ghost"
            aria-pressed={current === sampleUrl(s)}
            data-testid={`sample-${s.id}`}
            onClick={() => loadDataset({ kind: 'url', url: sampleUrl(s), name: s.title })}
          >
            {s.title}
          </button>
        ))}
      </div>
    );
  }
  return (
    <div className="samples">
      <h3>Or start from a sample</h3>
      <div className="sample-grid">
        {kSamples.map((s) => (
          <button
            key={s.id}
            type="button"
            className="sample-card"
            data-testid={`sample-${s.id}`}
            onClick={() => loadDataset({ kind: 'url', url: sampleUrl(s), name: s.title })}
          >
            <span className="sample-title">{s.title}</span>
            <span className="sample-desc">{s.description}</span>
            <span className="sample-meta">
              <span className="badge">{s.format}</span>
              <span className="badge">{s.language}</span>
            </span>
          </button>
        ))}
      </div>
    </div>
  );
}
