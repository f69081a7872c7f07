import { launchBrowser, startServer } from '../helpers/browser.ts';
import { loadDataset, loadModel, setSmallRun, tinyModelFiles } from './studio-helpers.ts';
const srv = await startServer(undefined, ['index.html', 'src/worker/*.worker.ts']);
const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
page.on('console', (m) => console.log('[console]', m.type(), m.text().slice(0, 300)));
page.on('pageerror', (e) => console.log('[pageerror]', e.message));
page.on('worker', (w) => console.log('[worker]', w.url()));
try {
  await page.goto(srv.url);
  await page.evaluate(() => indexedDB.deleteDatabase('sft-studio'));
  await loadModel(page, await tinyModelFiles());
  await loadDataset(page);
  await setSmallRun(page, 3, 10);
  await page.waitForTimeout(500);
  await page.click('[data-testid="train-start"]');
  await page.waitForSelector('[data-testid="train-status"][data-state="done"]', { timeout: 200000 });
  console.log('trained', Date.now());
  await page.click('[data-testid="step-try"]');
  await page.fill('[data-testid="generate-max-tokens"]', '4');
  await page.click('[data-testid="generate-run"]');
  for (let i = 0; i < 12; i++) {
    await page.waitForTimeout(5000);
    const st = await page.$eval('[data-testid="generate-tuned-output"]', (e) => (e as HTMLElement).dataset.status + ' ' + e.textContent);
    const b = await page.$eval('[data-testid="generate-base-output"]', (e) => e.textContent);
    console.log(i, st, '| base:', b);
    if (st.startsWith('done') || st.startsWith('failed')) break;
  }
  await page.screenshot({ path: '/tmp/dbg/try.png' });
} finally {
  await browser.close();
  await srv.close();
}
