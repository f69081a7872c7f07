// The engine worker's export jobs (src/worker/engineExport.ts) outside a browser: a TRL project
// written into a picked file (a stand-in for a FileSystemFileHandle) streams as a zip with
// progress and ends with the size it was measured at; a cancel that arrives while a chunk is being
// written stops the job before the next chunk and aborts the file; a cancel that arrives before
// the write request is kept. Only the TRL project runs here: it needs no GPU and no model weights.
import { unzipSync, strFromU8 } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  packExamples,
  tokenizationFingerprint,
  type TokenizedExample,
} from '../../src/data/index.ts';
import { kDefaultSettings } from '../../src/engine/index.ts';
import { handleExport } from '../../src/worker/engineExport.ts';
import { st } from '../../src/worker/engineState.ts';
import type { ExportOptions, ExportRequest, TrlInput } from '../../src/worker/exportProtocol.ts';

type Sent = { kind: string; job: number; [k: string]: unknown };
let sent: Sent[] = [];

beforeEach(() => {
  sent = [];
  Object.assign(globalThis, { postMessage: (m: Sent) => sent.push(m) });
  st.loaded = {
    spec: { kind: 'hub', id: 'org/tiny', endpoint: 'https://huggingface.co' },
    model: { info: { name: 'org/tiny' }, tok: { fingerprint: 'tok' } },
  } as unknown as typeof st.loaded;
});
afterEach(() => {
  st.loaded = null;
});

/** A picked file whose writes wait for `gate` (so a cancel can land mid-write). */
function fakeFile() {
  const parts: Uint8Array[] = [];
  const state = { aborted: false, closed: false, writes: 0 };
  let release: () => void = () => {};
  let gate: Promise<void> | null = null;
  const handle = {
    createWritable: () =>
      Promise.resolve({
        write: async (b: Uint8Array) => {
          state.writes++;
          if (gate) await gate;
          parts.push(b.slice());
        },
        close: () => {
          state.closed = true;
          return Promise.resolve();
        },
        abort: () => {
          state.aborted = true;
          return Promise.resolve();
        },
      }),
  };
  return {
    handle: handle as unknown as FileSystemFileHandle,
    parts,
    state,
    hold() {
      gate = new Promise((r) => (release = r));
    },
    release: () => release(),
  };
}

function trlInput(n: number): TrlInput {
  const settings = { ...kDefaultSettings, maxLength: 64 };
  const examples: TokenizedExample[] = Array.from({ length: n }, (_, i) => {
    const ids = Array.from({ length: 40 }, (_, t) => (i * 131 + t * 17) % 32000);
    return {
      line: i + 1,
      inputIds: ids,
      labels: ids.map((id, t) => (t >= 20 ? id : -100)),
      roles: ids.map((_, t) => (t >= 20 ? 'assistant' : 'user')),
      fullLength: ids.length,
      truncatedTrainedTokens: 0,
    };
  });
  const template: TrlInput['template'] = { kind: 'model' };
  const date = '2024-07-26';
  const fp = tokenizationFingerprint({ tokenizer: 'tok', template, date, maxLength: 64 });
  return {
    examples: packExamples(examples, fp),
    datasetName: 'd.jsonl',
    settings,
    template,
    date,
  };
}

const kTrl: ExportOptions = { kind: 'trl', which: 'last', dtype: null, ggufType: 'F16' };

const write = (job: number, trl: TrlInput, handle: FileSystemFileHandle): ExportRequest => ({
  kind: 'export-write',
  job,
  options: kTrl,
  trl,
  target: { kind: 'file', handle },
});

describe('export jobs in the engine worker', () => {
  it('writes the TRL project as a zip into a picked file, with progress, at its measured size', async () => {
    const trl = trlInput(50);
    await handleExport({ kind: 'export-measure', job: 1, options: kTrl, trl }, () =>
      Promise.reject(new Error('no model files are read for a TRL project')),
    );
    const measured = sent.find((m) => m.kind === 'export-measured') as unknown as {
      measure: { bytes: number; multi: boolean; files: string[] };
    };
    expect(measured.measure.multi).toBe(true);
    const f = fakeFile();
    await handleExport(write(2, trl, f.handle), () => Promise.reject(new Error('unused')));
    const done = sent.find((m) => m.kind === 'export-written' && m.job === 2);
    expect(done, JSON.stringify(sent.filter((m) => m.job === 2))).toBeDefined();
    expect(sent.some((m) => m.kind === 'export-progress' && m.job === 2)).toBe(true);
    expect(f.state.closed).toBe(true);
    const zipBytes = new Uint8Array(f.parts.reduce((n, p) => n + p.byteLength, 0));
    let at = 0;
    for (const p of f.parts) {
      zipBytes.set(p, at);
      at += p.byteLength;
    }
    const zip = unzipSync(zipBytes);
    expect(Object.keys(zip).sort()).toEqual([...measured.measure.files].sort());
    expect(Object.values(zip).reduce((n, b) => n + b.byteLength, 0)).toBe(measured.measure.bytes);
    expect(strFromU8(zip['train.py'])).toContain('BASE_MODEL = "org/tiny"');
  });

  it('a cancel during a write stops it before the next chunk and aborts the file', async () => {
    const f = fakeFile();
    f.hold();
    const job = handleExport(write(3, trlInput(50), f.handle), () =>
      Promise.reject(new Error('unused')),
    );
    await expect.poll(() => f.state.writes).toBeGreaterThan(0);
    await handleExport({ kind: 'export-cancel', job: 3 }, () => Promise.reject(new Error('-')));
    f.release();
    await job;
    expect(sent.filter((m) => m.job === 3).map((m) => m.kind)).toContain('export-cancelled');
    expect(sent.some((m) => m.job === 3 && m.kind === 'export-written')).toBe(false);
    expect(f.state.aborted).toBe(true);
    expect(f.state.closed).toBe(false);
  });

  it('a cancel that arrives before its write request is kept', async () => {
    const f = fakeFile();
    await handleExport({ kind: 'export-cancel', job: 4 }, () => Promise.reject(new Error('-')));
    await handleExport(write(4, trlInput(5), f.handle), () => Promise.reject(new Error('-')));
    expect(sent.filter((m) => m.job === 4).map((m) => m.kind)).toEqual(['export-cancelled']);
    expect(f.state.writes).toBe(0);
  });

  it('a dataset tokenized for another max length is refused, naming what differs', async () => {
    const trl = { ...trlInput(5), settings: { ...kDefaultSettings, maxLength: 128 } };
    await handleExport({ kind: 'export-measure', job: 5, options: kTrl, trl }, () =>
      Promise.reject(new Error('-')),
    );
    const failed = sent.find((m) => m.job === 5) as unknown as {
      kind: string;
      failure: { message: string };
    };
    expect(failed.kind).toBe('export-measure-failed');
    expect(failed.failure.message).toMatch(/max length/);
  });
});
