// Curation end to end in headless Chromium (issue 12): the tiny local model's tokenizer, a JSONL with
// planted problems (two exact duplicates, a near duplicate, an empty answer, an e-mail address, a
// refusal), filtered by flag, a duplicate's link to the row it repeats, all duplicates and the
// near-duplicate dropped by flag, one row dropped, restored and the drop undone, the empty answer
// edited (the token preview follows), two rows written by hand in the conversation editor (live
// token preview while typing), a few training steps on the curated set (the run's example count,
// the model card's curation line), the curated JSONL and dropped-rows list downloaded and read, an
// empty dataset started with no file, and Dolly's category column in the diversity view.
// Writes screenshots/curation-*.png on the way.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kRepoRoot, launchBrowser, startServer, type TestServer } from '../helpers/browser.ts';
import { loadModel, setSmallRun, tinyModelFiles, trainStatus } from './studio-helpers.ts';

const kFixture = resolve(kRepoRoot, 'test/fixtures/data/e2e-curation.jsonl');
const kShots = resolve(kRepoRoot, 'screenshots');

async function listedLines(page: Page): Promise<number[]> {
  return page
    .locator('[data-testid="example-list"] .ex-row')
    .evaluateAll((els) => els.map((el) => Number((el as HTMLElement).dataset.line)));
}

async function flagCount(page: Page, kind: string): Promise<string | null> {
  return page.getAttribute(`[data-testid="flag-count-${kind}"]`, 'data-count');
}

/** Waits for the curation bar's counts (the worker's curated table and report). */
async function waitKept(page: Page, kept: number) {
  await page.waitForSelector(`[data-testid="curation-state"][data-kept="${kept}"]`, {
    timeout: 30_000,
  });
}

async function shot(page: Page, name: string, fullPage = false, width = 1280) {
  await page.waitForTimeout(250);
  // a full-page shot of a scrolled page draws the sticky header mid-page
  if (fullPage) await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: resolve(kShots, `curation-${name}-${width}.png`), fullPage });
}

async function selectRow(page: Page, line: number) {
  await page.click(`[data-testid="example-list"] .ex-row[data-line="${line}"]`);
  await page.waitForSelector(`.detail-title h3:has-text("Line ${line}")`);
}

describe('curating a dataset in the studio', () => {
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
    // Other dev servers on this machine share Vite's dependency cache: when one re-optimizes, a
    // page can get "504 Outdated Optimize Dep" and stay blank. Load again until the studio shows.
    for (let tries = 0; ; tries++) {
      await page.goto(srv.url);
      const up = await page
        .waitForSelector('[data-testid="step-model"]', { timeout: 20_000 })
        .then(() => true)
        .catch(() => false);
      if (up) break;
      if (tries === 3) throw new Error('the studio page did not load (see [page] errors above)');
    }
    await page.evaluate(() => indexedDB.deleteDatabase('sft-studio'));
  });

  afterAll(async () => {
    await browser?.close();
    await srv?.close();
  });

  it('flags every planted problem and filters by flag', async () => {
    await loadModel(page, await tinyModelFiles());
    await setSmallRun(page, 4, 100);
    await page.click('[data-testid="step-dataset"]');
    await page.setInputFiles('[data-testid="dataset-input"]', kFixture);
    await page.waitForSelector('[data-testid="stat-trained"]', { timeout: 120_000 });
    // the token checks run after tokenizing: every kind counted
    await page.waitForSelector('[data-testid="flag-count-truncated"][data-count="0"]', {
      timeout: 60_000,
    });
    expect(await flagCount(page, 'duplicate')).toBe('2');
    expect(await flagCount(page, 'near_duplicate')).toBe('1');
    expect(await flagCount(page, 'empty_answer')).toBe('1');
    expect(await flagCount(page, 'pii')).toBe('1');
    expect(await flagCount(page, 'refusal')).toBe('1');
    expect(await flagCount(page, 'repetition')).toBe('0');

    await page.click('[data-testid="flag-filter-duplicate"]');
    expect(await listedLines(page)).toEqual([3, 9]);
    await selectRow(page, 3);
    const flag = page.locator('[data-testid="example-flag"][data-kind="duplicate"]');
    expect(await flag.innerText()).toContain('the same conversation as line 1');
    await shot(page, 'filter');
    // the link selects the row it repeats
    await page.click('[data-testid="flag-other-row"][data-line="1"]');
    await page.waitForSelector('.detail-title h3:has-text("Line 1")');
    await page.click('[data-testid="flag-filter-near_duplicate"]');
    expect(await listedLines(page)).toEqual([6]);
    await selectRow(page, 6);
    expect(
      await page.innerText('[data-testid="example-flag"][data-kind="near_duplicate"]'),
    ).toMatch(/similar to line 5: Jaccard similarity 0\.\d+/);
    expect(pageErrors).toEqual([]);
  }, 400_000);

  it('drops by flag, drops and restores one row, and undoes', async () => {
    await page.click('[data-testid="flag-filter-duplicate"]');
    await page.click('[data-testid="drop-flag-duplicate"]');
    await waitKept(page, 10);
    await page.click('[data-testid="flag-filter-near_duplicate"]');
    await page.click('[data-testid="drop-flag-near_duplicate"]');
    await waitKept(page, 9);
    expect(await flagCount(page, 'duplicate')).toBe('0');
    expect(await page.getAttribute('[data-testid="dataset-summary"]', 'data-valid')).toBe('9');

    await page.click('[data-testid="filter-all"]');
    await selectRow(page, 12);
    await page.click('[data-testid="drop-example"]');
    await waitKept(page, 8);
    await page.click('[data-testid="restore-example"]');
    await waitKept(page, 9);
    await page.click('[data-testid="drop-example"]');
    await waitKept(page, 8);
    await page.click('[data-testid="curation-undo"]');
    await waitKept(page, 9);
    await page.click('[data-testid="filter-dropped"]');
    expect(await listedLines(page)).toEqual([3, 6, 9]);
    await shot(page, 'dropped');
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('edits one example: its tokens re-render, its flag goes', async () => {
    await page.click('[data-testid="flag-filter-empty_answer"]');
    await selectRow(page, 7);
    await page.waitForSelector('[data-testid="token-preview"][data-line="7"]');
    const counts = page.locator('[data-testid="example-counts"]');
    const before = Number(await counts.getAttribute('data-trained'));
    await page.click('[data-testid="edit-example"]');
    const contents = page.locator('[data-testid="editor-turn-content"]');
    expect(await contents.count()).toBe(2);
    const editorCounts = page.locator('[data-testid="editor-counts"]');
    await editorCounts.waitFor({ timeout: 30_000 });
    await contents.nth(1).fill('Why did the chicken cross the road? To get to the other side.');
    // the live preview re-tokenizes the draft
    await expect
      .poll(async () => Number(await editorCounts.getAttribute('data-trained')), {
        timeout: 30_000,
      })
      .toBeGreaterThan(before + 5);
    await shot(page, 'edit');
    await page.click('[data-testid="edit-save"]');
    await page.waitForSelector('[data-testid="example-editor"]', { state: 'detached' });
    await expect
      .poll(async () => Number(await counts.getAttribute('data-trained')), { timeout: 30_000 })
      .toBeGreaterThan(before + 5);
    const text = await page
      .locator('[data-testid="token-preview"] [data-trained="true"]')
      .allInnerTexts();
    expect(text.join('')).toContain('chicken');
    await page.waitForSelector('[data-testid="flag-count-empty_answer"][data-count="0"]');
    expect(await page.innerText('[data-testid="curation-state"]')).toContain('1 edited');
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('writes two new examples by hand, with the token preview as they are typed', async () => {
    await page.click('[data-testid="filter-all"]');
    await page.click('[data-testid="new-example"]');
    const contents = page.locator('[data-testid="editor-turn-content"]');
    await contents.nth(0).fill('Name a planet.');
    await contents.nth(1).fill('Mars.');
    const tokens = page.locator('[data-testid="token-preview"] [data-trained="true"]');
    await expect
      .poll(async () => (await tokens.allInnerTexts()).join(''), { timeout: 30_000 })
      .toContain('Mars.');
    await page.click('[data-testid="editor-save"]');
    await waitKept(page, 10);
    await page.waitForSelector('.detail-title h3:has-text("Line 13")');

    await page.click('[data-testid="new-example"]');
    const roles = page.locator('[data-testid="editor-turn-role"]');
    await roles.nth(0).selectOption('system');
    await contents.nth(0).fill('You answer in one word.');
    await roles.nth(1).selectOption('user');
    await contents.nth(1).fill('What is the opposite of hot?');
    await page.click('[data-testid="editor-add-turn"]');
    expect(await roles.nth(2).inputValue()).toBe('assistant');
    await contents.nth(2).fill('Cold.');
    await expect
      .poll(async () => (await tokens.allInnerTexts()).join(''), { timeout: 30_000 })
      .toContain('Cold.');
    await shot(page, 'new');
    await page.click('[data-testid="editor-save"]');
    await waitKept(page, 11);
    await page.waitForSelector('.detail-title h3:has-text("Line 14")');
    expect(await page.innerText('[data-testid="curation-state"]')).toContain('2 written by hand');
    await page.click('[data-testid="filter-changed"]');
    expect(await listedLines(page)).toEqual([7, 13, 14]);
    await page.click('[data-testid="filter-all"]');
    await page.locator('[data-testid="diversity-chart"]').scrollIntoViewIfNeeded();
    await shot(page, 'report', true);
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('trains on the curated set, and the model card says what curation changed', async () => {
    await page.click('[data-testid="step-train"]');
    const start = page.locator('[data-testid="train-start"]');
    await expect.poll(() => start.isEnabled(), { timeout: 60_000 }).toBe(true);
    await start.click();
    await page.waitForSelector('[data-testid="train-status"][data-state="done"]', {
      timeout: 400_000,
    });
    expect((await trainStatus(page)).step).toBe(4);
    const stats = await page.innerText('[data-testid="train-stats"]');
    const trained = Number(/(\d+) training examples/.exec(stats)?.[1]);
    const held = Number(/(\d+) held-out examples/.exec(stats)?.[1] ?? 0);
    // 12 rows − 3 dropped + 2 written by hand
    expect(trained + held).toBe(11);

    await page.click('[data-testid="step-export"]');
    const card = page.locator('[data-testid="download-card"]');
    await expect.poll(() => card.isEnabled(), { timeout: 60_000 }).toBe(true);
    const [dl] = await Promise.all([page.waitForEvent('download'), card.click()]);
    const text = await readFile(await dl.path(), 'utf8');
    expect(text).toContain(
      'Curated in SFT Studio: 3 rows dropped (by flag: duplicate 2, near_duplicate 1), 1 edited, 2 rows written by hand',
    );
    expect(pageErrors).toEqual([]);
  }, 600_000);

  it('exports the curated JSONL and the dropped rows', async () => {
    await page.click('[data-testid="step-dataset"]');
    const [curated] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-testid="download-curated"]'),
    ]);
    expect(curated.suggestedFilename()).toBe('e2e-curation.curated.jsonl');
    const rows = (await readFile(await curated.path(), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { messages: { role: string; content: string }[] });
    expect(rows).toHaveLength(11);
    expect(rows[4].messages[1].content).toBe(
      'Why did the chicken cross the road? To get to the other side.',
    );
    expect(rows[9]).toEqual({
      messages: [
        { role: 'user', content: 'Name a planet.' },
        { role: 'assistant', content: 'Mars.' },
      ],
    });
    expect(rows[10].messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant']);
    const users = rows.map((r) => r.messages.find((m) => m.role === 'user')?.content);
    expect(new Set(users).size).toBe(users.length); // no duplicate left

    const [dropped] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-testid="download-dropped"]'),
    ]);
    const gone = (await readFile(await dropped.path(), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number; flags: { kind: string; of?: number }[] });
    expect(gone.map((g) => g.line)).toEqual([3, 6, 9]);
    expect(gone[0].flags).toMatchObject([{ kind: 'duplicate', of: 1 }]);
    expect(gone[1].flags).toMatchObject([{ kind: 'near_duplicate', of: 5 }]);
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('starts from an empty dataset, with no file, and writes its first row', async () => {
    await page.click('[data-testid="new-dataset"]');
    await page.waitForSelector('[data-testid="dataset-summary"][data-valid="0"]', {
      timeout: 30_000,
    });
    const contents = page.locator('[data-testid="editor-turn-content"]');
    await contents.nth(0).fill('What is the capital of Japan?');
    await contents.nth(1).fill('Tokyo.');
    const tokens = page.locator('[data-testid="token-preview"] [data-trained="true"]');
    await expect
      .poll(async () => (await tokens.allInnerTexts()).join(''), { timeout: 30_000 })
      .toContain('Tokyo.');
    await page.setViewportSize({ width: 800, height: 900 });
    await shot(page, 'empty', true, 800);
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.click('[data-testid="editor-save"]');
    await page.waitForSelector('[data-testid="dataset-summary"][data-valid="1"]');
    await waitKept(page, 1);
    expect(await listedLines(page)).toEqual([1]);
    expect(await page.innerText('[data-testid="curation-state"]')).toContain('1 written by hand');
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it("charts Dolly's category column in the diversity view", async () => {
    await page.click('[data-testid="sample-dolly"]');
    const chart = page.locator('[data-testid="diversity-chart"][data-by="category"]');
    await chart.waitFor({ timeout: 30_000 });
    expect(await chart.getAttribute('data-bars')).toBe('8');
    expect(await chart.innerText()).toContain('open_qa');
    await chart.scrollIntoViewIfNeeded();
    await shot(page, 'dolly');
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
