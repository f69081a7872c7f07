// How `sft-studio train` ends when the GPU fails (device lost, out of memory, NaN gradients step
// after step): three plain lines on stderr (what happened, what to change, which checkpoint is kept
// and how to continue) and an exit status per kind, so a script can tell them apart. Never a stack
// trace; the checkpoints already written stay as they are.
import { toFailure, type EngineErrorKind } from '../engine/index.ts';
import { listCheckpoints } from './checkpoints.ts';

const kExit: Partial<Record<EngineErrorKind, number>> = {
  'device-lost': 3,
  'out-of-memory': 4,
  diverged: 5,
};

// --resume takes the settings from the checkpoint: changed settings mean a new run.
const kAgain: Partial<Record<EngineErrorKind, string>> = {
  'device-lost': 'continue with the same command and --resume',
  'out-of-memory':
    '--resume continues with the same settings (enough once other programs free GPU memory); ' +
    'smaller settings need a new run in a new --out folder',
  diverged:
    'a lower learning rate needs a new run in a new --out folder (--resume keeps the settings)',
};

/** The exit status for a GPU failure, or null for any other error (main prints those). */
export function gpuFailureExit(e: unknown): number | null {
  return kExit[toFailure(e).kind] ?? null;
}

/** Prints what happened, what to change and what is kept; returns the exit status. */
export function reportGpuFailure(
  e: unknown,
  /** The last step completed (and logged to metrics.jsonl). */
  step: number,
  outDir: string,
  log: (s: string) => void,
): number {
  const f = toFailure(e);
  log(`train: stopped after step ${step}: ${f.message}.`);
  log(`train: what to change: ${f.hint}`);
  const newest = listCheckpoints(outDir)[0];
  if (newest) {
    const again = kAgain[f.kind] ?? kAgain['device-lost']!;
    log(`train: the last checkpoint is kept: ${newest}; ${again}.`);
  } else {
    log('train: no checkpoint was saved before this (see --save-steps); the next run starts over.');
  }
  return kExit[f.kind] ?? 1;
}
