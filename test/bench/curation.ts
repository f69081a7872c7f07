// What curation costs in the dataset worker on N synthetic chat rows (no tokenizer): the lint pass
// after reading (per-row checks in chunks, then the duplicate search), one curation step (a drop:
// the report's facts and the duplicate search over the kept rows again), the table and report the
// UI gets after each step, and the curated JSONL export. Prints CPU seconds (the machine is
// shared, so wall time lies) and wall time.
//
//   npx tsx test/bench/curation.ts [N=100000]
//
// Napkin math: a step is dominated by the near-duplicate search (MinHash over every kept row, ~1 s
// per 100k rows of ~60 words on one core, see test/bench/lint.ts); the table is a few typed arrays.
import type { Example } from '../../src/data/types';
import { curatedJsonl, curatedView } from '../../src/worker/curationOutput';
import {
  curate,
  lintRows,
  startCuration,
  type CuratedDataset,
} from '../../src/worker/datasetCuration';
import { parseFacts } from '../../src/worker/summary';

const kWords = (
  'the a of to and in is it you that for on with as are this be at have from or one had by word ' +
  'but not what all were we when your can said there use an each which she do how their if will ' +
  'up other about out many then them these so some her would make like him into time has look ' +
  'python list function value error file code server memory network learning simple example'
).split(' ');

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function synthesize(n: number): Example[] {
  const r = rng(7);
  const words = (k: number) =>
    Array.from({ length: k }, () => kWords[Math.floor(r() * kWords.length)]).join(' ');
  const out: Example[] = [];
  for (let i = 0; i < n; i++) {
    // 2% exact repeats of an earlier row
    const copy = i > 10 && r() < 0.02 ? out[Math.floor(r() * out.length)] : null;
    out.push({
      line: i + 1,
      format: 'messages',
      messages: copy
        ? copy.messages
        : [
            { role: 'user', content: `${words(12)}?` },
            { role: 'assistant', content: `${words(45)}.` },
          ],
    });
  }
  return out;
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function timed<T>(label: string, f: () => T | Promise<T>): Promise<T> {
  const c0 = cpuSeconds();
  const t0 = performance.now();
  const out = await f();
  const cpu = cpuSeconds() - c0;
  const wall = (performance.now() - t0) / 1000;
  console.log(`${label.padEnd(44)} cpu ${cpu.toFixed(2)} s   wall ${wall.toFixed(2)} s`);
  return out;
}

async function main() {
  const n = Number(process.argv[2] ?? 100_000);
  const examples = synthesize(n);
  const ds: CuratedDataset = {
    job: 1,
    name: 'synthetic.jsonl',
    bytes: 0,
    errorLines: 0,
    examples,
    facts: parseFacts({ examples, errors: [], totalLines: n }),
    byLine: new Map(examples.map((ex, i) => [ex.line, i])),
    tokenized: null,
  };
  startCuration(ds, { errors: [], totalLines: n });
  console.log(`${n} synthetic chat rows (~60 words each, 2% exact duplicates)`);
  await timed('lint pass (per-row checks + duplicates)', () =>
    lintRows(ds, () => Promise.resolve(true)),
  );
  const host = { dataset: ds, tokenizer: null, renderer: null, settings: null };
  await timed('table + report for the UI', () => curatedView(ds));
  await timed('one step: drop a row', () => curate(host, ds, { op: 'drop', lines: [5] }));
  const view = await timed('one step: drop all exact duplicates', () => {
    curate(host, ds, { op: 'drop-flag', flag: 'duplicate' });
    return curatedView(ds);
  });
  console.log(`  kept ${view.report.kept}, dropped ${view.report.record.dropped}`);
  await timed('one step: undo', () => curate(host, ds, { op: 'undo' }));
  await timed('curated JSONL + dropped rows', () => curatedJsonl(ds));
}

await main();
