// End to end: datasets from anywhere, in the studio's Dataset step in headless Chromium.
// (a) a Hub dataset by id from a local fake Hub (test/fixtures/fake-hub.ts): a Parquet conversion
//     with two subsets, the train split in two shards; the pickers show row counts read from the
//     Parquet footers; a "first N rows" limit is honoured; then the Hub is closed and the page
//     reloaded, and the same split loads from the browser cache (look-up included);
// (a') a repo the Hub has not converted: Look up fails with 404 and opens "Or read one file of the
//     repo"; a JSONL file at a non-main revision loads by path + revision, then again offline;
// (b) a Parquet file, a JSON array file and a CSV file through `dataset-input` each give the
//     examples src/data reads from them in Node;
// (c) a CSV in an unknown schema opens the mapping dialog by itself; the user maps the columns and
//     the examples appear, the report saying how rows were read;
// (d) reading a large file can be cancelled.
// SCREENSHOTS=1 writes screenshots/dataset-hub-picker-1280.png, dataset-hub-loaded-1280.png,
// dataset-hub-file-1280.png, dataset-mapping-1280.png and dataset-mapping-page-1280.png.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRows, readExamples } from '../../src/data/index.ts';
import { startFakeHub, type FakeHub } from '../fixtures/fake-hub.ts';
import {
  kRepoRoot as root,
  launchBrowser,
  startServer,
  type TestServer,
} from '../helpers/browser.ts';

const kOptimizeEntries = ['index.html', 'src/worker/*.worker.ts'];
const rows = (name: string) => resolve(root, 'test/fixtures/data/rows', name);
const sources = (name: string) => resolve(root, 'test/fixtures/data/sources', name);
const shots = process.env.SCREENSHOTS ? resolve(root, 'screenshots') : null;

/** What src/data reads from a file in Node: the count the studio must show. */
async function validIn(path: string, limit?: number): Promise<number> {
  const data = new Uint8Array(readFileSync(path));
  return (await readExamples(openRows({ name: path, data }, { limit }))).examples.length;
}

/** The report's counts once it is there; a failure to read says its message. */
async function summaryCounts(page: Page) {
  const summary = page.locator('[data-testid="dataset-summary"]');
  const failed = page.locator('.callout-danger', { hasText: 'Could not read the dataset' });
  await summary.or(failed).first().waitFor({ timeout: 60_000 });
  if (await failed.count()) throw new Error(await failed.innerText());
  return {
    valid: Number(await summary.getAttribute('data-valid')),
    lines: Number(await summary.getAttribute('data-lines')),
    name: await summary.locator('code').first().innerText(),
  };
}

/** The Model step's Hub endpoint (the Dataset step's Hub field uses the same one). */
async function setEndpoint(page: Page, endpoint: string) {
  await page.click('[data-testid="step-model"]');
  await page.fill('#hub-endpoint', endpoint);
  await page.click('[data-testid="step-dataset"]');
}

async function optionTexts(page: Page, testId: string): Promise<string[]> {
  return page.$$eval(`[data-testid="${testId}"] option`, (els) =>
    els.map((e) => e.textContent ?? ''),
  );
}

async function lookUp(page: Page, repo: string) {
  await page.fill('[data-testid="hub-dataset-id"]', repo);
  await page.click('[data-testid="hub-dataset-lookup"]');
  // Row counts come from the Parquet footers, split by split.
  await page.waitForFunction(
    () => {
      const options = document.querySelectorAll(
        '[data-testid="hub-dataset-subset"] option, [data-testid="hub-dataset-split"] option',
      );
      return options.length > 0 && [...options].every((o) => /\d rows$/.test(o.textContent ?? ''));
    },
    null,
    { timeout: 30_000 },
  );
}

describe('datasets from anywhere in the studio', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let hub: FakeHub;
  const pageErrors: string[] = [];
  const repos: Parameters<typeof startFakeHub>[0] = {
    'e2e/chat': {
      parquet: {
        default: {
          train: [rows('chat-split-0000.parquet'), rows('chat-split-0001.parquet')],
          test: [rows('chat-zstd.parquet')],
        },
        extra: { train: [rows('chat-snappy.parquet')] },
      },
    },
    'e2e/gated': {
      parquet: { default: { train: [rows('chat-snappy.parquet')] } },
      token: 'hf_e2e',
    },
    // No Parquet conversion: one JSONL file, on a branch other than main.
    'e2e/raw': { files: { v1: { 'data/train.jsonl': rows('chat.jsonl') } } },
  };

  beforeAll(async () => {
    hub = await startFakeHub(repos);
    server = await startServer(root, kOptimizeEntries);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(server.url);
    if (shots) mkdirSync(shots, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await hub?.close();
  });

  it('loads a Hub dataset by id: subsets and splits with row counts, a row limit', async () => {
    await setEndpoint(page, hub.endpoint);
    await lookUp(page, 'e2e/chat');
    expect(await optionTexts(page, 'hub-dataset-subset')).toEqual([
      'default · 16 rows',
      'extra · 8 rows',
    ]);
    expect(await optionTexts(page, 'hub-dataset-split')).toEqual([
      'train · 8 rows',
      'test · 8 rows',
    ]);
    expect(await page.inputValue('[data-testid="hub-dataset-split"]')).toBe('train');
    await page.fill('[data-testid="hub-dataset-limit"]', '6');
    if (shots) {
      await page.locator('[data-testid="hub-dataset"]').screenshot({
        path: resolve(shots, 'dataset-hub-picker-1280.png'),
      });
    }
    hub.log.length = 0;
    await page.click('[data-testid="hub-dataset-load"]');
    const got = await summaryCounts(page);
    // Rows 1-6 of the split: all 5 of the first shard and the first of the second.
    expect(got.lines).toBe(6);
    expect(got.valid).toBe(await validIn(rows('chat.jsonl'), 6));
    expect(got.name).toContain('e2e/chat (default/train, first 6 rows)');
    if (shots) {
      await page.evaluate(() => window.scrollTo(0, 0)); // sticky bars mid-page otherwise
      await page.screenshot({
        path: resolve(shots, 'dataset-hub-loaded-1280.png'),
        fullPage: true,
      });
    }
    expect(hub.log.some((l) => l.includes('/default/train/0001.parquet'))).toBe(true);
    expect(hub.log.some((l) => l.includes('/default/test/'))).toBe(false);
  });

  it('says what is wrong with a missing or a gated dataset, and opens a gated one with a token', async () => {
    const error = page.locator('[data-testid="hub-dataset-error"]');
    await page.fill('[data-testid="hub-dataset-id"]', 'e2e/missing');
    await page.click('[data-testid="hub-dataset-lookup"]');
    await error.waitFor();
    expect(await error.innerText()).toMatch(
      /"e2e\/missing" was not found .*HTTP 404.*check the dataset id/,
    );
    await page.fill('[data-testid="hub-dataset-id"]', 'e2e/gated');
    await page.click('[data-testid="hub-dataset-lookup"]');
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="hub-dataset-error"]')?.textContent?.includes('gated'),
    );
    expect(await error.innerText()).toContain('"e2e/gated" is gated or private');
    await page.fill('[data-testid="hub-dataset-token"]', 'hf_e2e');
    await lookUp(page, 'e2e/gated');
    expect(await optionTexts(page, 'hub-dataset-split')).toEqual(['train · 8 rows']);
    await page.fill('[data-testid="hub-dataset-limit"]', '');
    await page.click('[data-testid="hub-dataset-load"]');
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="dataset-summary"] code')?.textContent ===
        'e2e/gated (default/train)',
      null,
      { timeout: 60_000 },
    );
    expect((await summaryCounts(page)).lines).toBe(8);
    await page.fill('[data-testid="hub-dataset-token"]', '');
  });

  it('loads it again from the browser cache with the Hub gone', async () => {
    await hub.close();
    await page.reload();
    await setEndpoint(page, hub.endpoint);
    await lookUp(page, 'e2e/chat');
    expect(await optionTexts(page, 'hub-dataset-split')).toEqual([
      'train · 8 rows',
      'test · 8 rows',
    ]);
    await page.fill('[data-testid="hub-dataset-limit"]', '6');
    await page.click('[data-testid="hub-dataset-load"]');
    const got = await summaryCounts(page);
    expect(got.lines).toBe(6);
    expect(got.valid).toBe(await validIn(rows('chat.jsonl'), 6));
  });

  it('reads one file of a repo at a revision, led there by a failed look-up, then offline', async () => {
    hub = await startFakeHub(repos, Number(new URL(hub.endpoint).port)); // back, same endpoint
    const file = rows('chat.jsonl');
    const loadFile = async () => {
      await page.fill('[data-testid="hub-dataset-file"]', 'data/train.jsonl');
      await page.fill('[data-testid="hub-dataset-revision"]', 'v1');
      await page.fill('[data-testid="hub-dataset-limit"]', '100');
      await page.click('[data-testid="hub-dataset-load-file"]');
      await page.waitForFunction(
        () =>
          document.querySelector('[data-testid="dataset-summary"] code')?.textContent ===
          'e2e/raw/data/train.jsonl@v1 (first 100 rows)',
        null,
        { timeout: 60_000 },
      );
      return summaryCounts(page);
    };
    // No Parquet conversion: Look up says 404 and opens the file option by itself.
    await page.fill('[data-testid="hub-dataset-id"]', 'e2e/raw');
    await page.click('[data-testid="hub-dataset-lookup"]');
    await page.locator('[data-testid="hub-dataset-error"]').waitFor();
    expect(await page.innerText('[data-testid="hub-dataset-error"]')).toContain(
      'read one file of the repo',
    );
    await page.locator('[data-testid="hub-dataset-file"]').waitFor();
    expect(
      await page.getAttribute('[data-testid="hub-dataset-file-toggle"]', 'aria-expanded'),
    ).toBe('true');
    hub.log.length = 0;
    let got = await loadFile();
    expect(got.valid).toBe(await validIn(file));
    expect(got.valid).toBeGreaterThan(0);
    expect(hub.log.some((l) => l.includes('/datasets/e2e/raw/resolve/v1/data/train.jsonl'))).toBe(
      true,
    );
    if (shots) {
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.locator('[data-testid="hub-dataset"]').screenshot({
        path: resolve(shots, 'dataset-hub-file-1280.png'),
      });
    }
    // Offline: the same load, without Look up, from the browser cache.
    await hub.close();
    await page.reload();
    await setEndpoint(page, hub.endpoint);
    await page.fill('[data-testid="hub-dataset-id"]', 'e2e/raw');
    await page.click('[data-testid="hub-dataset-file-toggle"]');
    got = await loadFile();
    expect(got.valid).toBe(await validIn(file));
  });

  it('reads a Parquet file, a JSON array and a CSV file', async () => {
    for (const file of [rows('chat-snappy.parquet'), rows('chat.json'), sources('qa.csv')]) {
      await page.setInputFiles('[data-testid="dataset-input"]', file);
      const name = file.slice(file.lastIndexOf('/') + 1);
      await page.waitForFunction(
        (n) => document.querySelector('[data-testid="dataset-summary"] code')?.textContent === n,
        name,
        { timeout: 60_000 },
      );
      const got = await summaryCounts(page);
      expect(got.valid, name).toBe(await validIn(file));
      expect(got.valid, name).toBeGreaterThan(0);
    }
    // question/answer columns are recognised, and the report says how they were read.
    const reading = page.locator('[data-testid="dataset-reading"]');
    expect(await reading.innerText()).toContain('question as the user turn');
    expect(await page.locator('[data-testid="mapping-dialog"]').count()).toBe(0);
  });

  it('maps the columns of an unknown schema through the dialog', async () => {
    await page.setInputFiles('[data-testid="dataset-input"]', sources('support-tickets.csv'));
    const dialog = page.locator('[data-testid="mapping-dialog"]');
    await dialog.waitFor({ timeout: 60_000 });
    let got = await summaryCounts(page);
    expect(got.valid).toBe(0);
    // The columns with their values, and a proposal the user corrects.
    const columns = await dialog.locator('[data-testid="mapping-columns"]').innerText();
    for (const c of ['ticket', 'agent_reply', 'topic', 'cracked screen']) {
      expect(columns).toContain(c);
    }
    expect(await page.inputValue('[data-testid="mapping-format"]')).toBe('alpaca');
    await page.selectOption('[data-testid="mapping-target-instruction"]', 'ticket');
    await page.selectOption('[data-testid="mapping-target-output"]', 'agent_reply');
    // The preview follows live: the report shows the examples before Apply.
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="dataset-summary"]')?.getAttribute('data-valid') ===
        '5',
      null,
      { timeout: 30_000 },
    );
    expect(await dialog.locator('[data-testid="mapping-spec"]').innerText()).toBe(
      '--columns instruction=ticket,output=agent_reply',
    );
    if (shots) {
      await dialog.screenshot({ path: resolve(shots, 'dataset-mapping-1280.png') });
      await page.evaluate(() => window.scrollTo(0, 0)); // sticky bars mid-page otherwise
      await page.screenshot({
        path: resolve(shots, 'dataset-mapping-page-1280.png'),
        fullPage: true,
      });
    }
    await page.click('[data-testid="mapping-apply"]');
    await dialog.waitFor({ state: 'detached' });
    got = await summaryCounts(page);
    expect(got.valid).toBe(5);
    const reading = page.locator('[data-testid="dataset-reading"]');
    expect(await reading.getAttribute('data-spec')).toBe('instruction=ticket,output=agent_reply');
    expect(await page.locator('[data-testid="example-list"] [data-line]').count()).toBeGreaterThan(
      0,
    );
    // Another format from the dialog, opened again from the report.
    await page.click('[data-testid="open-mapping"]');
    await page.selectOption('[data-testid="mapping-format"]', 'prompt_completion');
    await page.selectOption('[data-testid="mapping-target-prompt"]', 'topic');
    await page.selectOption('[data-testid="mapping-target-completion"]', 'agent_reply');
    await page.click('[data-testid="mapping-apply"]');
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="dataset-reading"]')?.getAttribute('data-spec') ===
        'prompt=topic,completion=agent_reply',
      null,
      { timeout: 30_000 },
    );
    expect((await summaryCounts(page)).valid).toBe(5);
  });

  it('cancels reading a large file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sft-e2e-'));
    const big = join(dir, 'big.jsonl');
    const line = JSON.stringify({ prompt: 'Say something long. '.repeat(8), completion: 'ok' });
    writeFileSync(big, `${line}\n`.repeat(150_000)); // ~27 MB
    try {
      await page.setInputFiles('[data-testid="dataset-input"]', big);
      await page.click('[data-testid="dataset-cancel"]', { timeout: 10_000 });
      await page.locator('[data-testid="dataset-progress"]').waitFor({ state: 'detached' });
      // Back to an empty step: no report, the large drop zone.
      expect(await page.locator('[data-testid="dataset-summary"]').count()).toBe(0);
      expect(await page.locator('.dropzone:not(.dropzone-compact)').count()).toBe(1);
      // A file read after it is not disturbed by the cancelled one.
      await page.setInputFiles('[data-testid="dataset-input"]', sources('qa.csv'));
      expect((await summaryCounts(page)).valid).toBe(6);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(pageErrors).toEqual([]);
  });
});
