// GPU failures in the studio, injected through the fault hook (`?faults=` in the URL, then
// `window.__sftStudioFaults(plan)`: src/ui/faultHook.ts, src/train/faults.ts), as a user would meet
// them. The device lost in the middle of a step: the Train step says so (FailureNotice, kind
// device-lost), the worker opens a new device, loads the model again and resumes from the last
// checkpoint by itself, and the run finishes, all without a page reload (a window variable set
// before survives), and its model card still says what curation changed. NaN gradients: the step is skipped, a note says so, the run goes on. An
// out-of-memory allocation: the run stops with that message. Then a damaged newest checkpoint in
// IndexedDB: the reloaded page's resume offer says so and Resume uses the previous one; and with
// no whole checkpoint left, the offer says what is wrong, Resume is off, and Discard clears it.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, startServer, type TestServer } from '../helpers/browser.ts';
import {
  loadDataset,
  loadModel,
  setSmallRun,
  tinyModelFiles,
  trainStatus,
} from './studio-helpers.ts';

const kSteps = 12;
const kCheckpointEvery = 3;
const kLoseAt = 8; // the last checkpoint before it is step 6

type FaultWindow = Window & {
  __sftStudioFaults?: (spec: string) => Promise<string>;
  __marker?: string;
  __seen?: string[];
};

/** With E2E_SHOTS=<folder>, screenshots of what the user sees at each failure (to look at). */
const shot = async (page: Page, name: string) => {
  const dir = process.env.E2E_SHOTS;
  if (dir) await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
};

/** Waits for step `n` of the running run, then stops it (which saves a checkpoint). */
async function stopAtOrAfter(page: Page, n: number) {
  await page.waitForFunction(
    (k) =>
      Number(document.querySelector('[data-testid="train-status"]')?.getAttribute('data-step')) >=
      k,
    n,
    { timeout: 300_000 },
  );
  await page.click('[data-testid="train-stop"]');
  await page.waitForSelector('[data-testid="train-status"][data-state="stopped"]', {
    timeout: 120_000,
  });
}

/**
 * Damages the stored checkpoints as a failing disk would, newest first: 'flip' flips one byte,
 * 'truncate' keeps the first 100 bytes. Returns the steps stored, oldest first.
 */
function damageCheckpoints(page: Page, how: ('flip' | 'truncate')[]): Promise<number[]> {
  return page.evaluate(
    (how) =>
      new Promise<number[]>((resolve, reject) => {
        const open = indexedDB.open('sft-studio');
        open.onerror = () => reject(new Error(String(open.error)));
        open.onsuccess = () => {
          const t = open.result.transaction('checkpoints', 'readwrite');
          const store = t.objectStore('checkpoints');
          const keys = store.getAllKeys();
          keys.onsuccess = () => {
            const all = (keys.result as number[]).sort((a, b) => a - b);
            how.forEach((h, i) => {
              const key = all[all.length - 1 - i];
              const get = store.get(key);
              get.onsuccess = () => {
                const rec = get.result as { checkpoint: Uint8Array };
                if (h === 'flip') rec.checkpoint[rec.checkpoint.length - 7] ^= 0x20;
                else rec.checkpoint = rec.checkpoint.slice(0, 100);
                store.put(rec, key);
              };
            });
            t.oncomplete = () => resolve(all);
          };
        };
      }),
    how,
  );
}

const notes = (page: Page) =>
  page.$eval('[data-testid="train-notes"]', (el) => (el as HTMLElement).innerText);

/** Records every distinct Train status state and failure kind the page shows, however briefly. */
async function watchStatus(page: Page) {
  await page.evaluate(() => {
    const w = window as FaultWindow;
    const seen: string[] = (w.__seen = []);
    const look = () => {
      const st = document.querySelector('[data-testid="train-status"]')?.getAttribute('data-state');
      const kind = document
        .querySelector('[data-testid="train-message"]')
        ?.getAttribute('data-kind');
      const now = `${st ?? ''}${kind ? `:${kind}` : ''}`;
      if (seen[seen.length - 1] !== now) seen.push(now);
    };
    new MutationObserver(look).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
    });
    look();
  });
}

describe('GPU failures in the studio', () => {
  let srv: TestServer;
  let browser: Browser;
  let page: Page;
  let files: string[];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    srv = await startServer(undefined, ['index.html', 'src/worker/*.worker.ts']);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.text().startsWith('[faults]')) console.log('[page]', m.text());
    });
    await page.goto(`${srv.url}?faults=lose-device@${kLoseAt}`);
    await page.evaluate(() => indexedDB.deleteDatabase('sft-studio'));
    await page.reload();
    files = await tinyModelFiles();
  });

  afterAll(async () => {
    await browser?.close();
    await srv?.close();
  });

  it('a device lost mid-step: says so, takes a new device, resumes and finishes, no reload', async () => {
    await page.evaluate(() => ((window as FaultWindow).__marker = 'set before the run'));
    await loadModel(page, files);
    await loadDataset(page);
    // Curate: drop one row by hand (the resumed run's card must still say so).
    const curation = page.locator('[data-testid="curation-state"]');
    await curation.waitFor({ timeout: 60_000 });
    const kept = Number(await curation.getAttribute('data-kept'));
    await page.click('[data-testid="example-list"] .ex-row[data-line="2"]');
    await page.waitForSelector('.detail-title h3:has-text("Line 2")');
    await page.click('[data-testid="drop-example"]');
    await page.waitForSelector(`[data-testid="curation-state"][data-kept="${kept - 1}"]`);
    await setSmallRun(page, kSteps, kCheckpointEvery);
    await watchStatus(page);
    await page.click('[data-testid="train-start"]:not([disabled])', { timeout: 60_000 });
    await page.waitForSelector('[data-testid="train-status"][data-state="done"]', {
      timeout: 300_000,
    });
    await shot(page, 'device-loss-resumed');
    const seen = await page.evaluate(() => (window as FaultWindow).__seen ?? []);
    console.log(`states: ${seen.join(' → ')}`);
    // The run stopped with the device loss shown, then ran again.
    const lostAt = seen.indexOf('error:device-lost');
    expect(lostAt).toBeGreaterThan(0);
    expect(seen.slice(lostAt + 1)).toContain('running');
    const text = await notes(page);
    console.log(`notes: ${text}`);
    expect(text).toMatch(new RegExp(`GPU device was lost during steps? (\\d+-)?${kLoseAt} `));
    expect(text).toMatch(/opened a new GPU device, loaded the model again and resumed/);
    expect(await page.textContent('.run-shape')).toContain(
      `resumed from step ${kLoseAt - (kLoseAt % kCheckpointEvery)}`,
    );
    const done = await trainStatus(page);
    expect(done.step).toBe(kSteps);
    expect(done.total).toBe(kSteps);
    await page.waitForSelector('[data-testid="model-status"][data-status="ready"]', {
      state: 'attached',
    });
    expect(await page.evaluate(() => (window as FaultWindow).__marker)).toBe('set before the run');
    await page.click('[data-testid="step-export"]');
    const [dl] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-testid="download-card"]:not([disabled])', { timeout: 60_000 }),
    ]);
    const card = await readFile(await dl.path(), 'utf8');
    expect(card).toMatch(/Curated in SFT Studio: 1 row dropped \(by flag: [\w ]+ 1\), 0 edited/);
    await page.click('[data-testid="step-train"]');
    expect(pageErrors).toEqual([]);
  }, 600_000);

  it('NaN gradients: the step is skipped with a note and the run goes on', async () => {
    expect(
      await page.evaluate(() => (window as FaultWindow).__sftStudioFaults!('nan@2,nan@3')),
    ).toBe('nan@2,nan@3');
    await page.fill('[data-testid="train-maxSteps"]', '5');
    await page.click('[data-testid="train-start"]:not([disabled])', { timeout: 60_000 });
    await page.waitForSelector('[data-testid="train-status"][data-state="done"]', {
      timeout: 300_000,
    });
    const text = await notes(page);
    console.log(`notes: ${text}`);
    await shot(page, 'nan-skipped');
    expect(text).toMatch(/Step 2 skipped/);
    expect(text).toMatch(/Step 3 skipped/);
    expect((await trainStatus(page)).step).toBe(5);
    expect(pageErrors).toEqual([]);
  }, 300_000);

  it('an out-of-memory allocation: the run stops and says what to change', async () => {
    await page.evaluate(() => (window as FaultWindow).__sftStudioFaults!('oom@2'));
    await page.click('[data-testid="train-start"]:not([disabled])', { timeout: 60_000 });
    const notice = page.locator('[data-testid="train-message"][data-kind="out-of-memory"]');
    await notice.waitFor({ timeout: 300_000 });
    await shot(page, 'oom');
    const text = await notice.innerText();
    console.log(`notice: ${text}`);
    expect(text).toMatch(/ran out of memory during step 2/);
    expect(text).toMatch(/What to do:/);
    expect((await trainStatus(page)).state).toBe('error');
    expect(pageErrors).toEqual([]);
  }, 300_000);

  it('a damaged newest checkpoint: the resume offer says so and Resume uses the previous one', async () => {
    await page.goto(srv.url);
    await loadModel(page, files);
    await loadDataset(page);
    await setSmallRun(page, kSteps, 2);
    await page.click('[data-testid="train-start"]:not([disabled])', { timeout: 60_000 });
    await stopAtOrAfter(page, 7);
    const steps = await damageCheckpoints(page, ['flip']);
    console.log(`checkpoints kept: ${steps.join(', ')}`);
    expect(steps).toHaveLength(2);
    const [older, newest] = steps;

    await page.reload();
    const offer = page.locator('[data-testid="train-resume-offer"]');
    await offer.waitFor({ state: 'attached', timeout: 60_000 });
    expect(Number(await offer.getAttribute('data-step'))).toBe(older);
    await page.click('[data-testid="step-train"]');
    await shot(page, 'damaged-checkpoint-offer');
    const warning = await page.textContent('[data-testid="train-resume-warning"]');
    console.log(`warning: ${warning}`);
    expect(warning).toContain(`The checkpoint at step ${newest} is damaged`);
    expect(warning).toContain(`Resume uses the checkpoint at step ${older}`);
    expect(await page.textContent('[data-testid="step-train"] .rail-status')).toBe(
      `Resume from step ${older}`,
    );

    await loadModel(page, files);
    await page.click('[data-testid="step-train"]');
    await page.click('[data-testid="train-resume"]:not([disabled])', { timeout: 30_000 });
    await page.waitForSelector('[data-testid="train-status"][data-state="running"]', {
      timeout: 120_000,
    });
    expect(await page.textContent('.run-shape')).toContain(`resumed from step ${older}`);
    expect(await notes(page)).toContain(`The checkpoint at step ${newest} is damaged`);
    await stopAtOrAfter(page, older + 3);
    expect(pageErrors).toEqual([]);
  }, 600_000);

  it('no whole checkpoint left: the offer says what is wrong and cannot resume', async () => {
    const steps = await damageCheckpoints(page, ['flip', 'truncate']);
    console.log(`checkpoints damaged: ${steps.join(', ')}`);
    await page.reload();
    await page.click('[data-testid="step-train"]');
    const offer = page.locator('[data-testid="train-resume-offer"][data-damaged="true"]');
    await offer.waitFor({ state: 'attached', timeout: 60_000 });
    await shot(page, 'no-whole-checkpoint');
    const problem = await page.textContent('[data-testid="train-resume-problem"]');
    console.log(`problem: ${problem}`);
    expect(problem).toContain('cannot be resumed, no checkpoint of it is whole');
    for (const step of steps) expect(problem).toContain(`step ${step} is damaged`);
    expect(await page.isDisabled('[data-testid="train-resume"]')).toBe(true);
    // The rail says so too, instead of offering a step to resume from.
    expect(await page.textContent('[data-testid="step-train"] .rail-status')).toBe(
      'Saved run cannot resume',
    );
    await page.click('[data-testid="train-resume-discard"]');
    await offer.waitFor({ state: 'detached', timeout: 30_000 });
    expect((await trainStatus(page)).state).toBe('idle');
    expect(pageErrors).toEqual([]);
  }, 300_000);
});
