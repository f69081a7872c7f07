// The studio's evaluation views end to end in headless Chromium (SwiftShader WebGPU): the tiny
// local model, a short run with an eval split (so the engine keeps the best eval loss's adapter and
// the chart marks its step), then the Try step's prompt set on the held-out examples: a table with
// prompt, reference, base and tuned answers, whether each stopped on its own, ROUGE-L per row and
// the summary metrics; its JSONL download checked against the table; pasted questions (no
// reference: no reference metrics); Try and Export with the best eval loss's adapter; and the loss
// heat view on the token preview (the tuned model's mean loss below the base model's).
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, startServer, type TestServer } from '../helpers/browser.ts';
import {
  loadDataset,
  loadModel,
  setSmallRun,
  tinyModelFiles,
  trainStatus,
} from './studio-helpers.ts';

const kSteps = 20;
const kEvalEvery = 5;

interface RowAttrs {
  line: number;
  baseStopped: string;
  tunedStopped: string;
  cells: string[];
}

async function tableRows(page: Page): Promise<RowAttrs[]> {
  return page.$$eval('[data-testid="try-set-row"]', (els) =>
    els.map((el) => ({
      line: Number(el.getAttribute('data-line')),
      baseStopped: el.getAttribute('data-base-stopped') ?? '',
      tunedStopped: el.getAttribute('data-tuned-stopped') ?? '',
      // A cell's text; an empty answer shows a placeholder, which is not its text.
      cells: [...el.querySelectorAll('td')].map((td) => {
        const t = td.querySelector('.set-text');
        if (!t) return td.textContent ?? '';
        return t.children.length === 1 && t.firstElementChild?.classList.contains('subtle')
          ? ''
          : (t.textContent ?? '');
      }),
    })),
  );
}

async function waitSetDone(page: Page): Promise<void> {
  await page.waitForSelector(
    '[data-testid="try-set-table"]:is([data-status="done"], [data-status="failed"], [data-status="cancelled"])',
    { timeout: 300_000 },
  );
  const failed = await page.$('[data-testid="try-set-error"]');
  expect(failed ? await failed.textContent() : '').toBe('');
  expect(await page.getAttribute('[data-testid="try-set-table"]', 'data-status')).toBe('done');
}

describe('evaluation views in the studio', () => {
  let srv: TestServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    srv = await startServer(undefined, ['index.html', 'src/worker/*.worker.ts']);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
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
  });

  it('trains with an eval split and marks the best eval loss on the chart', async () => {
    await loadModel(page, await tinyModelFiles());
    await loadDataset(page);
    await setSmallRun(page, kSteps, 0);
    await page.fill('[data-testid="train-evalSplit"]', '20');
    await page.fill('[data-testid="train-evalEvery"]', String(kEvalEvery));
    await page.fill('[data-testid="train-earlyStoppingPatience"]', '2');
    expect(await page.inputValue('[data-testid="train-earlyStoppingPatience"]')).toBe('2');
    const start = page.locator('[data-testid="train-start"]');
    await expect.poll(() => start.isEnabled(), { timeout: 60_000 }).toBe(true);
    await start.click();
    await page.waitForSelector(
      '[data-testid="train-status"]:is([data-state="done"], [data-state="stopped"])',
      {
        timeout: 600_000,
      },
    );
    const end = await trainStatus(page);
    const chart = await page.$eval('[data-testid="loss-chart"]', (el) => ({
      bestStep: el.getAttribute('data-best-eval-step'),
      bestLoss: el.getAttribute('data-best-eval-loss'),
      marker: el.querySelectorAll('.recharts-reference-dot').length,
    }));
    console.log(
      `run ended ${end.state} at step ${end.step}; best eval at step ${chart.bestStep} (${chart.bestLoss})`,
    );
    const best = Number(chart.bestStep);
    expect(best).toBeGreaterThan(0);
    expect(best % kEvalEvery === 0 || best === end.step).toBe(true);
    expect(Number(chart.bestLoss)).toBeGreaterThan(0);
    expect(chart.marker).toBe(1);
    // A run that stopped before its last step stopped early, and says so above the chart.
    const watch = await page.$('[data-testid="train-watch"]');
    const topic = watch ? await watch.getAttribute('data-topic') : null;
    if (end.state === 'stopped') expect(topic).toBe('early-stop');
    else expect(end.step).toBe(kSteps);
    expect(pageErrors).toEqual([]);
  }, 900_000);

  it('answers the held-out examples with both models, in a table with metrics', async () => {
    await page.click('[data-testid="step-try"]');
    await page.fill('[data-testid="generate-max-tokens"]', '8');
    expect(await page.inputValue('[data-testid="try-set-source"]')).toBe('eval');
    await page.click('[data-testid="try-set-run"]');
    await waitSetDone(page);
    const n = Number(await page.getAttribute('[data-testid="try-set-table"]', 'data-rows'));
    const done = Number(await page.getAttribute('[data-testid="try-set-table"]', 'data-done'));
    // The held-out rows (20% of the trainable examples), at most 10 by default.
    const held = Number(await page.getAttribute('[data-testid="try-set-source"]', 'data-held'));
    console.log(`${held} held-out examples, ${n} rows`);
    expect(held).toBeGreaterThan(0);
    expect(n).toBe(Math.min(held, 10));
    expect(done).toBe(n);
    const rows = await tableRows(page);
    expect(rows).toHaveLength(n);
    for (const r of rows) {
      expect(['true', 'false']).toContain(r.baseStopped);
      expect(['true', 'false']).toContain(r.tunedStopped);
      // #, prompt, reference, base, tuned, ROUGE-L
      expect(r.cells).toHaveLength(6);
      expect(r.cells[1].length).toBeGreaterThan(0);
      expect(r.cells[2].length).toBeGreaterThan(0);
    }
    const summary = await page.$eval('[data-testid="try-set-summary"]', (el) => ({
      examples: Number(el.getAttribute('data-examples')),
      baseRouge: Number(el.getAttribute('data-base-rouge')),
      tunedRouge: Number(el.getAttribute('data-tuned-rouge')),
      text: (el as HTMLElement).innerText,
    }));
    console.log(`summary:\n${summary.text}`);
    expect(summary.examples).toBe(n);
    expect(summary.text).toContain('BLEU');
    expect(summary.text).toContain('Stop rate');
    expect(summary.tunedRouge).toBeGreaterThanOrEqual(0);
    expect(summary.tunedRouge).toBeLessThanOrEqual(1);

    // The JSONL download holds the table's rows (same order: by row), then the summary.
    const [dl] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-testid="try-set-export-jsonl"]'),
    ]);
    expect(dl.suggestedFilename()).toBe('prompt-set.jsonl');
    const lines = (await readFile(await dl.path(), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(n + 1);
    const objs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const [i, o] of objs.slice(0, n).entries()) {
      expect(o.line).toBe(rows[i].line);
      expect(o.reference).toBe(rows[i].cells[2]);
      expect(o.base).toBe(rows[i].cells[3]);
      expect(o.tuned).toBe(rows[i].cells[4]);
      expect(String(o.base_stopped)).toBe(rows[i].baseStopped);
      expect(String(o.tuned_stopped)).toBe(rows[i].tunedStopped);
      const rouge = o.rougeL as { base: number; tuned: number };
      expect(rouge.base).toBeGreaterThanOrEqual(0);
      expect(rouge.tuned).toBeLessThanOrEqual(1);
    }
    const s = objs[n].summary as { examples: number; rougeL: { tuned: number }; bleu: object };
    expect(s.examples).toBe(n);
    expect(s.rougeL.tuned).toBeCloseTo(summary.tunedRouge, 5);
    expect(Object.keys(s.bleu)).toEqual(['base', 'tuned']);

    // The filter narrows the table; the CSV download has a header and one record per row.
    await page.selectOption('[data-testid="try-set-show"]', 'tuned-limit');
    const limited = rows.filter((r) => r.tunedStopped === 'false').length;
    expect(Number(await page.getAttribute('[data-testid="try-set-table"]', 'data-shown'))).toBe(
      limited,
    );
    await page.selectOption('[data-testid="try-set-show"]', 'all');
    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-testid="try-set-export-csv"]'),
    ]);
    const csvText = await readFile(await csv.path(), 'utf8');
    expect(csvText.startsWith('\ufeffline,prompt,reference,base,tuned')).toBe(true);
    expect(pageErrors).toEqual([]);
  }, 600_000);

  it('answers pasted questions, without reference metrics', async () => {
    await page.selectOption('[data-testid="try-set-source"]', 'questions');
    await page.fill('[data-testid="try-set-questions"]', 'Say hello.\n\nCount to three.\n');
    await page.click('[data-testid="try-set-run"]');
    await waitSetDone(page);
    const rows = await tableRows(page);
    expect(rows.map((r) => r.line)).toEqual([1, 2]);
    expect(rows[0].cells).toHaveLength(4); // #, prompt, base, tuned
    expect(rows[0].cells[1]).toBe('Say hello.');
    const text = await page.innerText('[data-testid="try-set-summary"]');
    expect(text).toContain('Stop rate');
    expect(text).not.toContain('BLEU');
    expect(pageErrors).toEqual([]);
  }, 300_000);

  it('tries and exports the best eval loss adapter', async () => {
    const which = page.locator('[data-testid="try-which"]');
    const bestStep = await which.getAttribute('data-best-step');
    expect(Number(bestStep)).toBeGreaterThan(0);
    await which.selectOption('best');
    await page.fill('[data-testid="generate-prompt"]', 'Say hello.');
    await page.click('[data-testid="generate-run"]');
    await page.waitForSelector(
      '[data-testid="generate-tuned-output"]:is([data-status="done"], [data-status="failed"])',
      { timeout: 180_000 },
    );
    expect(await page.$('[data-testid="generate-error"]')).toBeNull();
    expect(await page.textContent('.try-grid + p')).toContain('best eval-loss adapter');

    await page.click('[data-testid="step-export"]');
    const button = page.locator('[data-testid="download-adapter"]');
    await expect.poll(() => button.isEnabled(), { timeout: 60_000 }).toBe(true);
    await page.selectOption('[data-testid="export-which"]', 'best');
    await page.waitForSelector('[data-testid="export-built"][data-which="best"]', {
      timeout: 60_000,
    });
    expect(await page.textContent('[data-testid="export-built"]')).toContain('best eval loss');
    expect(await button.isEnabled()).toBe(true);
    const [dl] = await Promise.all([page.waitForEvent('download'), button.click()]);
    expect(dl.suggestedFilename()).toBe('adapter.zip');
    expect(pageErrors).toEqual([]);
  }, 300_000);

  it('colors the previewed tokens by loss, lower after tuning', async () => {
    await page.click('[data-testid="step-dataset"]');
    await page.waitForSelector('[data-testid="token-preview"] [data-trained="true"]', {
      timeout: 60_000,
    });
    await page.click('[data-testid="token-loss-run"]');
    await page.waitForSelector('[data-testid="token-preview"][data-heat="tuned"]', {
      timeout: 120_000,
    });
    const means = await page.$eval('[data-testid="token-loss-means"]', (el) => ({
      base: Number(el.getAttribute('data-base')),
      tuned: Number(el.getAttribute('data-tuned')),
    }));
    console.log(
      `per-token loss on the previewed example: base ${means.base}, tuned ${means.tuned}`,
    );
    expect(means.tuned).toBeLessThan(means.base);
    const chips = await page.$$eval('[data-testid="token-preview"] .tok', (els) =>
      els.map((el) => ({
        trained: el.getAttribute('data-trained') === 'true',
        loss: el.getAttribute('data-loss'),
      })),
    );
    // Every trained token but a first one has a loss; no masked token has one.
    expect(chips.filter((c) => !c.trained && c.loss !== null)).toEqual([]);
    const withLoss = chips.filter((c) => c.loss !== null);
    expect(withLoss.length).toBeGreaterThan(0);
    expect(withLoss.length).toBeGreaterThanOrEqual(chips.filter((c) => c.trained).length - 1);
    await page.click('[data-testid="token-loss-mode-diff"]');
    await page.waitForSelector('[data-testid="token-preview"][data-heat="diff"]');
    expect(pageErrors).toEqual([]);
  }, 300_000);
});
