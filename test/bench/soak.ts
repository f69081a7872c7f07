// Soak run, CLI host: the tiny model trained for 2,000 optimizer steps in one process, the way
// `sft-studio train` runs it (the same Node engine, a checkpoint written atomically to disk every
// 100 steps, an eval split evaluated every 100 steps). Every `--every` steps it samples, after a
// forced GC: the JS heap and RSS (process.memoryUsage), the pipelines compiled
// (GpuContext.pipelineCount), the buffers alive and their bytes (GpuContext.buffers: created minus
// destroyed, pooled ones included) and the engine's device-memory account. It prints a table and,
// for each quantity, whether it stayed flat after the warm-up: max - value at warm-up within a
// tolerance (0 for pipelines, buffers and device bytes; a few MiB for the JS heap, which the GC
// does not return to the same byte). Exit status 1 when one grew.
//
//   npx tsx test/bench/soak.ts [--steps 2000] [--every 100] [--warmup 200] [--family mistral]
//
// A bench, not a timed test: on SwiftShader (2 shared cores) a step of the tiny model takes a
// fraction of a second, so 2,000 steps take minutes.
import { register } from 'node:module';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import type { TinyFamily } from '../fixtures/tiny-models.ts';

// `*.wgsl?raw` imports as Vite serves them (tsx alone does not), before the engine is imported.
register('../../bin/raw-loader.mjs', import.meta.url);
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const { nodeEngine } = await import('../../src/cli/device.ts');
const { saveCheckpoint } = await import('../../src/cli/checkpoints.ts');
const { loadDataset, openModel, templateFor } = await import('../../src/cli/train-io.ts');
const { withDefaults } = await import('../../src/engine/index.ts');
const { makeTinyModel } = await import('../fixtures/tiny-models.ts');

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} needs a whole number >= 1`);
  return v;
}
const kSteps = flag('steps', 2000);
const kFamilyArg = process.argv.indexOf('--family');
// Mistral's 32k vocabulary makes the fused lm_head + cross-entropy 4x cheaper than Llama 3's 128k.
const kFamily = (kFamilyArg < 0 ? 'mistral' : process.argv[kFamilyArg + 1]) as TinyFamily;
const kEvery = flag('every', Math.min(100, kSteps));
const kWarmup = flag('warmup', Math.min(200, kSteps));
const MiB = 2 ** 20;
/** How far each quantity may rise after the warm-up and still count as flat. */
const kTolerance = {
  heapMiB: 4,
  pipelines: 0,
  buffers: 0,
  bufferMiB: 0,
  deviceMiB: 0,
};

interface Sample {
  step: number;
  heapMiB: number;
  rssMiB: number;
  pipelines: number;
  buffers: number;
  bufferMiB: number;
  created: number;
  deviceMiB: number;
  seconds: number;
}

// Chat rows of a few lengths, so rows pack differently from step to step.
const words = 'the model reads each row and learns to answer in a short clear way'.split(' ');
const rows = Array.from({ length: 48 }, (_, i) => {
  const q = words.slice(0, 3 + (i % 7)).join(' ');
  const a = words.slice(i % 5, 6 + (i % 9)).join(' ');
  return {
    messages: [
      { role: 'user', content: `${i}: ${q}?` },
      { role: 'assistant', content: a },
    ],
  };
});

const work = await mkdtemp(join(tmpdir(), 'sft-soak-'));
try {
  const data = join(work, 'data.jsonl');
  await writeFile(data, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const engine = await nodeEngine();
  const model = await engine.loadModel(openModel(await makeTinyModel(kFamily)));
  const settings = withDefaults({
    r: 4,
    alpha: 8,
    lr: 1e-3,
    warmupRatio: 0.01,
    microBatch: 1,
    effectiveBatch: 1,
    maxLength: 64,
    maxSteps: kSteps,
    evalSplit: 0.1,
    evalEvery: 100,
    checkpointEvery: 100,
    seed: 7,
  });
  const template = templateFor(model.tok.tokenizer, undefined);
  const ds = await loadDataset({ data }, 'soak', model.tok.tokenizer, template, 64, true);

  const samples: Sample[] = [];
  const t0 = performance.now();
  const sample = (step: number) => {
    gc();
    const m = process.memoryUsage();
    const b = engine.ctx.buffers;
    samples.push({
      step,
      heapMiB: m.heapUsed / MiB,
      rssMiB: m.rss / MiB,
      pipelines: engine.ctx.pipelineCount,
      buffers: b.live,
      bufferMiB: b.liveBytes / MiB,
      created: b.created,
      deviceMiB: engine.memory().totalCurrent / MiB,
      seconds: (performance.now() - t0) / 1000,
    });
    const s = samples.at(-1)!;
    process.stderr.write(
      `step ${step}/${kSteps}: heap ${s.heapMiB.toFixed(1)} MiB, ${s.buffers} buffers, ` +
        `${s.pipelines} pipelines, ${s.seconds.toFixed(0)} s\n`,
    );
  };
  const run = await engine.train(model, {
    examples: ds.examples,
    settings,
    onEvent: (e) => {
      if (e.kind === 'step' && (e.step % kEvery === 0 || e.step === 1)) sample(e.step);
      if (e.kind === 'skipped') process.stderr.write(`step ${e.step}: skipped\n`);
    },
    onCheckpoint: (bytes, step) => saveCheckpoint(work, step, bytes),
  });
  await run.run();
  run.destroy();
  model.destroy();
  engine.ctx.trim();
  sample(kSteps + 1);
  const last = samples.pop()!;

  const cols: (keyof Sample)[] = [
    'step',
    'heapMiB',
    'rssMiB',
    'pipelines',
    'buffers',
    'bufferMiB',
    'created',
    'deviceMiB',
    'seconds',
  ];
  const cell = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(2));
  console.log(cols.map((c) => c.padStart(10)).join(''));
  for (const s of samples) console.log(cols.map((c) => cell(s[c]).padStart(10)).join(''));
  console.log(
    `after the run and the model are destroyed and the pool trimmed: ${last.buffers} buffers ` +
      `(${last.bufferMiB.toFixed(2)} MiB) alive, ${last.pipelines} pipelines (kept: cached for ` +
      `the next run), heap ${last.heapMiB.toFixed(1)} MiB`,
  );

  const base = samples.find((s) => s.step >= kWarmup);
  if (!base) throw new Error(`no sample at or after the warm-up step ${kWarmup}`);
  const after = samples.filter((s) => s.step >= base.step);
  let flat = true;
  console.log(`\nflat after warm-up (from step ${base.step}, ${after.length} samples):`);
  for (const [k, tol] of Object.entries(kTolerance) as [keyof typeof kTolerance, number][]) {
    const rise = Math.max(...after.map((s) => s[k])) - base[k];
    const ok = rise <= tol + 1e-9;
    flat &&= ok;
    console.log(
      `  ${k.padEnd(10)} at warm-up ${cell(base[k]).padStart(9)}  max rise ${cell(rise).padStart(7)}` +
        `  (tolerance ${tol})  ${ok ? 'flat' : 'GROWS'}`,
    );
  }
  const perStep = (samples.at(-1)!.seconds - samples[0].seconds) / (samples.at(-1)!.step - 1);
  console.log(
    `\n${kSteps} steps in ${samples.at(-1)!.seconds.toFixed(0)} s (${perStep.toFixed(3)} s/step)`,
  );
  console.log(flat ? 'FLAT: nothing grows after the warm-up' : 'LEAK: something grows');
  process.exitCode = flat ? 0 : 1;
} finally {
  await rm(work, { recursive: true, force: true });
}
