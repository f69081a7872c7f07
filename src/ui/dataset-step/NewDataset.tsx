// "Start from an empty dataset": no file needed. The studio reads an empty JSONL file like any
// other, then the conversation editor opens on the first row to write by hand (a person's first
// SFT set is often 50 examples written in ten minutes).
import { startEmptyDataset, writeNewExample } from '../curationBridge.ts';
import { useStudio } from '../store/index.ts';
import './curation.css';

export function NewDataset({ compact }: { compact: boolean }) {
  const status = useStudio((s) => s.dataset.status);
  const start = () => {
    startEmptyDataset();
    writeNewExample();
  };
  return (
    <div className={compact ? 'new-dataset new-dataset-compact' : 'new-dataset'}>
      {!compact && <h3>Or write your own</h3>}
      <button
        type="button"
        className={compact ? 'btn btn-sm btn-ghost' : 'btn'}
        data-testid="new-dataset"
        disabled={status === 'reading'}
        onClick={start}
      >
        ✎ Start from an empty dataset
      </button>
      {!compact && (
        <span className="subtle">
          Write conversations by hand, with the tokens the model will train on shown as you type.
        </span>
      )}
    </div>
  );
}
