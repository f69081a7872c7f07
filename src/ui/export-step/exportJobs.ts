// The Export step's side of the engine worker's export jobs (src/worker/engineExport.ts): measure
// an export (its size and files, before writing), write it to a download or a picked file or
// folder, cancel it. Replies are routed by job number to the card that asked (engineBridge.ts
// hands every export event to `exportEvent`). The TRL project needs the tokenized dataset: it is
// taken from the dataset worker as Start takes it (a copy, transferred to the engine worker), with
// the Train form's settings.
import type {
  EngineEvent,
  ExportOptions,
  ExportTarget,
  TrlInput,
} from '../../worker/engineProtocol.ts';
import { takeExamples } from '../datasetChannel.ts';
import { exampleSetTransfer, newJob, post, usable } from '../engineChannel.ts';
import { useStudio } from '../store/index.ts';

export type ExportEvent = Extract<
  EngineEvent,
  {
    kind:
      | 'export-measured'
      | 'export-measure-failed'
      | 'export-progress'
      | 'export-written'
      | 'export-write-failed'
      | 'export-cancelled';
  }
>;

const listeners = new Map<number, (e: ExportEvent) => void>();

/** Called by engineBridge for every export event. */
export function exportEvent(e: ExportEvent): void {
  listeners.get(e.job)?.(e);
}

/** Stops listening to a job (a newer one replaced it, or it ended). */
export function forgetJob(job: number): void {
  listeners.delete(job);
}

async function trlInput(options: ExportOptions): Promise<TrlInput | null> {
  if (options.kind !== 'trl') return null;
  const { name, examples } = await takeExamples();
  const s = useStudio.getState();
  return {
    examples,
    datasetName: name || s.dataset.name,
    settings: s.train.settings,
    template: s.model.template,
    date: s.model.date,
  };
}

const withUsable = (o: ExportOptions): ExportOptions => ({ ...o, which: usable(o.which) });

/** Asks for an export's size and files; the reply goes to `onEvent`. Returns the job number. */
export async function measureExport(
  options: ExportOptions,
  job: number,
  onEvent: (e: ExportEvent) => void,
): Promise<void> {
  listeners.set(job, onEvent);
  const trl = await trlInput(options);
  post(
    { kind: 'export-measure', job, options: withUsable(options), trl },
    trl ? exampleSetTransfer(trl.examples) : [],
  );
}

/** Writes an export to `target`; progress and the result go to `onEvent`. */
export async function writeExport(
  options: ExportOptions,
  target: ExportTarget,
  job: number,
  onEvent: (e: ExportEvent) => void,
): Promise<void> {
  listeners.set(job, onEvent);
  const trl = await trlInput(options);
  post(
    { kind: 'export-write', job, options: withUsable(options), trl, target },
    trl ? exampleSetTransfer(trl.examples) : [],
  );
}

export function cancelExport(job: number): void {
  post({ kind: 'export-cancel', job });
}

export { newJob };
