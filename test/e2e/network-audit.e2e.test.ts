// Nothing leaves the machine (issue 15): every network request of a whole studio flow is recorded
// (the page's, and its dedicated workers': Playwright reports a worker's requests as the page's
// 'request' events, which the test checks by finding the engine worker's own modules among them),
// and any request to another origin than the page's (the Vite dev server) fails the test. First a
// model from local files, a dataset file, a short run, Try and every download of the Export step
// (adapter, merged model, GGUF, TRL project); then a model and a dataset from one Hub endpoint (a
// local fake Hub serving both, hub-front.ts), the only other origin allowed.
import { resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kRepoRoot, launchBrowser, startServer, type TestServer } from '../helpers/browser.ts';
import { startOneHub } from './hub-front.ts';
import { loadDataset, loadModel, setSmallRun, tinyModelFiles } from './studio-helpers.ts';

const kSteps = 4;

/** The origin a request goes to; data: URLs never leave the page (and name none). A websocket
 * to the page's host and port (Vite's dev client) counts as the page's origin. */
function originOf(url: string): string {
  if (url.startsWith('data:')) return 'data:';
  const u = new URL(url); // blob:http://host/uuid gives http://host
  if (u.protocol === 'ws:' || u.protocol === 'wss:')
    return `http${u.protocol.slice(2, -1)}://${u.host}`;
  return u.origin;
}

describe('network audit: nothing leaves the machine', () => {
  let srv: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let own = '';
  const requests: string[] = [];
  const sockets: string[] = [];
  const pageErrors: string[] = [];

  /** Clicks an Export step button and waits for the file it downloads; returns its name. */
  async function download(testId: string): Promise<string> {
    const [dl] = await Promise.all([
      page.waitForEvent('download', { timeout: 180_000 }),
      page.click(`[data-testid="${testId}"]:not([disabled])`, { timeout: 120_000 }),
    ]);
    return dl.suggestedFilename();
  }

  /** Requests recorded since `from` whose origin is not in `allowed` (data: always allowed). */
  const foreign = (from: number, allowed: string[]) =>
    requests.slice(from).filter((u) => originOf(u) !== 'data:' && !allowed.includes(originOf(u)));

  beforeAll(async () => {
    srv = await startServer(undefined, ['index.html', 'src/worker/*.worker.ts']);
    own = new URL(srv.url).origin;
    browser = await launchBrowser();
    context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
    });
    // The context's events also see requests of workers that are not tied to the page.
    context.on('request', (r) => requests.push(r.url()));
    page = await context.newPage();
    // Vite's dev client opens a websocket to the dev server itself; any other would be foreign.
    page.on('websocket', (ws) => sockets.push(ws.url()));
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') console.log('[page]', m.text());
    });
    await page.goto(srv.url);
    await page.evaluate(() => indexedDB.deleteDatabase('sft-studio'));
    await page.reload();
  });

  afterAll(async () => {
    await browser?.close();
    await srv?.close();
  });

  it('local model, dataset, train, try, export: every request goes to the page origin', async () => {
    const from = 0;
    await loadModel(page, await tinyModelFiles());
    await loadDataset(page);
    await setSmallRun(page, kSteps, 2);
    await page.click('[data-testid="train-start"]:not([disabled])', { timeout: 60_000 });
    await page.waitForSelector('[data-testid="train-status"][data-state="done"]', {
      timeout: 300_000,
    });

    await page.click('[data-testid="step-try"]');
    await page.fill('[data-testid="generate-prompt"]', 'What is the capital of France?');
    await page.fill('[data-testid="generate-max-tokens"]', '4');
    await page.click('[data-testid="generate-run"]');
    await page.waitForSelector(
      '[data-testid="generate-tuned-output"]:is([data-status="done"], [data-status="failed"])',
      { timeout: 180_000 },
    );
    expect(await page.$('[data-testid="generate-error"]')).toBeNull();

    await page.click('[data-testid="step-export"]');
    const button = page.locator('[data-testid="download-adapter"]');
    await expect.poll(() => button.isEnabled(), { timeout: 60_000 }).toBe(true);
    const [dl] = await Promise.all([page.waitForEvent('download'), button.click()]);
    expect(dl.suggestedFilename()).toBe('adapter.zip');
    // The merged model, a GGUF and the TRL project read the base model from the local files.
    expect(await download('export-merged')).toMatch(/-merged-\w+\.zip$/);
    expect(await download('export-gguf')).toMatch(/\.gguf$/);
    expect(await download('export-trl')).toMatch(/\.zip$/);

    const origins = [...new Set(requests.slice(from).map(originOf))];
    console.log(`${requests.length - from} requests, origins: ${origins.join(', ')}`);
    // The recording sees the engine worker's own module graph: worker requests are in it.
    expect(requests.some((u) => u.includes('/src/worker/engineRun.ts'))).toBe(true);
    expect(requests.some((u) => u.includes('/src/worker/dataset.worker.ts'))).toBe(true);
    expect(foreign(from, [own])).toEqual([]);
    expect(sockets.filter((u) => originOf(u) !== own)).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 900_000);

  it('a Hub model and a Hub dataset: the configured endpoint is the only other origin', async () => {
    const rows = (name: string) => resolve(kRepoRoot, 'test/fixtures/data/rows', name);
    const hub = await startOneHub({
      'e2e/chat': { parquet: { default: { train: [rows('chat-snappy.parquet')] } } },
    });
    try {
      const from = requests.length;
      await page.click('[data-testid="step-model"]');
      await page.click('[aria-label="Tokenizer source"] button:has-text("Hugging Face Hub")');
      await page.fill('[data-testid="model-hub-id"]', hub.repo);
      await page.fill('#hub-endpoint', hub.endpoint);
      await page.click('[data-testid="model-source-hub"]');
      await page.click('[data-testid="model-load"]:not([disabled])');
      await page.waitForSelector('[data-testid="model-status"][data-status="ready"]', {
        timeout: 120_000,
      });
      // The Dataset step's Hub picker uses the Model step's endpoint.
      await page.click('[data-testid="step-dataset"]');
      await page.fill('[data-testid="hub-dataset-id"]', 'e2e/chat');
      await page.click('[data-testid="hub-dataset-lookup"]');
      // Row counts come from the Parquet footers: the listing and the file were read.
      const split = '[data-testid="hub-dataset-split"] option:text-matches("[0-9] rows$")';
      await page.waitForSelector(split, { state: 'attached', timeout: 60_000 });
      await page.click('[data-testid="hub-dataset-load"]');
      await page.waitForSelector('[data-testid="dataset-summary"] code:has-text("e2e/chat")', {
        timeout: 120_000,
      });
      await page.click('[data-testid="step-train"]');
      await page.click('[data-testid="train-start"]:not([disabled])', { timeout: 120_000 });
      await page.waitForSelector('[data-testid="train-status"][data-state="done"]', {
        timeout: 300_000,
      });
      const hubOrigin = new URL(hub.endpoint).origin;
      const toHub = requests.slice(from).filter((u) => originOf(u) === hubOrigin);
      console.log(`${requests.length - from} requests, ${toHub.length} to the Hub endpoint`);
      expect(toHub.some((u) => u.endsWith('/e2e/tiny/resolve/main/model.safetensors'))).toBe(true);
      // The dataset came from the same endpoint: its listing and its Parquet file.
      expect(toHub.some((u) => u.endsWith('/api/datasets/e2e/chat/parquet'))).toBe(true);
      expect(hub.datasetLog.some((l) => l.includes('/default/train/0000.parquet'))).toBe(true);
      expect(foreign(from, [own, hubOrigin])).toEqual([]);
      expect(sockets.filter((u) => originOf(u) !== own)).toEqual([]);
      expect(pageErrors).toEqual([]);
    } finally {
      await hub.close();
    }
  }, 600_000);
});
