// The studio end to end in headless Chromium (SwiftShader WebGPU). First a newcomer's path: the
// offline demo model (its own tokenizer replaces the default Hub one, which cannot load offline),
// the "Multi-turn assistant" sample, the warning that the default run is too short, one click on a
// suggestion, Start, and loss points. Then a tiny random Mistral model's files given to
// `model-input`, a small multi-turn JSONL, a few dozen steps with the chart filling and the loss
// falling, base and tuned generations compared, and the adapter downloaded and checked
// (safetensors keys and shapes, adapter_config.json fields).
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kDemoTokenizerName } from '../../src/engine/demo.ts';
import { parseSafetensors } from '../../src/model/safetensors.ts';
import { launchBrowser, startServer, type TestServer } from '../helpers/browser.ts';
import {
  chartPoints,
  loadDataset,
  loadModel,
  runPlan,
  setSmallRun,
  startHub,
  tinyModelFiles,
  trainStatus,
} from './studio-helpers.ts';

const kSteps = 30;

describe("a newcomer's first run", () => {
  let srv: TestServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
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
  });

  it('loads the offline demo, and its own tokenizer is the one shown', async () => {
    await page.click('[data-testid="model-source-demo"]');
    await page.click('[data-testid="model-load"]:not([disabled])');
    await page.waitForSelector('[data-testid="model-status"][data-status="ready"]', {
      timeout: 180_000,
    });
    const tok = page.locator('[data-testid="tokenizer-status"][data-status="ready"]');
    await tok.waitFor({ timeout: 60_000 });
    expect(await tok.getAttribute('data-from-model')).toBe('true');
    expect(await tok.innerText()).toContain(kDemoTokenizerName);
    // The default Hub tokenizer cannot load offline; its error is gone from the rail.
    const rail = await page.textContent('[data-testid="step-model"]');
    expect(rail).not.toContain('failed');
    expect(rail).toContain(kDemoTokenizerName);
  }, 240_000);

  it('warns that the default run is too short, and one click makes it useful', async () => {
    await page.click('[data-testid="step-dataset"]');
    await page.click('[data-testid="sample-chat"]');
    await page.waitForSelector('[data-testid="stat-trained"]', { timeout: 120_000 });
    await page.click('[data-testid="step-train"]');
    await page.waitForSelector('[data-testid="train-run-plan"][data-too-short="true"]', {
      timeout: 60_000,
    });
    const before = await runPlan(page);
    console.log(`default plan: ${before.text}`);
    expect(before.steps).toBeLessThan(30);
    expect(await page.isVisible('[data-testid="train-suggestion-0"]')).toBe(true);
    await page.click('[data-testid="train-suggestion-0"]');
    await page.waitForSelector('[data-testid="train-run-plan"][data-too-short="false"]', {
      timeout: 30_000,
    });
    const after = await runPlan(page);
    console.log(`after the suggestion: ${after.text}`);
    expect(after.steps).toBeGreaterThanOrEqual(30);
    expect(await page.isVisible('[data-testid="train-suggestion-0"]')).toBe(false);

    const start = page.locator('[data-testid="train-start"]');
    await expect.poll(() => start.isEnabled(), { timeout: 60_000 }).toBe(true);
    const t0 = Date.now();
    await start.click();
    await page.waitForFunction(
      () =>
        Number(document.querySelector('[data-testid="loss-chart"]')?.getAttribute('data-points')) >=
        1,
      undefined,
      { timeout: 400_000 },
    );
    console.log(
      `demo model: Start → first loss point in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    await page.waitForFunction(
      () =>
        Number(document.querySelector('[data-testid="loss-chart"]')?.getAttribute('data-points')) >=
        3,
      undefined,
      { timeout: 400_000 },
    );
    console.log(`demo model: Start → 3 loss points in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const status = await trainStatus(page);
    expect(status.total).toBe(after.steps);
    expect(await chartPoints(page)).toBeGreaterThanOrEqual(3);
    await page.click('[data-testid="train-stop"]');
    await page.waitForSelector('[data-testid="train-status"][data-state="stopped"]', {
      timeout: 300_000,
    });
    expect(pageErrors).toEqual([]);
  }, 900_000);
});

describe('the studio in the browser', () => {
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
    // A fresh profile, but be explicit: no run left over from an earlier test.
    await page.evaluate(() => indexedDB.deleteDatabase('sft-studio'));
  });

  afterAll(async () => {
    await browser?.close();
    await srv?.close();
  });

  it('loads a local model, trains with a live chart, and the loss falls', async () => {
    await loadModel(page, await tinyModelFiles());
    await loadDataset(page);
    await setSmallRun(page, kSteps, 10);
    const start = page.locator('[data-testid="train-start"]');
    await expect.poll(() => start.isEnabled(), { timeout: 60_000 }).toBe(true);
    await start.click();
    await page.waitForSelector('[data-testid="train-status"][data-state="running"]', {
      timeout: 120_000,
    });
    await page.waitForFunction(
      () =>
        Number(document.querySelector('[data-testid="loss-chart"]')?.getAttribute('data-points')) >
        3,
      undefined,
      { timeout: 120_000 },
    );
    const mid = await trainStatus(page);
    expect(mid.text).toMatch(/Step \d+ \/ 30/);
    // Pause holds the step count; Resume continues the same run.
    await page.click('[data-testid="train-pause"]');
    await page.waitForSelector('[data-testid="train-status"][data-state="paused"]', {
      timeout: 60_000,
    });
    const paused = await trainStatus(page);
    await page.waitForTimeout(1500);
    expect((await trainStatus(page)).step).toBe(paused.step);
    expect(await page.textContent('[data-testid="train-pause"]')).toBe('Resume');
    await page.click('[data-testid="train-pause"]');
    await page.waitForSelector('[data-testid="train-status"][data-state="running"]', {
      timeout: 60_000,
    });
    await page.waitForSelector('[data-testid="train-status"][data-state="done"]', {
      timeout: 400_000,
    });
    const end = await trainStatus(page);
    expect(end.step).toBe(kSteps);
    expect(end.text).toContain(`Step ${kSteps} / ${kSteps}`);
    const chart = await page.$eval('[data-testid="loss-chart"]', (el) => ({
      points: Number(el.getAttribute('data-points')),
      first: Number(el.getAttribute('data-first-loss')),
      last: Number(el.getAttribute('data-last-loss')),
      smooth: Number(el.getAttribute('data-last-smoothed')),
      lines: el.querySelectorAll('.recharts-line').length,
    }));
    console.log(
      `chart: ${chart.points} points, loss ${chart.first} → ${chart.last} (EMA ${chart.smooth})`,
    );
    expect(chart.points).toBe(kSteps);
    expect(chart.lines).toBeGreaterThanOrEqual(3);
    expect(chart.last).toBeLessThan(chart.first - 2);
    expect(pageErrors).toEqual([]);
  }, 600_000);

  it('compares base and tuned generations, streamed', async () => {
    await page.click('[data-testid="step-try"]');
    await page.fill('[data-testid="generate-prompt"]', 'What is the capital of France?');
    await page.fill('[data-testid="generate-max-tokens"]', '8');
    // Count the distinct texts the base answer goes through: streamed means several.
    await page.evaluate(() => {
      const el = document.querySelector('[data-testid="generate-base-output"]')!;
      const seen = new Set<string>();
      (window as unknown as { seen: Set<string> }).seen = seen;
      new MutationObserver(() => seen.add(el.textContent ?? '')).observe(el, {
        subtree: true,
        childList: true,
        characterData: true,
      });
    });
    await page.click('[data-testid="generate-run"]');
    await page.waitForSelector(
      '[data-testid="generate-tuned-output"]:is([data-status="done"], [data-status="failed"])',
      { timeout: 180_000 },
    );
    const failed = await page.$('[data-testid="generate-error"]');
    expect(failed ? await failed.textContent() : '').toBe('');
    const base = await page.textContent('[data-testid="generate-base-output"]');
    const tuned = await page.textContent('[data-testid="generate-tuned-output"]');
    console.log(`base: ${JSON.stringify(base)}\ntuned: ${JSON.stringify(tuned)}`);
    expect(base?.trim().length).toBeGreaterThan(0);
    expect(tuned?.trim().length).toBeGreaterThan(0);
    expect(tuned).not.toBe('No answer yet.');
    const updates = await page.evaluate(
      () => (window as unknown as { seen: Set<string> }).seen.size,
    );
    console.log(`base answer rendered in ${updates} successive states`);
    expect(updates).toBeGreaterThanOrEqual(3);
  }, 300_000);

  it('downloads a PEFT adapter whose files are valid', async () => {
    await page.click('[data-testid="step-export"]');
    const button = page.locator('[data-testid="download-adapter"]');
    await expect.poll(() => button.isEnabled(), { timeout: 60_000 }).toBe(true);
    const [dl] = await Promise.all([page.waitForEvent('download'), button.click()]);
    // One download PEFT can load: both adapter files (and the card) in a zip.
    expect(dl.suggestedFilename()).toBe('adapter.zip');
    const zip = unzipSync(new Uint8Array(await readFile(await dl.path())));
    expect(Object.keys(zip).sort()).toEqual([
      'README.md',
      'adapter_config.json',
      'adapter_model.safetensors',
    ]);
    expect(
      (JSON.parse(strFromU8(zip['adapter_config.json'])) as { peft_type: string }).peft_type,
    ).toBe('LORA');
    const bytes = zip['adapter_model.safetensors'];
    const { tensors } = parseSafetensors(bytes);
    const layers = 2;
    const r = 8;
    expect(tensors.size).toBe(layers * 7 * 2);
    const dims: Record<string, [number, number]> = {
      'self_attn.q_proj': [64, 64],
      'self_attn.k_proj': [64, 32],
      'self_attn.v_proj': [64, 32],
      'self_attn.o_proj': [64, 64],
      'mlp.gate_proj': [64, 128],
      'mlp.up_proj': [64, 128],
      'mlp.down_proj': [128, 64],
    };
    for (let l = 0; l < layers; l++) {
      for (const [m, [inF, outF]] of Object.entries(dims)) {
        const a = tensors.get(`base_model.model.model.layers.${l}.${m}.lora_A.weight`);
        const b = tensors.get(`base_model.model.model.layers.${l}.${m}.lora_B.weight`);
        expect(a?.shape).toEqual([r, inF]);
        expect(b?.shape).toEqual([outF, r]);
        expect(a?.dtype).toBe('F32');
      }
    }
    // B starts at zero; after training it is not.
    const b0 = tensors.get('base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight')!;
    const f = new Float32Array(b0.data.slice().buffer);
    expect(f.some((x) => x !== 0)).toBe(true);

    const [cfgDl] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-testid="download-config"]'),
    ]);
    const cfg = JSON.parse(await readFile(await cfgDl.path(), 'utf8')) as Record<string, unknown>;
    expect(cfg.peft_type).toBe('LORA');
    expect(cfg.task_type).toBe('CAUSAL_LM');
    expect(cfg.r).toBe(r);
    expect(cfg.lora_alpha).toBe(16);
    expect(cfg.lora_dropout).toBe(0.05);
    expect(cfg.bias).toBe('none');
    expect([...(cfg.target_modules as string[])].sort()).toEqual([
      'down_proj',
      'gate_proj',
      'k_proj',
      'o_proj',
      'q_proj',
      'up_proj',
      'v_proj',
    ]);
    expect(typeof cfg.base_model_name_or_path).toBe('string');

    const [cardDl] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-testid="download-card"]'),
    ]);
    const card = await readFile(await cardDl.path(), 'utf8');
    expect(card).toContain('e2e-train.jsonl');
    expect(card).toContain('PeftModel.from_pretrained');
    expect(pageErrors).toEqual([]);
  }, 180_000);

  it('loads a model from a Hub endpoint once, then from the browser cache offline', async () => {
    const hub = await startHub();
    const { endpoint, repo } = hub;
    await page.click('[data-testid="step-model"]');
    await page.click('[aria-label="Tokenizer source"] button:has-text("Hugging Face Hub")');
    await page.fill('[data-testid="model-hub-id"]', repo);
    await page.fill('#hub-endpoint', endpoint);
    await page.click('[data-testid="model-source-hub"]');
    await page.click('[data-testid="model-load"]:not([disabled])');
    await page.waitForSelector('[data-testid="model-status"][data-status="ready"]', {
      timeout: 120_000,
    });
    expect(await page.textContent('[data-testid="model-status"]')).toContain(repo);
    const cached = await page.evaluate(async () =>
      (await (await caches.open('sft-studio-models')).keys()).map((r) => r.url),
    );
    expect(cached.some((u) => u.endsWith('/e2e/tiny/resolve/main/model.safetensors'))).toBe(true);
    // Second load with the "Hub" gone: everything comes from Cache Storage.
    hub.close();
    await page.click('[data-testid="model-load"]:not([disabled])');
    await page.waitForSelector('[data-testid="model-status"][data-status="ready"]', {
      timeout: 120_000,
    });
    expect(pageErrors).toEqual([]);
  }, 300_000);
});
