// The overfitting watch and the hardest-first example sort end to end in headless Chromium
// (SwiftShader WebGPU) with the tiny local model. A tiny model of random weights does not overfit
// a real dataset within a test's few steps (its eval loss keeps falling while it learns the shared
// format), so the dataset is built to overfit on purpose: twelve questions, the held-out ones (the
// seeded split, src/train/split.ts) answered "No" and the trained ones "Yes". Full-batch steps at a
// high learning rate first lower the eval loss (the format and the end of turn), then memorize
// "Yes" and raise it while the training loss keeps falling: the watch's rule (eval loss rose for 2
// evaluations in a row while the training loss fell) fires and the best eval step comes before
// the last eval. The held-out "No" rows are then the hardest examples for the tuned model, so the
// example browser's hardest-first sort puts them first.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evalSplit } from '../../src/train/split.ts';
import { launchBrowser, startServer, type TestServer } from '../helpers/browser.ts';
import { loadModel, setSmallRun, tinyModelFiles, trainStatus } from './studio-helpers.ts';

const kRows = 12;
const kEvalFraction = 0.25;
const kSeed = 42;
const kSteps = 12;

/** The rows, and the 1-based lines the seeded split holds out. */
function overfitDataset(): { jsonl: string; heldLines: number[] } {
  const held = evalSplit(kRows, kEvalFraction, kSeed).eval;
  const rows = Array.from({ length: kRows }, (_, i) =>
    JSON.stringify({
      messages: [
        { role: 'user', content: `Question ${i + 1}: is it true?` },
        { role: 'assistant', content: held.includes(i) ? 'No' : 'Yes' },
      ],
    }),
  );
  return { jsonl: `${rows.join('\n')}\n`, heldLines: held.map((i) => i + 1) };
}

/** The Train form set for a run made to overfit (full batch, eval every step, no early stop). */
async function setOverfitRun(page: Page): Promise<void> {
  await setSmallRun(page, kSteps, 0);
  const fill = (field: string, value: string) => page.fill(`[data-testid="train-${field}"]`, value);
  const trainRows = kRows - Math.round(kRows * kEvalFraction);
  await fill('effectiveBatch', String(trainRows));
  await fill('microBatch', String(trainRows));
  await fill('dropout', '0');
  await fill('evalSplit', String(kEvalFraction * 100));
  await fill('evalEvery', '1');
  await fill('earlyStoppingPatience', '0');
  await fill('seed', String(kSeed));
  await page.selectOption('[data-testid="train-scheduler"]', 'constant');
  // One example per row: each step is exactly the nine training examples.
  await page.setChecked('[data-testid="train-packing"]', false);
}

async function rowLosses(page: Page): Promise<{ line: number; loss: number }[]> {
  return page.$$eval('[data-testid="example-list"] .ex-row', (els) =>
    els
      .map((el) => ({
        line: Number(el.getAttribute('data-line')),
        loss: Number(el.getAttribute('data-loss')),
        top: el.getBoundingClientRect().top,
      }))
      .sort((a, b) => a.top - b.top)
      .map(({ line, loss }) => ({ line, loss })),
  );
}

describe('overfitting watch and hardest-first sort in the studio', () => {
  let srv: TestServer;
  let browser: Browser;
  let page: Page;
  let dir: string;
  const pageErrors: string[] = [];
  const { jsonl, heldLines } = overfitDataset();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sft-overfit-'));
    await writeFile(join(dir, 'overfit.jsonl'), jsonl);
    srv = await startServer(undefined, ['index.html', 'src/worker/*.worker.ts']);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') console.log('[page]', m.text());
    });
    await page.goto(srv.url);
    await page.evaluate(() => indexedDB.deleteDatabase('sft-studio'));
  });

  afterAll(async () => {
    await browser?.close();
    await srv?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('warns of overfitting, with the best eval step before the last eval', async () => {
    await loadModel(page, await tinyModelFiles());
    await page.click('[data-testid="step-dataset"]');
    await page.setInputFiles('[data-testid="dataset-input"]', join(dir, 'overfit.jsonl'));
    await page.waitForSelector('[data-testid="dataset-summary"]', { timeout: 60_000 });
    await setOverfitRun(page);
    const start = page.locator('[data-testid="train-start"]');
    await expect.poll(() => start.isEnabled(), { timeout: 60_000 }).toBe(true);
    await start.click();
    await page.waitForSelector(
      '[data-testid="train-status"]:is([data-state="done"], [data-state="stopped"], [data-state="error"])',
      { timeout: 600_000 },
    );
    const end = await trainStatus(page);
    expect(end.state).toBe('done');
    expect(end.step).toBe(kSteps);
    const best = Number(
      await page.getAttribute('[data-testid="loss-chart"]', 'data-best-eval-step'),
    );
    const watch = await page.$('[data-testid="train-watch"]');
    const topic = watch ? await watch.getAttribute('data-topic') : null;
    console.log(`best eval at step ${best} of ${end.step}; watch: ${await watch?.innerText()}`);
    expect(topic).toBe('overfitting');
    // Eval every step: the last eval is the last step's.
    expect(best).toBeGreaterThan(0);
    expect(best).toBeLessThan(end.step);
    expect(pageErrors).toEqual([]);
  }, 900_000);

  it('sorts the examples hardest first by the tuned model’s loss', async () => {
    await page.click('[data-testid="step-dataset"]');
    await page.click('[data-testid="example-loss-run"]');
    await page.waitForSelector('[data-testid="example-list"] .ex-row[data-loss]', {
      timeout: 300_000,
    });
    expect(await page.inputValue('[data-testid="example-sort"]')).toBe('loss-tuned');
    const rows = await rowLosses(page);
    console.log(rows.map((r) => `L${r.line} ${r.loss}`).join(', '));
    expect(rows).toHaveLength(kRows);
    const losses = rows.map((r) => r.loss);
    expect(losses.every((l) => Number.isFinite(l))).toBe(true);
    expect(losses[0]).toBe(Math.max(...losses));
    for (let k = 1; k < losses.length; k++) expect(losses[k - 1]).toBeGreaterThanOrEqual(losses[k]);
    // The held-out "No" rows contradict what the model memorized: they are the hardest.
    expect(
      rows
        .slice(0, heldLines.length)
        .map((r) => r.line)
        .sort((a, b) => a - b),
    ).toEqual(heldLines);
    // Row order again, then the base model's losses.
    await page.selectOption('[data-testid="example-sort"]', 'row');
    expect((await rowLosses(page)).map((r) => r.line)).toEqual(
      Array.from({ length: kRows }, (_, i) => i + 1),
    );
    await page.selectOption('[data-testid="example-sort"]', 'loss-base');
    const base = (await rowLosses(page)).map((r) => r.loss);
    expect(base[0]).toBe(Math.max(...base));
    expect(pageErrors).toEqual([]);
  }, 600_000);
});
