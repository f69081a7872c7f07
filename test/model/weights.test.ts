// Weight loading: every tiny fixture family loads from a folder (single, sharded, f32, bf16) in
// params.ts order with progress; a checkpoint that does not match its config is rejected with the
// missing / unexpected / wrong-shape tensors listed; the browser's File/Blob source behaves like
// the folder source.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { folderSource } from '../../src/cli/model-source.ts';
import { parseModelConfig } from '../../src/model/config.ts';
import {
  CheckpointMismatchError,
  modelParams,
  validateCheckpoint,
} from '../../src/model/params.ts';
import {
  serializeSafetensors,
  toFloat32,
  type TensorToWrite,
} from '../../src/model/safetensors.ts';
import { blobSource, bytesSource, ModelFileNotFoundError } from '../../src/model/source.ts';
import {
  loadModelConfig,
  loadWeights,
  planWeights,
  type WeightsProgress,
} from '../../src/model/weights.ts';
import { kTinyFamilies, makeTinyModel, tinyConfigJson } from '../fixtures/tiny-models.ts';

describe('tiny fixture models', () => {
  it('every family loads, in params.ts order, with the tokenizer vocab size', async () => {
    const tokenizerVocab: Record<string, number> = {};
    for (const family of kTinyFamilies) {
      const dir = await makeTinyModel(family);
      const files = (await readdir(dir)).sort();
      expect(files).toEqual([
        'config.json',
        'model.safetensors',
        'tokenizer.json',
        'tokenizer_config.json',
      ]);
      const src = folderSource(dir);
      const cfg = await loadModelConfig(src);
      const tok = JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8')) as {
        model: { vocab: Record<string, number> };
        added_tokens: { id: number }[];
      };
      let maxId = 0;
      for (const id of Object.values(tok.model.vocab)) maxId = Math.max(maxId, id);
      for (const t of tok.added_tokens) maxId = Math.max(maxId, t.id);
      tokenizerVocab[family] = maxId + 1;
      expect(cfg.vocab, family).toBeGreaterThanOrEqual(maxId + 1);
      const progress: WeightsProgress[] = [];
      const names: string[] = [];
      for await (const t of loadWeights(src, { onProgress: (p) => progress.push(p) })) {
        names.push(t.name);
        expect(t.bytes.byteLength).toBe(t.shape.reduce((a, b) => a * b, 1) * 4);
      }
      expect(names).toEqual(modelParams(cfg).map((p) => p.name));
      expect(progress.at(-1)).toMatchObject({ index: names.length, count: names.length });
      expect(progress.at(-1)!.bytesDone).toBe(progress.at(-1)!.bytesTotal);
    }
    // Vocab equals the tokenizer's (Qwen pads its embedding to 151936, beyond the last id).
    expect(tokenizerVocab).toMatchObject({ llama: 128256, 'llama3-rope': 128256, mistral: 32000 });
    expect(tokenizerVocab.qwen3).toBeLessThanOrEqual(151936);
  });

  it('bf16 and sharded variants hold the same model, rounded', async () => {
    const f32 = folderSource(await makeTinyModel('qwen3'));
    const bf16 = folderSource(await makeTinyModel('qwen3', { dtype: 'bf16', sharded: true }));
    expect((await loadModelConfig(bf16)).torchDtype).toBe('bfloat16');
    const a = new Map<string, Float32Array>();
    for await (const t of loadWeights(f32)) a.set(t.name, toFloat32(t.dtype, t.bytes));
    let n = 0;
    for await (const t of loadWeights(bf16)) {
      expect(t.dtype).toBe('BF16');
      const x = toFloat32('BF16', t.bytes);
      const ref = a.get(t.name)!;
      for (let i = 0; i < x.length; i += 97)
        expect(Math.abs(x[i] - ref[i])).toBeLessThanOrEqual(Math.abs(ref[i]) * 2 ** -8);
      n++;
    }
    expect(n).toBe(a.size);
    expect([...a.keys()]).toContain('model.layers.1.self_attn.q_norm.weight');
  });

  it('concurrent requests for a new model agree on one complete directory', async () => {
    const opts = { seed: 7, shape: { layers: 1 } };
    const [a, b] = await Promise.all([
      makeTinyModel('mistral', opts),
      makeTinyModel('mistral', opts),
    ]);
    expect(a).toBe(b);
    expect((await readdir(a)).sort()).toEqual([
      'config.json',
      'model.safetensors',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    expect((await loadModelConfig(folderSource(a))).layers).toBe(1);
    const leftovers = (await readdir(join(a, '..'))).filter((f) =>
      f.includes(`.tmp-${process.pid}-`),
    );
    expect(leftovers).toEqual([]);
  });

  it('is deterministic: same seed, same bytes; another seed, other bytes', async () => {
    const a = await readFile(join(await makeTinyModel('mistral'), 'model.safetensors'));
    const dir2 = await makeTinyModel('mistral', { seed: 2 });
    const b = await readFile(join(dir2, 'model.safetensors'));
    expect(a.length).toBe(b.length);
    expect(a.equals(b)).toBe(false);
  });
});

describe('validateCheckpoint', () => {
  const cfg = parseModelConfig(tinyConfigJson('qwen2'));
  const shapes = () => new Map(modelParams(cfg).map((p) => [p.name, { shape: p.shape }]));

  it('accepts the exact list and ignores RoPE buffers and a tied lm_head copy', () => {
    expect(validateCheckpoint(cfg, shapes())).toEqual({ ignored: [] });
    const m = shapes();
    m.set('model.layers.0.self_attn.rotary_emb.inv_freq', { shape: [8] });
    expect(validateCheckpoint(cfg, m).ignored).toEqual([
      'model.layers.0.self_attn.rotary_emb.inv_freq',
    ]);
    const tied = parseModelConfig(tinyConfigJson('qwen3'));
    const t = new Map(modelParams(tied).map((p) => [p.name, { shape: p.shape }]));
    t.set('lm_head.weight', { shape: [tied.vocab, tied.hidden] });
    expect(validateCheckpoint(tied, t).ignored).toEqual(['lm_head.weight']);
  });

  it('lists missing, unexpected and wrong-shape tensors together', () => {
    const m = shapes();
    m.delete('model.layers.1.self_attn.q_proj.bias');
    m.delete('lm_head.weight');
    m.set('model.layers.0.self_attn.k_proj.weight', { shape: [64, 64] });
    m.set('model.layers.2.mlp.up_proj.weight', { shape: [128, 64] });
    let err: CheckpointMismatchError | null = null;
    try {
      validateCheckpoint(cfg, m, 'org/model');
    } catch (e) {
      err = e as CheckpointMismatchError;
    }
    expect(err).toBeInstanceOf(CheckpointMismatchError);
    expect(err!.missing).toEqual(['model.layers.1.self_attn.q_proj.bias', 'lm_head.weight']);
    expect(err!.unexpected).toEqual(['model.layers.2.mlp.up_proj.weight']);
    expect(err!.wrongShape).toEqual([
      { name: 'model.layers.0.self_attn.k_proj.weight', expected: [32, 64], got: [64, 64] },
    ]);
    expect(err!.message).toMatch(
      /^The weights in org\/model do not match its config\.json: missing 2 tensor\(s\): model\.layers\.1\.self_attn\.q_proj\.bias, lm_head\.weight; wrong shape: model\.layers\.0\.self_attn\.k_proj\.weight is \[64, 64\], config\.json implies \[32, 64\]; unexpected 1 tensor\(s\)/,
    );
  });

  it('a wrong config for the weights fails before any tensor is read', async () => {
    const dir = await makeTinyModel('llama');
    const src = folderSource(dir);
    const wrong = parseModelConfig({
      ...tinyConfigJson('llama'),
      num_hidden_layers: 3,
      intermediate_size: 96,
    });
    await expect(planWeights(src, wrong)).rejects.toThrow(
      /missing 9 tensor\(s\): model\.layers\.2\.input_layernorm\.weight.*\(9 in all\); wrong shape: model\.layers\.0\.mlp\.gate_proj\.weight is \[128, 64\], config\.json implies \[96, 64\]/,
    );
  });

  it('rejects a checkpoint with an integer weight', async () => {
    const cfg1 = parseModelConfig({ ...tinyConfigJson('mistral'), num_hidden_layers: 1 });
    const tensors: TensorToWrite[] = modelParams(cfg1).map((p) => ({
      name: p.name,
      dtype: 'F32',
      shape: p.shape,
      data: new Float32Array(p.shape.reduce((a, b) => a * b, 1)),
    }));
    const file = serializeSafetensors(tensors);
    // Patch the dtype of model.norm.weight to I32 (same size): the header stays valid.
    const text = new TextDecoder().decode(file);
    const at = text.indexOf('"model.norm.weight":{"dtype":"F32"');
    const patched = file.slice();
    patched.set(new TextEncoder().encode('I32'), at + '"model.norm.weight":{"dtype":"'.length);
    const src = bytesSource('m', { 'model.safetensors': patched });
    await expect(planWeights(src, cfg1)).rejects.toThrow(
      /m\/model\.safetensors: tensor "model\.norm\.weight": dtype I32 is not supported/,
    );
  });
});

describe('sources', () => {
  it('blobSource (browser folder pick) reads like the folder source', async () => {
    const dir = await makeTinyModel('llama-tied');
    const files: File[] = [];
    for (const f of await readdir(dir)) {
      const file = new File([await readFile(join(dir, f))], f);
      Object.defineProperty(file, 'webkitRelativePath', { value: `picked-folder/${f}` });
      files.push(file);
    }
    const blobs = blobSource('picked-folder', files);
    const disk = folderSource(dir);
    expect(await blobs.exists('config.json')).toBe(true);
    expect(await blobs.exists('model.safetensors.index.json')).toBe(false);
    expect(await blobs.size('model.safetensors')).toBe(await disk.size('model.safetensors'));
    expect(await blobs.readRange('model.safetensors', 100, 200)).toEqual(
      await disk.readRange('model.safetensors', 100, 200),
    );
    const a: string[] = [];
    for await (const t of loadWeights(blobs)) a.push(`${t.name}:${t.bytes.byteLength}`);
    const b: string[] = [];
    for await (const t of loadWeights(disk)) b.push(`${t.name}:${t.bytes.byteLength}`);
    expect(a).toEqual(b);
    await expect(blobs.readFile('tokenizer.model')).rejects.toThrow(ModelFileNotFoundError);
    await expect(blobs.readFile('tokenizer.model')).rejects.toThrow(
      /tokenizer\.model not found in picked-folder: the picked files are: /,
    );
    await expect(blobs.readRange('config.json', 0, 1e9)).rejects.toThrow(/outside the file/);
  });

  it('folderSource errors name the folder and file, and refuse paths outside it', async () => {
    const dir = await makeTinyModel('llama-tied');
    const src = folderSource(dir);
    await expect(src.readFile('nope.json')).rejects.toThrow(ModelFileNotFoundError);
    await expect(src.readRange('nope.json', 0, 1)).rejects.toThrow(
      /nope\.json not found in .*llama-tied/,
    );
    await expect(src.readRange('config.json', 5, 1e9)).rejects.toThrow(/outside the file/);
    await expect(src.readFile('../../package.json')).rejects.toThrow(/escapes the model folder/);
    await expect(loadModelConfig(folderSource(join(dir, 'missing')))).rejects.toThrow(
      /config\.json not found/,
    );
  });
});
