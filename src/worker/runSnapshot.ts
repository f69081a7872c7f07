// What the engine worker saves of a run with each checkpoint (the `SavedRun` beside the checkpoint
// bytes in IndexedDB) and what a resume takes back from it. Besides the step, settings and metrics,
// it carries what the model card says about the data: the dataset's name, how its rows were read
// and what the Dataset step's curation dropped, edited and added. A run resumed after a reload or
// after a device loss has no `train-start` message to learn these from, so without them its card
// would differ from the uninterrupted run's.
import type { CurationRecord, SavedRun } from './engineProtocol.ts';
import type { Run } from './engineState.ts';

/** What the model card says about a run's data beyond its examples (kept on the run, saved with
 * each of its checkpoints, restored on resume). */
export interface RunDataFacts {
  datasetName: string;
  /** How the dataset's rows were read (column mapping, recognised schemas). */
  datasetReading?: string;
  /** What the Dataset step's curation dropped, edited and added. */
  curation?: CurationRecord;
}

/** The record saved with the checkpoint of `run` at `step`. */
export function snapshotOf(
  run: Pick<Run, 'datasetName' | 'datasetReading' | 'curation' | 'history'> & {
    training: { info: { totalSteps: number }; settings: SavedRun['settings'] };
  },
  model: { name: string; kind: SavedRun['modelKind'] },
  step: number,
  savedAt: number,
): SavedRun {
  return {
    step,
    totalSteps: run.training.info.totalSteps,
    savedAt,
    modelName: model.name,
    modelKind: model.kind,
    datasetName: run.datasetName,
    ...(run.datasetReading ? { datasetReading: run.datasetReading } : {}),
    ...(run.curation ? { curation: { ...run.curation } } : {}),
    settings: run.training.settings,
    history: run.history.filter((h) => h.step <= step),
  };
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0;

/** A stored curation record as it was saved, or undefined when the record has none (a run saved
 * before curation was kept) or what is stored is not one (the card then says nothing of it rather
 * than something false). */
function curationOf(x: unknown): CurationRecord | undefined {
  const c = x as Partial<CurationRecord> | null | undefined;
  if (!c || typeof c !== 'object') return undefined;
  const { dropped, droppedUnflagged, edited, added, droppedByFlag } = c;
  if (![dropped, droppedUnflagged, edited, added].every(isCount)) return undefined;
  if (!droppedByFlag || typeof droppedByFlag !== 'object') return undefined;
  const byFlag: CurationRecord['droppedByFlag'] = {};
  for (const [kind, n] of Object.entries(droppedByFlag)) {
    if (!isCount(n)) return undefined;
    byFlag[kind] = n;
  }
  return {
    dropped: dropped as number,
    droppedByFlag: byFlag,
    droppedUnflagged: droppedUnflagged as number,
    edited: edited as number,
    added: added as number,
  };
}

/** What a resumed run takes back from the record saved with its checkpoint. */
export function dataFactsOf(saved: SavedRun): RunDataFacts {
  const curation = curationOf(saved.curation);
  return {
    datasetName: saved.datasetName,
    ...(typeof saved.datasetReading === 'string' && saved.datasetReading
      ? { datasetReading: saved.datasetReading }
      : {}),
    ...(curation ? { curation } : {}),
  };
}
