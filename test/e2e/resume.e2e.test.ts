// Reloading the page mid-run loses nothing: the engine worker checkpoints into IndexedDB every few
// steps, the reloaded studio offers to resume, and after the model is loaded again the run
// continues from the checkpoint's step (the chart keeps the earlier points) instead of step 0.
// The run record survives too: a row dropped in the Dataset step before the run is still in the
// resumed run's model card (the curation record is saved with each checkpoint).
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, startServer, type TestServer } from '../helpers/browser.ts';
import {
  chartPoints,
  loadDataset,
  loadModel,
  setSmallRun,
  tinyModelFiles,
  trainStatus,
} from './studio-helpers.ts';

const kSteps = 40;
const kCheckpointEvery = 4;

const stepAtLeast = (page: Page, n: number, timeout: number) =>
  page.waitForFunction(
    (k) =>
      Number(document.querySelector('[data-testid="train-status"]')?.getAttribute('data-step')) >=
      k,
    n,
    { timeout },
  );

describe('resuming a run after a reload', () => {
  let srv: TestServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    srv = await startServer(undefined, ['index.html', 'src/worker/*.worker.ts']);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(srv.url);
    await page.evaluate(() => indexedDB.deleteDatabase('sft-studio'));
    await page.reload();
  });

  afterAll(async () => {
    await browser?.close();
    await srv?.close();
  });

  it('offers the saved run after a reload and continues its step count', async () => {
    const files = await tinyModelFiles();
    await loadModel(page, files);
    await loadDataset(page);
    // Curate: drop one row by hand (the card must say so after the resume).
    const state = page.locator('[data-testid="curation-state"]');
    await state.waitFor({ timeout: 60_000 });
    const kept = Number(await state.getAttribute('data-kept'));
    await page.click('[data-testid="example-list"] .ex-row[data-line="2"]');
    await page.waitForSelector('.detail-title h3:has-text("Line 2")');
    await page.click('[data-testid="drop-example"]');
    await page.waitForSelector(`[data-testid="curation-state"][data-kept="${kept - 1}"]`, {
      timeout: 30_000,
    });
    await setSmallRun(page, kSteps, kCheckpointEvery);
    await page.click('[data-testid="train-start"]:not([disabled])', { timeout: 60_000 });
    await stepAtLeast(page, 2 * kCheckpointEvery + 2, 240_000);
    const before = await trainStatus(page);
    expect(before.state).toBe('running');
    console.log(`reloading at step ${before.step}`);

    await page.reload();
    const offer = page.locator('[data-testid="train-resume-offer"]');
    await offer.waitFor({ state: 'attached', timeout: 60_000 });
    const saved = Number(await offer.getAttribute('data-step'));
    console.log(`saved run offered at step ${saved}`);
    expect(saved).toBeGreaterThanOrEqual(2 * kCheckpointEvery);
    expect(saved).toBeLessThanOrEqual(before.step + kCheckpointEvery);
    expect(saved % kCheckpointEvery).toBe(0);
    // Nothing runs until the user says so.
    expect((await trainStatus(page)).state).toBe('idle');

    // The model lives on the GPU, so it is loaded again; the dataset comes back from IndexedDB.
    await loadModel(page, files);
    await page.click('[data-testid="step-train"]');
    await page.click('[data-testid="train-resume"]:not([disabled])', { timeout: 30_000 });
    await page.waitForSelector('[data-testid="train-status"][data-state="running"]', {
      timeout: 120_000,
    });
    const resumed = await trainStatus(page);
    expect(resumed.total).toBe(kSteps);
    expect(resumed.step).toBeGreaterThanOrEqual(saved);
    // (No tighter upper bound: on an idle machine several steps can pass before this read.)
    expect(resumed.step).toBeLessThan(kSteps);
    // The chart kept the points from before the reload.
    expect(await chartPoints(page)).toBeGreaterThanOrEqual(saved);

    await stepAtLeast(page, saved + 4, 120_000);
    const later = await trainStatus(page);
    expect(later.text).toMatch(new RegExp(`Step ${later.step} / ${kSteps}`));
    expect(await chartPoints(page)).toBeGreaterThanOrEqual(saved + 4);

    await page.click('[data-testid="train-stop"]');
    await page.waitForSelector('[data-testid="train-status"][data-state="stopped"]', {
      timeout: 120_000,
    });
    const stopped = await trainStatus(page);
    expect(stopped.step).toBeGreaterThan(saved + 3);

    // The resumed run's model card still says what curation changed before the reload.
    await page.click('[data-testid="step-export"]');
    const card = page.locator('[data-testid="download-card"]');
    await expect.poll(() => card.isEnabled(), { timeout: 60_000 }).toBe(true);
    const [dl] = await Promise.all([page.waitForEvent('download'), card.click()]);
    const text = await readFile(await dl.path(), 'utf8');
    expect(text).toMatch(/Curated in SFT Studio: 1 row dropped \(by flag: [\w ]+ 1\), 0 edited/);
    expect(pageErrors).toEqual([]);
  }, 600_000);
});
