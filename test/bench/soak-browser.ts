// Soak run, browser host: the studio itself in headless Chromium (SwiftShader WebGPU) training the
// tiny model for 500 optimizer steps, as a user would (local model files, a dataset file, Start),
// with a checkpoint into IndexedDB every 50 steps. Every `--every` steps it samples, after a forced
// GC (Chromium started with --js-flags=--expose-gc): the engine worker's JS heap (CDP
// Runtime.getHeapUsage on the worker's target) and the page's (performance.memory, precise with
// --enable-precise-memory-info), and the engine's pipelines,
// live buffers and tracked device memory (`__sftStudioEngineStats` in the engine worker,
// src/worker/engineState.ts, read with Playwright's Worker.evaluate). It prints a table and, for
// each quantity, whether it stayed flat after the warm-up (max - value at warm-up within a
// tolerance: 0 for pipelines, buffers and device bytes; a few MiB for the JS heaps, which the GC
// does not return to the same byte). Exit status 1 when one grew.
//
//   npx tsx test/bench/soak-browser.ts [--steps 500] [--every 50] [--warmup 100]
//
// A bench, not a timed test: a step of the tiny model takes a fraction of a second here.
import { chromium, type Browser, type Page, type Worker } from 'playwright-core';
import { startServer } from '../helpers/browser.ts';
import { loadDataset, loadModel, setSmallRun, tinyModelFiles } from '../e2e/studio-helpers.ts';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} needs a whole number >= 1`);
  return v;
}

const kSteps = flag('steps', 500);
const kEvery = flag('every', 50);
const kWarmup = flag('warmup', 100);
const kMiB = 1024 * 1024;
const kHeapTolerance = 4 * kMiB;

interface Sample {
  step: number;
  seconds: number;
  workerHeap: number;
  pageHeap: number;
  pipelines: number;
  buffersLive: number;
  buffersCreated: number;
  bufferBytes: number;
  deviceBytes: number;
}

interface EngineStats {
  pipelines: number;
  buffers: { live: number; liveBytes: number; created: number };
  memory: { totalCurrent: number };
}

type GcWindow = { gc?: () => void; performance: { memory?: { usedJSHeapSize: number } } };

/** The engine worker's counts, after a GC in that worker. */
function workerStats(w: Worker) {
  return w.evaluate(() => {
    const g = globalThis as unknown as GcWindow & {
      __sftStudioEngineStats?: () => EngineStats | null;
    };
    g.gc?.();
    return g.__sftStudioEngineStats?.() ?? null;
  });
}

/**
 * `Runtime.getHeapUsage` of a worker through the browser's CDP session (performance.memory does
 * not exist in workers): attach to its target, then talk to it through Target.sendMessageToTarget.
 */
async function workerHeapReader(browser: Browser, urlPart: string): Promise<() => Promise<number>> {
  const cdp = await browser.newBrowserCDPSession();
  const { targetInfos } = (await cdp.send('Target.getTargets')) as {
    targetInfos: { targetId: string; type: string; url: string }[];
  };
  const target = targetInfos.find((t) => t.type === 'worker' && t.url.includes(urlPart));
  if (!target) throw new Error(`no worker target with ${urlPart} in its URL`);
  const { sessionId } = await cdp.send('Target.attachToTarget', {
    targetId: target.targetId,
    flatten: false,
  });
  let nextId = 1;
  const pending = new Map<number, (usedSize: number) => void>();
  cdp.on('Target.receivedMessageFromTarget', (e: { sessionId: string; message: string }) => {
    if (e.sessionId !== sessionId) return;
    const m = JSON.parse(e.message) as { id?: number; result?: { usedSize: number } };
    if (m.id !== undefined) pending.get(m.id)?.(m.result?.usedSize ?? Number.NaN);
  });
  return () =>
    new Promise<number>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      void cdp.send('Target.sendMessageToTarget', {
        sessionId,
        message: JSON.stringify({ id, method: 'Runtime.getHeapUsage' }),
      });
    });
}

function pageHeap(page: Page) {
  return page.evaluate(() => {
    const g = globalThis as unknown as GcWindow;
    g.gc?.();
    return g.performance.memory?.usedJSHeapSize ?? Number.NaN;
  });
}

const step = (page: Page) =>
  page.$eval('[data-testid="train-status"]', (el) => Number(el.getAttribute('data-step')));

const srv = await startServer(undefined, ['index.html', 'src/worker/*.worker.ts']);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--enable-unsafe-webgpu',
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
    '--js-flags=--expose-gc',
    '--enable-precise-memory-info',
  ],
});
let grew = false;
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  await page.goto(srv.url);
  await page.evaluate(() => indexedDB.deleteDatabase('sft-studio'));
  await page.reload();
  await loadModel(page, await tinyModelFiles());
  await loadDataset(page);
  await setSmallRun(page, kSteps, kEvery);
  const engine = page.workers().find((w) => w.url().includes('engine.worker'));
  if (!engine) throw new Error('the engine worker is not running');
  const workerHeap = await workerHeapReader(browser, 'engine.worker');
  await page.click('[data-testid="train-start"]:not([disabled])', { timeout: 60_000 });
  const t0 = Date.now();
  const samples: Sample[] = [];
  for (let k = kEvery; k <= kSteps; k += kEvery) {
    await page.waitForFunction(
      (n) =>
        Number(document.querySelector('[data-testid="train-status"]')?.getAttribute('data-step')) >=
        n,
      k,
      { timeout: 600_000, polling: 250 },
    );
    const at = await step(page);
    const stats = await workerStats(engine);
    if (!stats) throw new Error('the engine worker has no open engine');
    const s: Sample = {
      step: at,
      seconds: (Date.now() - t0) / 1000,
      workerHeap: await workerHeap(),
      pageHeap: await pageHeap(page),
      pipelines: stats.pipelines,
      buffersLive: stats.buffers.live,
      buffersCreated: stats.buffers.created,
      bufferBytes: stats.buffers.liveBytes,
      deviceBytes: stats.memory.totalCurrent,
    };
    samples.push(s);
    const mib = (b: number) => (b / kMiB).toFixed(2).padStart(8);
    if (samples.length === 1) {
      console.log(
        ' step  seconds  worker heap MiB  page heap MiB  pipelines  buffers live  created  buffer MiB  device MiB',
      );
    }
    console.log(
      `${String(s.step).padStart(5)}  ${s.seconds.toFixed(0).padStart(7)}  ${mib(s.workerHeap).padStart(15)}  ${mib(s.pageHeap).padStart(13)}  ${String(s.pipelines).padStart(9)}  ${String(s.buffersLive).padStart(12)}  ${String(s.buffersCreated).padStart(7)}  ${mib(s.bufferBytes).padStart(10)}  ${mib(s.deviceBytes).padStart(10)}`,
    );
  }
  await page.waitForSelector('[data-testid="train-status"][data-state="done"]', {
    timeout: 600_000,
  });
  console.log(`${kSteps} steps in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

  const warm = samples.find((s) => s.step >= kWarmup) ?? samples[0];
  const after = samples.filter((s) => s.step >= warm.step);
  const checks: [string, (s: Sample) => number, number, (v: number) => string][] = [
    [
      'engine worker JS heap',
      (s) => s.workerHeap,
      kHeapTolerance,
      (v) => `${(v / kMiB).toFixed(2)} MiB`,
    ],
    ['page JS heap', (s) => s.pageHeap, kHeapTolerance, (v) => `${(v / kMiB).toFixed(2)} MiB`],
    ['pipelines', (s) => s.pipelines, 0, String],
    ['live buffers', (s) => s.buffersLive, 0, String],
    ['buffer bytes', (s) => s.bufferBytes, 0, (v) => `${(v / kMiB).toFixed(2)} MiB`],
    ['device memory (tracked)', (s) => s.deviceBytes, 0, (v) => `${(v / kMiB).toFixed(2)} MiB`],
  ];
  console.log(`\nafter warm-up (step ${warm.step}):`);
  for (const [name, get, tol, fmt] of checks) {
    const base = get(warm);
    const growth = Math.max(...after.map(get)) - base;
    const flat = !(growth > tol); // NaN (no performance.memory) is reported, not judged
    if (!flat) grew = true;
    console.log(
      `  ${name.padEnd(24)} ${flat ? 'flat' : 'GREW'}: ${fmt(base)} at step ${warm.step}, max growth ${fmt(growth)}`,
    );
  }
} finally {
  await browser.close();
  await srv.close();
}
process.exit(grew ? 1 : 0);
