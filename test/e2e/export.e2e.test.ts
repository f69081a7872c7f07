// The Export step's exports in headless Chromium (SwiftShader WebGPU): the tiny local Mistral model
// and the e2e dataset, a few training steps, then each export downloaded (written by the engine
// worker into OPFS, saved through an <a download>) and checked in Node: the adapter zip holds both
// PEFT files; the merged model's config says its dtype and one q_proj weight equals base + s·B·A
// from the downloaded adapter; the GGUF reads back with its type and every tensor (and llama.cpp
// loads it); the LoRA GGUF says general.type = adapter; the TRL project has its files and a dataset
// whose ids and masks are the CLI preview's. Each size shown before writing equals what was written.
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGguf } from '../../src/export/gguf/reader.ts';
import { parseSafetensors, toFloat32 } from '../../src/model/safetensors.ts';
import { launchBrowser, startServer, type TestServer } from '../helpers/browser.ts';
import { removeTempDirs, tempDir } from '../export/helpers.ts';
import { loadDataset, loadModel, setSmallRun, tinyModelFiles } from './studio-helpers.ts';

const kSteps = 3;

describe('the Export step', () => {
  let srv: TestServer;
  let browser: Browser;
  let page: Page;
  let dir: string;
  let modelDir: string;
  const pageErrors: string[] = [];
  let adapter: { a: Float32Array; b: Float32Array; r: number; scale: number };
  /** What the downloads held, to compare with the same exports written where the user picks. */
  const downloaded: { loraGguf?: Uint8Array; trl?: Record<string, Uint8Array> } = {};

  /** Clicks `testId` and saves the download it starts; returns the path and its suggested name. */
  async function download(testId: string): Promise<{ path: string; name: string }> {
    const [dl] = await Promise.all([
      page.waitForEvent('download', { timeout: 120_000 }),
      page.click(`[data-testid="${testId}"]:not([disabled])`, { timeout: 120_000 }),
    ]);
    const path = join(dir, dl.suggestedFilename());
    await dl.saveAs(path);
    return { path, name: dl.suggestedFilename() };
  }

  /** The size the card shows once measured (bytes). */
  async function shownSize(kind: string): Promise<number> {
    const el = page.locator(`[data-testid="export-size-${kind}"][data-status="ready"]`);
    await el.waitFor({ timeout: 120_000 });
    return Number(await el.getAttribute('data-bytes'));
  }

  async function written(kind: string, to: 'download' | 'picked' = 'download') {
    const status = `[data-testid="export-status-${kind}"]`;
    await page.waitForSelector(`${status}[data-status="done"][data-to="${to}"]`, {
      timeout: 120_000,
    });
  }

  beforeAll(async () => {
    dir = await tempDir('sft-export-e2e-');
    const files = await tinyModelFiles();
    modelDir = join(files[0], '..');
    srv = await startServer(undefined, ['index.html', 'src/worker/*.worker.ts']);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') console.log('[page]', m.text());
    });
    await page.goto(srv.url);
    await page.evaluate(() => indexedDB.deleteDatabase('sft-studio'));
    await page.reload();
    await loadModel(page, files);
    await loadDataset(page);
    await setSmallRun(page, kSteps, 0);
    await page.fill('[data-testid="train-evalSplit"]', '0');
    await page.click('[data-testid="train-start"]:not([disabled])', { timeout: 60_000 });
    await page.waitForSelector('[data-testid="train-status"][data-state="done"]', {
      timeout: 300_000,
    });
    await page.click('[data-testid="step-export"]');
  }, 420_000);

  afterAll(async () => {
    await browser?.close();
    await srv?.close();
    await removeTempDirs();
  });

  it('the adapter: one zip with both PEFT files', async () => {
    const { path } = await download('download-adapter');
    const zip = unzipSync(new Uint8Array(await readFile(path)));
    expect(Object.keys(zip).sort()).toEqual(
      ['README.md', 'adapter_config.json', 'adapter_model.safetensors'].sort(),
    );
    const config = JSON.parse(strFromU8(zip['adapter_config.json'])) as {
      r: number;
      lora_alpha: number;
      use_rslora: boolean;
    };
    const st = parseSafetensors(zip['adapter_model.safetensors']).tensors;
    const key = 'base_model.model.model.layers.0.self_attn.q_proj';
    const a = st.get(`${key}.lora_A.weight`)!;
    const b = st.get(`${key}.lora_B.weight`)!;
    const scale = config.use_rslora
      ? config.lora_alpha / Math.sqrt(config.r)
      : config.lora_alpha / config.r;
    adapter = {
      a: toFloat32(a.dtype, a.data),
      b: toFloat32(b.dtype, b.data),
      r: config.r,
      scale,
    };
    expect(adapter.b.some((v) => v !== 0)).toBe(true);
  }, 120_000);

  it('the merged model: a Hugging Face folder whose q_proj equals base + s·B·A', async () => {
    await page.selectOption('[data-testid="export-merged-dtype"]', 'F32');
    const size = await shownSize('merged');
    const { path, name } = await download('export-merged');
    await written('merged');
    expect(name).toMatch(/-merged-f32\.zip$/);
    const zip = unzipSync(new Uint8Array(await readFile(path)));
    expect(Object.keys(zip)).toEqual(
      expect.arrayContaining([
        'config.json',
        'model.safetensors',
        'tokenizer.json',
        'tokenizer_config.json',
        'generation_config.json',
        'README.md',
      ]),
    );
    expect(Object.values(zip).reduce((n, f) => n + f.byteLength, 0)).toBe(size);
    expect(JSON.parse(strFromU8(zip['config.json']))).toMatchObject({ torch_dtype: 'float32' });
    const merged = parseSafetensors(zip['model.safetensors']).tensors;
    const base = parseSafetensors(
      new Uint8Array(await readFile(join(modelDir, 'model.safetensors'))),
    ).tensors;
    expect([...merged.keys()].sort()).toEqual([...base.keys()].sort());
    const name0 = 'model.layers.0.self_attn.q_proj.weight';
    const w = toFloat32(base.get(name0)!.dtype, base.get(name0)!.data);
    const m = toFloat32(merged.get(name0)!.dtype, merged.get(name0)!.data);
    const [outF, inF] = base.get(name0)!.shape;
    const { a, b, r, scale } = adapter;
    let worst = 0;
    let moved = 0;
    for (let o = 0; o < outF; o++) {
      for (let i = 0; i < inF; i++) {
        let ba = 0;
        for (let k = 0; k < r; k++) ba += b[o * r + k] * a[k * inF + i];
        const want = w[o * inF + i] + scale * ba;
        worst = Math.max(worst, Math.abs(m[o * inF + i] - want) / (1e-5 + Math.abs(want)));
        moved = Math.max(moved, Math.abs(m[o * inF + i] - w[o * inF + i]));
      }
    }
    console.log(`merged q_proj: worst relative error ${worst.toExponential(2)}, moved ${moved}`);
    expect(worst).toBeLessThan(1e-4);
    expect(moved).toBeGreaterThan(0);
  }, 180_000);

  it('GGUF (Q8_0): reads back with its type and every tensor; llama.cpp loads it', async () => {
    await page.selectOption('[data-testid="export-gguf-type"]', 'Q8_0');
    await page.waitForSelector('[data-testid="export-card-gguf"] code:text-matches("q8_0")');
    const size = await shownSize('gguf');
    const { path, name } = await download('export-gguf');
    await written('gguf');
    expect(name).toMatch(/-q8_0\.gguf$/);
    const bytes = new Uint8Array(await readFile(path));
    expect(bytes.byteLength).toBe(size);
    const g = readGguf(bytes);
    const base = parseSafetensors(
      new Uint8Array(await readFile(join(modelDir, 'model.safetensors'))),
    ).tensors;
    expect(g.tensors.size).toBe(base.size);
    expect(g.metadata.get('general.architecture')).toBe('llama');
    expect(g.metadata.get('general.file_type')).toBe(7); // LLAMA_FTYPE_MOSTLY_Q8_0
    expect(g.tensors.get('blk.0.attn_q.weight')?.type).toBe('Q8_0');
    expect(g.tensors.get('blk.0.attn_norm.weight')?.type).toBe('F32');
    const modelfile = await download('export-gguf-modelfile');
    expect(await readFile(modelfile.path, 'utf8')).toContain(`FROM ./${name}`);
    // llama.cpp itself (node-llama-cpp's prebuilt CPU binary) opens the file.
    const { loadGguf } = await import('../export/llama-cpp.ts');
    const model = await loadGguf(path);
    expect(model.tokenize('Hello', false).length).toBeGreaterThan(0);
    await model.dispose();
  }, 180_000);

  it('the LoRA GGUF: general.type = adapter, A and B for every pair', async () => {
    const size = await shownSize('lora-gguf');
    const { path } = await download('export-lora-gguf');
    await written('lora-gguf');
    const bytes = new Uint8Array(await readFile(path));
    downloaded.loraGguf = bytes;
    expect(bytes.byteLength).toBe(size);
    const g = readGguf(bytes);
    expect(g.metadata.get('general.type')).toBe('adapter');
    expect(g.metadata.get('adapter.type')).toBe('lora');
    expect(g.tensors.get('blk.0.attn_q.weight.lora_a')?.shape).toEqual([adapter.r, 64]);
    expect(g.order.length % 2).toBe(0);
    expect(g.order.length).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it("the TRL project: its files, and the dataset's ids and masks as previewed", async () => {
    const size = await shownSize('trl');
    const { path } = await download('export-trl');
    await written('trl');
    const zip = unzipSync(new Uint8Array(await readFile(path)));
    downloaded.trl = zip;
    expect(Object.keys(zip)).toEqual(
      expect.arrayContaining([
        'train.py',
        'requirements.txt',
        'accelerate/ddp.yaml',
        'accelerate/fsdp.yaml',
        'README.md',
        'data/train.jsonl',
      ]),
    );
    expect(Object.values(zip).reduce((n, f) => n + f.byteLength, 0)).toBe(size);
    expect(strFromU8(zip['README.md'])).toContain('accelerate launch --config_file');
    const rows = ['data/train.jsonl', 'data/eval.jsonl']
      .filter((f) => zip[f])
      .flatMap((f) => strFromU8(zip[f]).trim().split('\n'))
      .map((l) => JSON.parse(l) as { input_ids: number[]; assistant_masks: number[] });
    // The same rows as the CLI's preview of the same model and data at the run's max length.
    const prev = spawnSync(
      process.execPath,
      [
        'bin/sft-studio.mjs',
        'preview',
        '--model',
        modelDir,
        '--data',
        'test/fixtures/data/e2e-train.jsonl',
        '--max-length',
        '64',
        '--json',
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(prev.status, prev.stderr).toBe(0);
    const previewed = prev.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { input_ids: number[]; labels: number[] })
      .filter((p) => p.labels.some((l) => l !== -100))
      .map((p) => ({
        input_ids: p.input_ids,
        assistant_masks: p.labels.map((l) => (l === -100 ? 0 : 1)),
      }));
    const key = (r: { input_ids: number[] }) => JSON.stringify(r.input_ids);
    const sort = <T extends { input_ids: number[] }>(x: T[]) =>
      [...x].sort((p, q) => (key(p) < key(q) ? -1 : 1));
    expect(rows.length).toBe(previewed.length);
    expect(sort(rows)).toEqual(sort(previewed));
    await writeFile(join(dir, 'train.py'), zip['train.py']);
    const compile = spawnSync('/usr/bin/python3', ['-m', 'py_compile', join(dir, 'train.py')], {
      encoding: 'utf8',
    });
    expect(compile.status, compile.stderr).toBe(0);
    expect(pageErrors).toEqual([]);
  }, 180_000);

  it('"Save to…": the same files written into a picked file and a picked folder', async () => {
    // The pickers answer with a folder of the page's private file system (a real
    // FileSystemDirectoryHandle, written through createWritable as a disk folder would be).
    await page.evaluate(() => {
      const picked = async () =>
        (await navigator.storage.getDirectory()).getDirectoryHandle('picked', { create: true });
      Object.assign(window, {
        showDirectoryPicker: picked,
        showSaveFilePicker: async (o: { suggestedName: string }) =>
          (await picked()).getFileHandle(o.suggestedName, { create: true }),
      });
    });
    await page.click('[data-testid="export-lora-gguf-pick"]:not([disabled])');
    await written('lora-gguf', 'picked');
    await page.click('[data-testid="export-trl-pick"]:not([disabled])');
    await written('trl', 'picked');
    const files = await page.evaluate(async () => {
      const out: Record<string, number[]> = {};
      async function walk(dir: FileSystemDirectoryHandle, prefix: string) {
        for await (const [name, h] of (
          dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }
        ).entries()) {
          if (h.kind === 'directory')
            await walk(h as FileSystemDirectoryHandle, `${prefix}${name}/`);
          else {
            const f = await (h as FileSystemFileHandle).getFile();
            out[`${prefix}${name}`] = [...new Uint8Array(await f.arrayBuffer())];
          }
        }
      }
      const root = await navigator.storage.getDirectory();
      await walk(await root.getDirectoryHandle('picked'), '');
      // The downloads' own copies: one file per export kind, the earlier ones deleted.
      const kept: string[] = [];
      for await (const name of (
        (await root.getDirectoryHandle('sft-studio-exports')) as unknown as {
          keys(): AsyncIterable<string>;
        }
      ).keys())
        kept.push(name);
      return { out, kept };
    });
    const lora = Object.keys(files.out).find((k) => k.endsWith('-lora.gguf'))!;
    expect(new Uint8Array(files.out[lora])).toEqual(downloaded.loraGguf);
    const folder = Object.keys(files.out)
      .find((k) => k.endsWith('/train.py'))!
      .replace(/train\.py$/, '');
    expect(folder).toMatch(/-trl-project\/$/);
    const trl = Object.fromEntries(
      Object.entries(files.out)
        .filter(([k]) => k.startsWith(folder))
        .map(([k, v]) => [k.slice(folder.length), new Uint8Array(v)]),
    );
    expect(trl).toEqual(downloaded.trl);
    expect(files.kept.length).toBe(4);
    expect(pageErrors).toEqual([]);
  }, 180_000);
});
