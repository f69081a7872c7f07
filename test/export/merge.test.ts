// The merged model against the float64 PyTorch reference: for every family, the merged folder's
// logits (no adapter) equal the base model's logits with the PEFT adapter applied, rsLoRA
// included; the folder has the files a Hugging Face model folder needs, with only torch_dtype
// changed in config.json; and a bf16 merge stays within bf16's rounding.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mergedModelFiles } from '../../src/export/hf-folder.ts';
import { foldPair } from '../../src/export/merge.ts';
import { openCheckpoint, readTensorBytes } from '../../src/model/safetensors.ts';
import { folderSource as folderSourceForTests } from '../../src/cli/model-source.ts';
import { kTinyFamilies, makeTinyModel } from '../fixtures/tiny-models.ts';
import { requireTorch, runTorchReferenceMany } from '../reference/torch.ts';
import { randomAdapter, sinkFiles, tempDir, removeTempDirs } from './helpers.ts';

afterAll(removeTempDirs);

const hasTorch = requireTorch('test/export/merge.test.ts');
const ids = [1, 9906, 1917, 11, 420, 374, 264, 1296, 13, 578];

function maxAbsDiff(a: number[][][], b: number[][][]): { diff: number; scale: number } {
  let diff = 0;
  let scale = 0;
  for (let t = 0; t < a[0].length; t++) {
    for (let v = 0; v < a[0][t].length; v++) {
      diff = Math.max(diff, Math.abs(a[0][t][v] - b[0][t][v]));
      scale = Math.max(scale, Math.abs(b[0][t][v]));
    }
  }
  return { diff, scale };
}

describe('foldPair', () => {
  it('adds s·B·A to W', () => {
    const w = new Float32Array([1, 2, 3, 4, 5, 6]); // [2, 3]
    const a = new Float32Array([1, 0, 2, 0, 1, 0]); // [2, 3]
    const b = new Float32Array([1, 1, 0, 2]); // [2, 2]
    foldPair(w, { inF: 3, outF: 2, a, b }, 2, 0.5);
    // B·A = [[1,1,2],[0,2,0]]
    expect([...w]).toEqual([1.5, 2.5, 4, 4, 6, 6]);
  });
});

describe('merged folder layout', () => {
  it('sharded output: model.safetensors.index.json and shards that read back as one checkpoint', async () => {
    const base = await makeTinyModel('qwen3');
    const lora = await randomAdapter('qwen3', { r: 4, alpha: 8 });
    const single = await tempDir('sft-merged-single-');
    const sharded = await tempDir('sft-merged-sharded-');
    const src = folderSourceForTests(base);
    await sinkFiles(single, (await mergedModelFiles(src, lora.weights)).files);
    // 10 MB shards: the 39 MB embedding alone (a tensor is never split), then the rest.
    await sinkFiles(
      sharded,
      (await mergedModelFiles(src, lora.weights, { maxShardBytes: 10e6 })).files,
    );
    const names = await readdir(sharded);
    expect(names).toContain('model.safetensors.index.json');
    expect(
      names.filter((n) => /^model-\d{5}-of-\d{5}\.safetensors$/.test(n)).length,
    ).toBeGreaterThan(1);
    const a = await openCheckpoint(folderSourceForTests(single));
    const b = await openCheckpoint(folderSourceForTests(sharded));
    expect([...b.tensors.keys()].sort()).toEqual([...a.tensors.keys()].sort());
    for (const [name, t] of a.tensors) {
      const x = await readTensorBytes(folderSourceForTests(single), t);
      const y = await readTensorBytes(folderSourceForTests(sharded), b.tensors.get(name)!);
      expect(Buffer.compare(x, y), name).toBe(0);
    }
  }, 120_000);
});

describe.skipIf(!hasTorch)('merged model vs base + adapter (float64 reference)', () => {
  for (const family of kTinyFamilies) {
    it(`${family}: merged logits equal base + LoRA logits`, async () => {
      const base = await makeTinyModel(family);
      const rslora = family === 'qwen2';
      const lora = await randomAdapter(family, { r: 4, alpha: 8, rslora });
      const out = await tempDir('sft-merged-');
      const { files, dtype } = await mergedModelFiles(folderSourceForTests(base), lora.weights);
      expect(dtype).toBe('F32');
      await sinkFiles(out, files);
      const names = await readdir(out);
      for (const f of [
        'config.json',
        'model.safetensors',
        'tokenizer.json',
        'tokenizer_config.json',
        'generation_config.json',
      ])
        expect(names).toContain(f);
      const cfgIn = JSON.parse(await readFile(join(base, 'config.json'), 'utf8')) as object;
      const cfgOut = JSON.parse(await readFile(join(out, 'config.json'), 'utf8')) as object;
      expect(cfgOut).toEqual({ ...cfgIn, torch_dtype: 'float32' });

      const batch = { input_ids: [ids], return_logits: true };
      const [withAdapter] = await runTorchReferenceMany(base, lora.dir, [batch]);
      const [merged] = await runTorchReferenceMany(out, null, [batch]);
      const [plain] = await runTorchReferenceMany(base, null, [batch]);
      const m = maxAbsDiff(merged.logits!, withAdapter.logits!);
      const p = maxAbsDiff(plain.logits!, withAdapter.logits!);
      expect(p.diff, 'the adapter must change the logits').toBeGreaterThan(100 * m.diff);
      expect(m.diff / m.scale, family).toBeLessThan(1e-5);
    }, 120_000);
  }

  it('bf16 output: torch_dtype bfloat16 and logits within bf16 rounding', async () => {
    const base = await makeTinyModel('llama');
    const lora = await randomAdapter('llama', { r: 4, alpha: 8 });
    const out = await tempDir('sft-merged-bf16-');
    const { files } = await mergedModelFiles(folderSourceForTests(base), lora.weights, {
      dtype: 'BF16',
    });
    await sinkFiles(out, files);
    const cfg = JSON.parse(await readFile(join(out, 'config.json'), 'utf8')) as {
      torch_dtype: string;
    };
    expect(cfg.torch_dtype).toBe('bfloat16');
    const batch = { input_ids: [ids], return_logits: true };
    const [withAdapter] = await runTorchReferenceMany(base, lora.dir, [batch]);
    const [merged] = await runTorchReferenceMany(out, null, [batch]);
    const m = maxAbsDiff(merged.logits!, withAdapter.logits!);
    expect(m.diff / m.scale).toBeLessThan(0.05);
    expect(m.diff / m.scale).toBeGreaterThan(1e-6); // it really is bf16
  }, 120_000);
});
