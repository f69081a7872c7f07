// A 1 GB JSON Lines file through the CLI's read path, with peak memory measured: is it streamed?
// Generates ~1 GB of chat rows on /tmp (deleted afterwards) and runs, each in its own process
// under /usr/bin/time (peak RSS = "maximum resident set size"):
//   baseline   the same process reading nothing (Node + the data modules loaded)
//   rows       every row of the file through openDataRows (src/cli/data-source.ts → openRows),
//              counted and dropped: the reading itself (the heap grows until V8 collects, so
//              RSS here says more about the GC than about the reader)
//   rows-128   the same with V8's old space capped at 128 MiB: it finishes only if what the reader
//              keeps is bounded
//   examples   readDataSource (what train, lint and preview call): every row parsed into an
//              Example and kept, so memory grows with the examples held, not with 2x the file
//   preview    `sft-studio preview --data FILE --limit 1000` (the first 1000 rows only)
// and prints each peak RSS next to the file size.
//
//   npx tsx test/bench/big-jsonl.ts [--mb 1024] [--skip examples]
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTinyModel } from '../fixtures/tiny-models.ts';

const self = fileURLToPath(import.meta.url);
const MiB = 2 ** 20;

/** The child modes: run one measurement on `file` and print what it saw. */
async function child(mode: string, file: string): Promise<void> {
  const { openDataRows, readDataSource } = await import('../../src/cli/data-source.ts');
  const t0 = performance.now();
  if (mode === 'rows') {
    let rows = 0;
    let bad = 0;
    for await (const item of await openDataRows({ data: file }, 'bench', true)) {
      rows++;
      if ('error' in item) bad++;
    }
    console.log(`rows ${rows}, bad ${bad}`);
  } else if (mode === 'examples') {
    const r = await readDataSource({ data: file }, 'bench', true);
    const heap = process.memoryUsage().heapUsed / MiB;
    console.log(
      `examples ${r.examples.length}, errors ${r.errors.length}, heap ${heap.toFixed(0)} MiB held`,
    );
  } else if (mode !== 'baseline') throw new Error(`unknown mode ${mode}`);
  console.log(`seconds ${((performance.now() - t0) / 1000).toFixed(1)}`);
}

/** ~`mb` MiB of chat rows (a few sizes, some non-ASCII), written in 4 MiB batches. */
function generate(path: string, mb: number): number {
  const words = 'the model learns to answer questions about data files and memory in a clear way'
    .split(' ')
    .concat(['naïve', 'café', 'größe', 'dữ liệu', '数据', '🙂']);
  const fd = openSync(path, 'w');
  let bytes = 0;
  let rows = 0;
  let batch: string[] = [];
  let batchBytes = 0;
  while (bytes < mb * MiB) {
    const n = 20 + (rows % 60);
    const text = (k: number) =>
      Array.from({ length: n }, (_, i) => words[(rows * 7 + i * k) % words.length]).join(' ');
    const line =
      JSON.stringify({
        messages: [
          { role: 'system', content: 'You are a helpful assistant.' },
          { role: 'user', content: `Row ${rows}: ${text(3)}?` },
          { role: 'assistant', content: text(5) },
        ],
      }) + '\n';
    batch.push(line);
    batchBytes += Buffer.byteLength(line);
    rows++;
    if (batchBytes >= 4 * MiB) {
      writeSync(fd, batch.join(''));
      bytes += batchBytes;
      batch = [];
      batchBytes = 0;
    }
  }
  if (batch.length) writeSync(fd, batch.join(''));
  closeSync(fd);
  return rows;
}

/** Runs a command under /usr/bin/time; returns its output and peak RSS in MiB. */
function measured(cmd: string[]): { out: string; peakMiB: number; status: number | null } {
  const r = spawnSync('/usr/bin/time', ['-f', 'PEAK_RSS_KB %M', ...cmd], {
    encoding: 'utf8',
    maxBuffer: 64 * MiB,
  });
  const m = /PEAK_RSS_KB (\d+)/.exec(r.stderr);
  const out = (r.stdout + r.stderr)
    .split('\n')
    .filter((l) => l && !l.startsWith('PEAK_RSS_KB') && !l.includes('XDG_RUNTIME_DIR'))
    .slice(-3)
    .join(' | ');
  return { out, peakMiB: m ? Number(m[1]) / 1024 : NaN, status: r.status };
}

async function main(): Promise<void> {
  const mbAt = process.argv.indexOf('--mb');
  const mb = mbAt >= 0 ? Number(process.argv[mbAt + 1]) : 1024;
  const skip = new Set(
    process.argv.includes('--skip')
      ? process.argv[process.argv.indexOf('--skip') + 1].split(',')
      : [],
  );
  const dir = await mkdtemp(join(tmpdir(), 'sft-big-jsonl-'));
  try {
    const file = join(dir, 'big.jsonl');
    const t0 = performance.now();
    const rows = generate(file, mb);
    const size = statSync(file).size / MiB;
    console.log(
      `generated ${file}: ${size.toFixed(0)} MiB, ${rows} rows in ` +
        `${((performance.now() - t0) / 1000).toFixed(0)} s`,
    );
    // The bench hooks: tsx, and `*.wgsl?raw` as Vite serves it (data-source.ts reaches the engine).
    const hooks = fileURLToPath(new URL('./kernels/matmul-hooks.mjs', import.meta.url));
    const tsx = [process.execPath, '--import', hooks, self, '--child'];
    const runs: [string, string[]][] = [
      ['baseline', [...tsx, 'baseline', file]],
      ['rows', [...tsx, 'rows', file]],
      // The same with V8's old space capped: it can only finish if the reading is bounded.
      [
        'rows-128',
        [
          process.execPath,
          '--max-old-space-size=128',
          '--import',
          hooks,
          self,
          '--child',
          'rows',
          file,
        ],
      ],
      ['examples', [...tsx, 'examples', file]],
      [
        'preview',
        [
          process.execPath,
          'bin/sft-studio.mjs',
          'preview',
          '--model',
          await makeTinyModel('llama-tied'),
          '--data',
          file,
          '--limit',
          '1000',
          '--json',
        ],
      ],
    ];
    console.log(`\n${'what'.padEnd(12)}${'peak RSS'.padStart(12)}  output`);
    for (const [name, cmd] of runs) {
      if (skip.has(name)) continue;
      const r = measured(cmd);
      const status = r.status === 0 ? '' : ` (exit ${r.status})`;
      const out = name === 'preview' ? `${r.out.length} chars of output` : r.out;
      console.log(
        `${name.padEnd(12)}${`${r.peakMiB.toFixed(0)} MiB`.padStart(12)}  ${out}${status}`,
      );
    }
    console.log(`file size: ${size.toFixed(0)} MiB`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') await child(process.argv[3], process.argv[4]);
else await main();
