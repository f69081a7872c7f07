// The CLI commands `merge` and `export-gguf` end to end on a tiny model: the files they write
// (atomically: no temporary file left behind), read back with our own readers, and the usage
// errors for bad flags.
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.ts';
import { run as exportGguf } from '../../src/cli/export-gguf.ts';
import { run as merge } from '../../src/cli/merge.ts';
import { readGguf } from '../../src/export/gguf/reader.ts';
import { parseSafetensors } from '../../src/model/safetensors.ts';
import { makeTinyModel } from '../fixtures/tiny-models.ts';
import { randomAdapter, tempDir, removeTempDirs } from './helpers.ts';

afterAll(removeTempDirs);

describe('sft-studio merge / export-gguf', () => {
  it('merge writes a Hugging Face folder in the asked dtype', async () => {
    const model = await makeTinyModel('qwen3');
    const { dir: adapter } = await randomAdapter('qwen3', { r: 4, alpha: 8 });
    const out = join(await tempDir('sft-cli-merge-'), 'merged');
    expect(
      await merge(['--model', model, '--adapter', adapter, '--out', out, '--dtype', 'bf16']),
    ).toBe(0);
    const files = await readdir(out);
    for (const f of [
      'config.json',
      'model.safetensors',
      'tokenizer.json',
      'generation_config.json',
      'README.md',
    ])
      expect(files).toContain(f);
    const cfg = JSON.parse(await readFile(join(out, 'config.json'), 'utf8')) as {
      torch_dtype: string;
    };
    expect(cfg.torch_dtype).toBe('bfloat16');
    const st = parseSafetensors(new Uint8Array(await readFile(join(out, 'model.safetensors'))));
    expect(st.tensors.get('model.layers.0.self_attn.q_proj.weight')!.dtype).toBe('BF16');
    expect((await readdir(join(out, '..'))).filter((f) => f.includes('.tmp-'))).toEqual([]);
    await expect(merge(['--model', model, '--adapter', adapter, '--out', out])).rejects.toThrow(
      /not empty/,
    );
    await expect(
      merge(['--model', model, '--adapter', adapter, '--out', `${out}2`, '--dtype', 'fp8']),
    ).rejects.toBeInstanceOf(UsageError);
  }, 120_000);

  it('export-gguf writes the model, or the adapter alone, with a Modelfile beside it', async () => {
    const model = await makeTinyModel('llama3-rope');
    const { dir: adapter } = await randomAdapter('llama3-rope', { r: 4, alpha: 8, rslora: true });
    const dir = await tempDir('sft-cli-gguf-');
    const file = join(dir, 'model.gguf');
    expect(
      await exportGguf(['--model', model, '--adapter', adapter, '--out', file, '--type', 'q8_0']),
    ).toBe(0);
    const g = readGguf(new Uint8Array(await readFile(file)));
    expect(g.metadata.get('general.file_type')).toBe(7);
    expect(g.tensors.get('blk.0.ffn_up.weight')!.type).toBe('Q8_0');
    const mf = await readFile(join(dir, 'Modelfile'), 'utf8');
    expect(mf).toContain('FROM ./model.gguf');
    expect(mf).toContain('PARAMETER stop "<|eot_id|>"');

    const lora = join(dir, 'lora', 'adapter.gguf');
    expect(
      await exportGguf(['--model', model, '--adapter', adapter, '--out', lora, '--lora-only']),
    ).toBe(0);
    const a = readGguf(new Uint8Array(await readFile(lora)));
    expect(a.metadata.get('general.type')).toBe('adapter');
    expect(a.metadata.get('adapter.lora.alpha')).toBeCloseTo(16, 5); // 8 · sqrt(4): rsLoRA
    expect(await readFile(join(dir, 'lora', 'Modelfile'), 'utf8')).toContain(
      'ADAPTER ./adapter.gguf',
    );
    expect(existsSync(join(dir, 'lora', 'Modelfile'))).toBe(true);
    await expect(exportGguf(['--model', model, '--out', lora, '--lora-only'])).rejects.toThrow(
      /--adapter/,
    );
    await expect(
      exportGguf(['--model', model, '--out', file, '--type', 'q4_0']),
    ).rejects.toBeInstanceOf(UsageError);
  }, 120_000);
});
