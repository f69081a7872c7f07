// Screenshots of every step of the studio, with a real run, in headless Chromium:
//   npx tsx test/e2e/studio-screenshots.ts
// Writes screenshots/step-<step>-<width>.png at 1280, 1920 and 800 wide (one page, resized, so the
// run is trained once): model-demo (the offline demo loaded: its own tokenizer shown) and
// train-too-short (a newcomer's default run on the "Multi-turn assistant" sample, with the warning
// and the suggestions), then model (tiny local model loaded, memory estimate), dataset, train
// (mid-run and finished), try (base vs tuned), export; and step-no-webgpu-1280.png from a browser
// without WebGPU. test/e2e/screenshots.ts (the shell's) covers the preview views in more detail.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { kRepoRoot, launchBrowser, startServer } from '../helpers/browser.ts';
import { loadDataset, loadModel, tinyModelFiles } from './studio-helpers.ts';

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

await main();
