// One export card's state: its measure (size and files, asked again whenever what it depends on
// changes while the Export step is shown) and its write (progress, done, cancelled, failed), with
// the actions that start and cancel a write. Kept in the card (React state): nothing else reads it.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { EngineFailure, ExportMeasure, ExportOptions } from '../../worker/engineProtocol.ts';
import { internalFailure } from '../engineChannel.ts';
import { saveBlob } from '../downloadFile.ts';
import { canPick, pickTarget } from './exportDownload.ts';
import {
  cancelExport,
  forgetJob,
  measureExport,
  newJob,
  writeExport,
  type ExportEvent,
} from './exportJobs.ts';

export interface MeasureState {
  status: 'idle' | 'measuring' | 'ready' | 'failed';
  value: ExportMeasure | null;
  failure: EngineFailure | null;
}

export interface WriteState {
  status: 'idle' | 'writing' | 'done' | 'cancelled' | 'failed';
  job: number;
  done: number;
  total: number;
  file: string;
  /** Where it went: a download, or a file or folder the user picked. */
  to: 'download' | 'picked';
  failure: EngineFailure | null;
}

const kIdleWrite: WriteState = {
  status: 'idle',
  job: 0,
  done: 0,
  total: 0,
  file: '',
  to: 'download',
  failure: null,
};

/** The merged folder and the TRL project are several files (a zip, or a folder when picked). */
export const isMulti = (kind: ExportOptions['kind']) => kind === 'merged' || kind === 'trl';

const failureOf = (e: unknown): EngineFailure => ({
  kind: 'bad-input',
  message: e instanceof Error ? e.message : String(e),
  hint: 'Check the Dataset and Model steps, then try again.',
});

/**
 * `ready` says the export can be measured now (a trained adapter, or for the TRL project a
 * tokenized dataset); `key` changes whenever its size could (options, step, settings, dataset).
 */
export function useExport(options: ExportOptions, ready: boolean, key: string, visible: boolean) {
  const [measure, setMeasure] = useState<MeasureState>({
    status: 'idle',
    value: null,
    failure: null,
  });
  const [write, setWrite] = useState<WriteState>(kIdleWrite);
  const measured = useRef('');
  const measureJob = useRef(0);

  useEffect(() => {
    if (!visible || !ready || measured.current === key) return;
    measured.current = key;
    forgetJob(measureJob.current);
    const job = newJob();
    measureJob.current = job;
    setMeasure((m) => ({ status: 'measuring', value: m.value, failure: null }));
    measureExport(options, job, (e) => {
      if (e.kind === 'export-measured')
        setMeasure({ status: 'ready', value: e.measure, failure: null });
      else if (e.kind === 'export-measure-failed')
        setMeasure({ status: 'failed', value: null, failure: e.failure });
      forgetJob(job);
    }).catch((err: unknown) => {
      forgetJob(job);
      setMeasure({ status: 'failed', value: null, failure: failureOf(err) });
    });
  }, [visible, ready, key, options]);

  // The job being written: events of an earlier job (replaced or cancelled) are ignored.
  const writeJob = useRef(0);
  const onWriteEvent = useCallback((e: ExportEvent) => {
    if (e.job !== writeJob.current) return;
    if (e.kind !== 'export-progress') forgetJob(e.job);
    if (e.kind === 'export-written' && e.file) saveBlob(e.file, e.name);
    setWrite((w) => {
      switch (e.kind) {
        case 'export-progress':
          return { ...w, done: e.done, total: e.total, file: e.file };
        case 'export-written':
          return { ...w, status: 'done', done: e.bytes, total: e.bytes, file: e.name };
        case 'export-cancelled':
          return { ...w, status: 'cancelled' };
        case 'export-write-failed':
          return { ...w, status: 'failed', failure: e.failure };
        default:
          return w;
      }
    });
  }, []);

  const start = useCallback(
    async (to: 'download' | 'picked') => {
      const m = measure.value;
      try {
        let target: Parameters<typeof writeExport>[1] = { kind: 'download' };
        if (to === 'picked') {
          const picked = await pickTarget(m?.name ?? 'export', isMulti(options.kind));
          if (!picked) return;
          target = picked;
        }
        const job = newJob();
        writeJob.current = job;
        setWrite({ ...kIdleWrite, status: 'writing', job, total: m?.bytes ?? 0, to });
        await writeExport(options, target, job, onWriteEvent);
      } catch (err) {
        setWrite((w) => ({
          ...w,
          status: 'failed',
          failure: err instanceof Error ? failureOf(err) : internalFailure(String(err)),
        }));
      }
    },
    [measure.value, options, onWriteEvent],
  );

  const cancel = useCallback(() => {
    if (write.status === 'writing') cancelExport(write.job);
  }, [write]);

  return {
    measure,
    write,
    canPick: canPick(isMulti(options.kind)),
    download: () => void start('download'),
    pick: () => void start('picked'),
    cancel,
  };
}
