// Screenshots of every step of the studio, with a real run, in headless Chromium:
//   npx tsx test/e2e/studio-screenshots.ts          (every step)
//   npx tsx test/e2e/studio-screenshots.ts --set    (only the evaluation views: train-best, try-set)
//   npx tsx test/e2e/studio-screenshots.ts --hardest (the example list sorted by loss)
// Writes screenshots/step-<step>-<width>.png at 1280, 1920 and 800 wide (one page, resized, so the
// run is trained once): model-demo (the offline demo loaded: its own tokenizer shown) and
// train-too-short (a newcomer's default run on the "Multi-turn assistant" sample, with the warning
// and the suggestions), then model (tiny local model loaded, memory estimate), dataset, train
// (mid-run and finished, the best eval loss marked), try (base vs tuned), try-set (the prompt set
// on the held-out examples: table, summary), export; and step-no-webgpu-1280.png from a browser
// without WebGPU. With --set: a short run with an eval split (train-best), try-set, the token
// preview's loss heat view (dataset-loss-heat, dataset-loss-diff), and a run that stops early
// (train-early-stop: the overfitting watch's notice). With --hardest: a short run, then the example
// browser's losses measured and the list sorted hardest first (dataset-hardest).
// test/e2e/screenshots.ts (the shell's) covers the preview views in more detail.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { kRepoRoot, launchBrowser, startServer } from '../helpers/browser.ts';
import { loadDataset, loadModel, setSmallRun, tinyModelFiles } from './studio-helpers.ts';

const outDir = resolve(kRepoRoot, 'screenshots');
const widths = [1280, 1920, 800];

async function shots(page: Page, name: string, opts: { fullPage?: boolean } = {}) {
  for (const width of widths) {
    await page.setViewportSize({ width, height: 900 });
    await page.waitForTimeout(350);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({
      path: resolve(outDir, `step-${name}-${width}.png`),
      fullPage: opts.fullPage ?? true,
    });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  console.log(`step-${name} done`);
}

/** The Try step's prompt set on the held-out examples, finished (greedy, 16 new tokens). */
async function promptSet(page: Page) {
  await page.click('[data-testid="step-try"]');
  await page.fill('[data-testid="generate-max-tokens"]', '16');
  await page.selectOption('[data-testid="try-set-source"]', 'eval');
  await page.click('[data-testid="try-set-run"]');
  await page.waitForSelector(
    '[data-testid="try-set-table"]:is([data-status="done"], [data-status="failed"])',
    { timeout: 300_000 },
  );
  await shots(page, 'try-set');
}

/** Only the evaluation views: a short run with an eval split, the chart, the prompt set. */
async function setOnly() {
  mkdirSync(outDir, { recursive: true });
  const srv = await startServer(undefined, ['index.html', 'src/worker/*.worker.ts']);
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => console.error('[page]', e.message));
    await page.goto(srv.url);
    await page.evaluate(() => indexedDB.deleteDatabase('sft-studio'));
    await page.reload();
    await loadModel(page, await tinyModelFiles());
    await loadDataset(page);
    await setSmallRun(page, 30, 0);
    await page.fill('[data-testid="train-evalSplit"]', '20');
    await page.fill('[data-testid="train-evalEvery"]', '5');
    await page.click('[data-testid="train-start"]:not([disabled])');
    await page.waitForSelector(
      '[data-testid="train-status"]:is([data-state="done"], [data-state="stopped"])',
      { timeout: 600_000 },
    );
    await shots(page, 'train-best');
    await promptSet(page);
    await page.click('[data-testid="step-dataset"]');
    await page.click('[data-testid="token-loss-run"]');
    await page.waitForSelector('[data-testid="token-preview"][data-heat="tuned"]', {
      timeout: 120_000,
    });
    await shots(page, 'dataset-loss-heat');
    await page.click('[data-testid="token-loss-mode-diff"]');
    await shots(page, 'dataset-loss-diff');
    // The "Multi-turn assistant" sample (no duplicates between the splits) at a high learning rate
    // stops early on the tiny model: the watch's notice and the best eval loss's marker.
    await page.click('[data-testid="sample-chat"]');
    await page.waitForSelector('[data-testid="stat-trained"]', { timeout: 120_000 });
    await page.click('[data-testid="step-train"]');
    const fill = (f: string, v: string) => page.fill(`[data-testid="train-${f}"]`, v);
    await fill('maxLength', '128');
    await fill('maxSteps', '80');
    await fill('lr', '0.02');
    await fill('r', '16');
    await fill('alpha', '32');
    await fill('earlyStoppingPatience', '3');
    await page.click('[data-testid="train-start"]:not([disabled])');
    await page.waitForSelector(
      '[data-testid="train-status"]:is([data-state="done"], [data-state="stopped"])',
      { timeout: 600_000 },
    );
    await shots(page, 'train-early-stop', { fullPage: false });
  } finally {
    await browser.close();
    await srv.close();
  }
}

/** The example list sorted hardest first by the tuned model's loss, after a short run. */
async function hardestOnly() {
  mkdirSync(outDir, { recursive: true });
  const srv = await startServer(undefined, ['index.html', 'src/worker/*.worker.ts']);
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => console.error('[page]', e.message));
    await page.goto(srv.url);
    await page.evaluate(() => indexedDB.deleteDatabase('sft-studio'));
    await page.reload();
    await loadModel(page, await tinyModelFiles());
    await loadDataset(page);
    await setSmallRun(page, 20, 0);
    await page.click('[data-testid="train-start"]:not([disabled])');
    await page.waitForSelector('[data-testid="train-status"][data-state="done"]', {
      timeout: 600_000,
    });
    await page.click('[data-testid="step-dataset"]');
    await page.click('[data-testid="example-loss-run"]');
    await page.waitForSelector('[data-testid="example-list"] .ex-row[data-loss]', {
      timeout: 300_000,
    });
    await page.locator('[data-testid="example-list"] .ex-row').first().click();
    await page.locator('[data-testid="example-sort"]').scrollIntoViewIfNeeded();
    await shots(page, 'dataset-hardest');
  } finally {
    await browser.close();
    await srv.close();
  }
}

async function main() {
  mkdirSync(outDir, { recursive: true });
  const srv = await startServer(undefined, ['index.html', 'src/worker/*.worker.ts']);
  const browser = await launchBrowser();
  try {
    const demo = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    demo.on('pageerror', (e) => console.error('[page]', e.message));
    await demo.goto(srv.url);
    await demo.evaluate(() => indexedDB.deleteDatabase('sft-studio'));
    await demo.reload();
    await demo.click('[data-testid="model-source-demo"]');
    await demo.click('[data-testid="model-load"]:not([disabled])');
    await demo.waitForSelector('[data-testid="model-status"][data-status="ready"]', {
      timeout: 180_000,
    });
    await demo.waitForSelector('[data-testid="tokenizer-status"][data-from-model="true"]', {
      timeout: 60_000,
    });
    await shots(demo, 'model-demo');
    await demo.click('[data-testid="step-dataset"]');
    await demo.click('[data-testid="sample-chat"]');
    await demo.waitForSelector('[data-testid="stat-trained"]', { timeout: 120_000 });
    await demo.click('[data-testid="step-train"]');
    await demo.waitForSelector('[data-testid="train-run-plan"][data-too-short="true"]', {
      timeout: 60_000,
    });
    await shots(demo, 'train-too-short');
    await demo.close();

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => console.error('[page]', e.message));
    await page.goto(srv.url);
    await page.evaluate(() => indexedDB.deleteDatabase('sft-studio'));
    await page.reload();
    await loadModel(page, await tinyModelFiles());
    await shots(page, 'model');

    await loadDataset(page);
    await page.waitForSelector('[data-testid="token-preview"] [data-trained]', { timeout: 60_000 });
    await shots(page, 'dataset');

    await page.click('[data-testid="step-train"]');
    await shots(page, 'train-ready');
    const fill = (f: string, v: string) => page.fill(`[data-testid="train-${f}"]`, v);
    await fill('maxLength', '128');
    await fill('effectiveBatch', '2');
    await fill('maxSteps', '40');
    await fill('lr', '0.005');
    await fill('r', '8');
    await fill('alpha', '16');
    await fill('evalSplit', '10');
    await fill('evalEvery', '10');
    await fill('checkpointEvery', '10');
    await page.click('[data-testid="train-start"]:not([disabled])');
    await page.waitForFunction(
      () =>
        Number(document.querySelector('[data-testid="train-status"]')?.getAttribute('data-step')) >=
        14,
      undefined,
      { timeout: 300_000 },
    );
    await shots(page, 'train-running', { fullPage: false });
    await page.waitForSelector('[data-testid="train-status"][data-state="done"]', {
      timeout: 600_000,
    });
    await shots(page, 'train');

    await page.click('[data-testid="step-try"]');
    await page.fill('[data-testid="generate-prompt"]', 'Count to three.');
    await page.fill('[data-testid="generate-max-tokens"]', '16');
    await page.click('[data-testid="generate-run"]');
    await page.waitForSelector(
      '[data-testid="generate-tuned-output"]:is([data-status="done"], [data-status="failed"])',
      { timeout: 180_000 },
    );
    await shots(page, 'try');
    await promptSet(page);

    await page.click('[data-testid="step-export"]');
    await page.waitForSelector('[data-testid="download-adapter"]:not([disabled])', {
      timeout: 60_000,
    });
    await shots(page, 'export');
    await page.close();
  } finally {
    await browser.close();
  }

  // Without WebGPU: the studio says so; the Model and Dataset steps still work.
  const plain = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-webgpu'],
  });
  try {
    const page = await plain.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(srv.url);
    await page.waitForSelector('[data-testid="webgpu-unavailable"]', { timeout: 30_000 });
    await page.screenshot({
      path: resolve(outDir, 'step-no-webgpu-model-1280.png'),
      fullPage: true,
    });
    await page.click('[data-testid="step-train"]');
    await page.screenshot({
      path: resolve(outDir, 'step-no-webgpu-train-1280.png'),
      fullPage: true,
    });
    console.log('no-webgpu done');
  } finally {
    await plain.close();
    await srv.close();
  }
}

await (process.argv.includes('--set')
  ? setOnly()
  : process.argv.includes('--hardest')
    ? hardestOnly()
    : main());
