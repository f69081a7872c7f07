// The sizes the studio shows before an export writes (src/export/sizes.ts, trlProjectFiles) equal
// the bytes the exporters then produce: merged folders (single file and sharded), GGUF in every
// type, the LoRA GGUF, and the TRL project's streamed files (which must also equal trlProject's).
import { describe, expect, it, afterAll } from 'vitest';
import { folderSource } from '../../src/cli/model-source.ts';
import {
  ggufBytes,
  ggufChunks,
  kDefaultSettings,
  kGgufTypes,
  loraGgufBytes,
  loraGgufChunks,
  mergedFolderBytes,
  mergedModelFiles,
  trlProject,
  trlProjectFiles,
} from '../../src/engine/index.ts';
import { mergedModelFiles as folderFiles } from '../../src/export/hf-folder.ts';
import type { TokenizedExample } from '../../src/data/types.ts';
import { makeTinyModel } from '../fixtures/tiny-models.ts';
import { randomAdapter, removeTempDirs } from './helpers.ts';

async function drain(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const c of chunks) out.push(c);
  return out;
}
const total = (parts: Uint8Array[]) => parts.reduce((n, c) => n + c.byteLength, 0);

afterAll(removeTempDirs);

describe('export sizes, before writing', () => {
  it('merged folder: the measured size is the written size (single file and sharded)', async () => {
    const src = folderSource(await makeTinyModel('qwen3'));
    const lora = await randomAdapter('qwen3', { r: 4, alpha: 8 });
    for (const dtype of ['F32', 'BF16'] as const) {
      const measured = await mergedFolderBytes(
        src,
        (await mergedModelFiles(src, lora.weights, dtype)).files,
        dtype,
      );
      let written = 0;
      for (const f of (await mergedModelFiles(src, lora.weights, dtype)).files)
        written += total(await drain(f.chunks()));
      expect(measured).toBe(written);
    }
    const opts = { dtype: 'F16' as const, maxShardBytes: 10e6 };
    const sharded = await folderFiles(src, lora.weights, opts);
    expect(sharded.files.filter((f) => f.path.endsWith('.safetensors')).length).toBeGreaterThan(1);
    const measured = await mergedFolderBytes(src, sharded.files, 'F16');
    let written = 0;
    for (const f of (await folderFiles(src, lora.weights, opts)).files)
      written += total(await drain(f.chunks()));
    expect(measured).toBe(written);
  }, 120_000);

  it('GGUF in every type, and the LoRA GGUF: the measured size is the written size', async () => {
    const src = folderSource(await makeTinyModel('llama3-rope'));
    const lora = await randomAdapter('llama3-rope', { r: 4, alpha: 8, rslora: true });
    for (const type of kGgufTypes) {
      const written = total(await drain(await ggufChunks(src, lora.weights, type)));
      expect(await ggufBytes(src, lora.weights, type), type).toBe(written);
    }
    const written = total(await drain(await loraGgufChunks(src, lora.weights)));
    expect(await loraGgufBytes(src, lora.weights)).toBe(written);
  }, 120_000);

  it('TRL project: streamed files equal trlProject, and the size is exact', async () => {
    const examples: TokenizedExample[] = Array.from({ length: 9 }, (_, i) => {
      const ids = Array.from({ length: i * 3 }, (_, t) => (t * 7919 + i) % 151_000);
      return {
        line: i + 1,
        inputIds: ids,
        labels: ids.map((id, t) => (t % 2 ? id : -100)),
        roles: ids.map(() => 'assistant' as const),
        fullLength: ids.length,
        truncatedTrainedTokens: 0,
      };
    });
    const input = {
      model: 'org/model',
      datasetName: 'd.jsonl',
      settings: { ...kDefaultSettings, evalSplit: 0.3, seed: 3 },
      examples,
    };
    const whole = trlProject(input);
    const { files, bytes } = trlProjectFiles(input);
    const dec = new TextDecoder();
    const streamed: Record<string, string> = {};
    let written = 0;
    for (const f of files) {
      const parts = await drain(f.chunks());
      written += total(parts);
      streamed[f.path] = parts.map((p) => dec.decode(p)).join('');
    }
    expect(streamed).toEqual(whole);
    expect(Object.keys(streamed).sort()).toEqual(Object.keys(whole).sort());
    expect(bytes).toBe(written);
  });
});
