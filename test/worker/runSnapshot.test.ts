// What the engine worker saves of a run with each checkpoint and takes back on resume
// (src/worker/runSnapshot.ts), through the same save and resume path as IndexedDB
// (checkpointSlots.ts) over a structured-cloning in-memory storage: the curation record and the
// dataset reading survive, so the model card of a resumed run (after a reload or a device loss,
// both of which resume from this record) equals the uninterrupted run's. A record saved before
// curation was kept, or a damaged one, gives a card without a curation line, never a false one.
import { describe, expect, it } from 'vitest';
import {
  examplesDigest,
  loadResumable,
  saveCheckpoint,
  type RunRecord,
  type RunStorage,
  type StoreOp,
} from '../../src/worker/checkpointSlots.ts';
import { dataFactsOf, snapshotOf, type RunDataFacts } from '../../src/worker/runSnapshot.ts';
import { modelCard, type CardFacts } from '../../src/engine/card.ts';
import { encodeCheckpoint } from '../../src/train/checkpoint.ts';
import { kDefaultTrain } from '../../src/train/config.ts';
import { kDefaultSettings } from '../../src/engine/settings.ts';
import type { CurationRecord, ExampleSet, SavedRun } from '../../src/worker/engineProtocol.ts';

/** Map-backed storage that stores what IndexedDB would: structured clones. */
class MemoryStorage implements RunStorage {
  run: unknown = undefined;
  checkpoints = new Map<number, unknown>();
  update(plan: Parameters<RunStorage['update']>[0]): Promise<void> {
    const id = (this.run as { id?: unknown } | undefined)?.id;
    const ops: StoreOp[] = plan({
      runId: typeof id === 'string' ? id : null,
      steps: [...this.checkpoints.keys()],
    });
    for (const op of ops) {
      if (op.kind === 'put-run') this.run = structuredClone(op.rec);
      else if (op.kind === 'put-checkpoint')
        this.checkpoints.set(op.rec.step, structuredClone(op.rec));
      else this.checkpoints.delete(op.step);
    }
    return Promise.resolve();
  }
  readAll() {
    return Promise.resolve({ run: this.run, checkpoints: [...this.checkpoints.values()] });
  }
  clear() {
    this.run = undefined;
    this.checkpoints.clear();
    return Promise.resolve();
  }
}

const examples: ExampleSet = {
  fingerprint: 'fp',
  count: 1,
  lines: Int32Array.from([1]),
  offsets: Int32Array.from([0, 3]),
  ids: Int32Array.from([5, 6, 7]),
  marks: Uint8Array.from([0, 0x83, 0x83]),
  fullLength: Int32Array.from([3]),
  truncatedTrained: Int32Array.from([0]),
};

const curation: CurationRecord = {
  dropped: 3,
  droppedByFlag: { duplicate: 2, pii: 1 },
  droppedUnflagged: 0,
  edited: 1,
  added: 2,
};

function checkpointBytes(step: number): Uint8Array {
  const fill = (k: number) => Float32Array.from({ length: 4 }, (_, i) => step + k + i);
  return encodeCheckpoint({
    step,
    totalSteps: 10,
    seqLen: 8,
    hyper: kDefaultTrain,
    spec: { r: 1, alpha: 2, useRslora: false, targets: ['q_proj'] },
    baseModel: 'tiny',
    elapsedSeconds: step,
    params: fill(0),
    m: fill(1),
    v: fill(2),
  });
}

/** A run as engineRun.ts holds it, with the facts it started with. */
function liveRun(facts: RunDataFacts) {
  return {
    ...facts,
    history: [1, 2, 3, 4].map((step) => ({ step, loss: 2 - step / 10, lr: 1e-4 })),
    training: { info: { totalSteps: 10 }, settings: kDefaultSettings },
  };
}

/** The card of a run with these data facts (everything else fixed). */
function card(facts: RunDataFacts): string {
  const rest: Omit<CardFacts, keyof RunDataFacts> = {
    baseModel: 'tiny',
    datasetExamples: 5,
    trainExamples: 5,
    evalExamples: 0,
    hyper: kDefaultTrain,
    targets: ['q_proj'],
    steps: 10,
    totalSteps: 10,
    seqLen: 8,
    finalLoss: 1.5,
    finalEvalLoss: null,
    elapsedSeconds: 3,
    device: 'test',
  };
  return modelCard({ ...rest, ...facts });
}

/** Saves the run's checkpoint at `step` as engineRun.ts does, then reads back what a resume uses. */
async function saveAndResume(facts: RunDataFacts, step = 3): Promise<SavedRun> {
  const storage = new MemoryStorage();
  const stored: RunRecord = {
    id: 'run-1',
    examples,
    examplesDigest: await examplesDigest(examples),
    template: { kind: 'model' },
    date: '',
  };
  const saved = snapshotOf(liveRun(facts), { name: 'tiny', kind: 'demo' }, step, 0);
  await saveCheckpoint(storage, stored, step, saved, checkpointBytes(step));
  const r = await loadResumable(storage);
  if (!r?.checkpoint) throw new Error(`nothing to resume: ${r?.problem ?? 'no saved run'}`);
  return r.checkpoint.run;
}

describe('a run record survives resume', () => {
  it('keeps the curation record and the dataset reading, so the resumed card is the same', async () => {
    const facts: RunDataFacts = {
      datasetName: 'chat.jsonl',
      datasetReading: 'columns `prompt=q,response=a`',
      curation,
    };
    const back = await saveAndResume(facts);
    expect(dataFactsOf(back)).toEqual(facts);
    const resumed = card(dataFactsOf(back));
    expect(resumed).toBe(card(facts));
    expect(resumed).toContain(
      'Curated in SFT Studio: 3 rows dropped (by flag: duplicate 2, pii 1), 1 edited, 2 rows written by hand',
    );
    expect(resumed).toContain('Rows read as: columns `prompt=q,response=a`');
  });

  it('saves the metrics up to the checkpoint step only', async () => {
    const back = await saveAndResume({ datasetName: 'chat.jsonl', curation }, 2);
    expect(back.history.map((h) => h.step)).toEqual([1, 2]);
    expect(back.step).toBe(2);
  });

  it('restores a run saved without curation (or before it was kept) without a curation line', async () => {
    const back = await saveAndResume({ datasetName: 'chat.jsonl' });
    expect(back).not.toHaveProperty('curation');
    expect(dataFactsOf(back)).toEqual({ datasetName: 'chat.jsonl' });
    expect(card(dataFactsOf(back))).not.toContain('Curated in SFT Studio');
  });

  it('ignores a stored curation record that is not one rather than printing garbage', () => {
    const base = snapshotOf(liveRun({ datasetName: 'd' }), { name: 'tiny', kind: 'demo' }, 1, 0);
    const damaged = [
      { ...curation, dropped: -1 },
      { ...curation, edited: '1' },
      { ...curation, droppedByFlag: { duplicate: Number.NaN } },
      { ...curation, droppedByFlag: null },
      'three rows',
    ];
    for (const c of damaged) {
      const saved = { ...base, curation: c } as unknown as SavedRun;
      expect(dataFactsOf(saved)).toEqual({ datasetName: 'd' });
    }
  });
});
