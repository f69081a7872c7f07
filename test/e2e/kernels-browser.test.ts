// The same WGSL in the browser: a Vite dev server serves test/e2e/kernels-page, which runs the
// matmul and LoRA kernels through src/kernels in headless Chromium (WebGPU on SwiftShader here) and
// compares them with the float64 CPU references (tolerance as in test/kernels: rtol 1e-3,
// atol 2e-6·√(reduction length)); it also compiles every shaders/*.wgsl in Chromium, the generated
// ones included.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, startServer, type TestServer } from '../helpers/browser.ts';
import type { PageResult } from './kernels-page/main.ts';

describe('kernels in headless Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('matmul and LoRA match the CPU reference; every shader compiles', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}test/e2e/kernels-page/index.html`);
    await page.waitForFunction(() => window.__kernels !== undefined, null, { timeout: 170_000 });
    const res = (await page.evaluate(() => window.__kernels)) as PageResult;
    expect(errors).toEqual([]);
    expect(res.error).toBeUndefined();
    const worst = res.cases.map((c) => `${c.name} ${c.worst.toFixed(3)}`).join(', ');
    console.log(`[kernels-browser] adapter: ${res.adapter}; worst error / bound: ${worst}`);
    expect(res.cases.length).toBe(9);
    for (const c of res.cases) {
      expect(c.worst, `${c.name}: worst error / bound`).toBeLessThanOrEqual(1);
    }
    // Every shader file compiles (the subgroup ones only where the adapter has subgroups).
    const dir = join(import.meta.dirname, '..', '..', 'shaders');
    const wgsl = readdirSync(dir).filter((f) => f.endsWith('.wgsl'));
    const sg = wgsl.filter((f) => /^enable subgroups;/m.test(readFileSync(join(dir, f), 'utf8')));
    expect(res.compiled.length).toBeGreaterThanOrEqual(wgsl.length - sg.length);
    const failed = res.compiled.filter((c) => c.errors.length > 0);
    expect(failed.map((c) => `${c.file}: ${c.errors.join('; ')}`)).toEqual([]);
    console.log(`[kernels-browser] ${res.compiled.length} of ${wgsl.length} shader files compiled`);
    await page.close();
  }, 180_000);
});
