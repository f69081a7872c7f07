// The Try step's prompt set, from the dataset worker's parsed examples: for each picked row the
// conversation up to its last assistant turn (the prompt) and that turn (the reference), through
// src/data's promptAndReference, the same split `sft-studio compare` makes. Rows are picked by
// number (the run's held-out rows, RunInfo.evalLines) or as the first N with an assistant turn
// (a run without an eval split).
import { promptAndReference, type Example } from '../data/index.ts';
import type { PromptItem, PromptPick } from './protocol.ts';

export class PromptSetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PromptSetError';
  }
}

export function promptsFor(
  examples: readonly Example[],
  byLine: ReadonlyMap<number, number>,
  pick: PromptPick,
): PromptItem[] {
  const out: PromptItem[] = [];
  if ('lines' in pick) {
    for (const line of pick.lines) {
      const i = byLine.get(line);
      const item = i === undefined ? null : promptAndReference(examples[i]);
      if (item) out.push(item);
    }
    if (out.length === 0 && pick.lines.length > 0) {
      throw new PromptSetError(
        'none of the held-out rows is in the loaded dataset (or none has an assistant turn): load the dataset the run trained on, or use "First N examples"',
      );
    }
    return out;
  }
  for (const ex of examples) {
    if (out.length >= pick.first) break;
    const item = promptAndReference(ex);
    if (item) out.push(item);
  }
  if (out.length === 0) {
    throw new PromptSetError(
      'no example of this dataset has an assistant turn to use as a reference: paste questions instead',
    );
  }
  return out;
}
