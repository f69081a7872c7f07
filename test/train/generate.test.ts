// Generation with the KV cache against the PyTorch reference: with and without the adapter, every
// greedy token is the full-sequence reference's argmax at its position, sampling is seeded, stop tokens end the reply.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createGenerator } from '../../src/train/generate.ts';
import { exportAdapter } from '../../src/train/adapter.ts';
import { requireTorch, runTorchReference } from '../reference/torch.ts';
import { randomLora, smallVocabModel, testContext } from './engine-helpers.ts';

const ctx = await testContext();
const hasTorch = ctx ? requireTorch('generation vs torch') : false;

describe.skipIf(!ctx || !hasTorch)('generate', () => {
  it('KV-cache decoding matches the reference, with and without the adapter', async () => {
    const { model, files } = await smallVocabModel(ctx!, 'qwen3', 384, 0.5);
    const dir = await mkdtemp(join(tmpdir(), 'sft-gen-'));
    for (const [name, bytes] of Object.entries(files)) await writeFile(join(dir, name), bytes);
    const lora = randomLora(model, {}, 9);
    for (const layer of lora.layers)
      for (const p of Object.values(layer)) p.b.forEach((_, i, b) => (b[i] *= 6));
    const adapterDir = join(dir, 'adapter');
    const adapter = exportAdapter(lora, { baseModel: dir, dropout: 0 });
    await mkdir(adapterDir);
    for (const [name, bytes] of Object.entries(adapter))
      await writeFile(join(adapterDir, name), bytes);

    const gen = await createGenerator(ctx!, { model, adapter: lora, maxContext: 64 });
    const prompt = [5, 17, 42, 7];
    for (const useAdapter of [true, false]) {
      const streamed: number[] = [];
      const out = await gen.generate(prompt, {
        maxNewTokens: 5,
        adapter: useAdapter,
        stopTokenIds: [],
        onToken: (id) => streamed.push(id),
      });
      expect(out.tokens).toEqual(streamed);
      expect(out.tokens.length).toBeGreaterThan(0);
      const seq = [...prompt, ...out.tokens];
      const ref = await runTorchReference(dir, useAdapter ? adapterDir : null, {
        input_ids: [seq],
        return_logits: true,
      });
      const logits = ref.logits![0];
      // Greedy: each generated token is the reference's argmax at the previous position.
      for (let i = 0; i < out.tokens.length; i++) {
        const row = logits[prompt.length - 1 + i];
        const argmax = row.indexOf(Math.max(...row));
        expect(out.tokens[i], `token ${i} (adapter ${useAdapter})`).toBe(argmax);
      }
      console.log(`adapter ${useAdapter}: ${out.tokens.join(' ')} (${out.finish})`);
    }
    // Seeded sampling repeats; stop tokens end the reply.
    const s1 = await gen.generate(prompt, { maxNewTokens: 6, temperature: 1, topP: 0.9, seed: 5 });
    const s2 = await gen.generate(prompt, { maxNewTokens: 6, temperature: 1, topP: 0.9, seed: 5 });
    expect(s2.tokens).toEqual(s1.tokens);
    const g = await gen.generate(prompt, { maxNewTokens: 4 });
    const stopped = await gen.generate(prompt, { maxNewTokens: 4, stopTokenIds: [g.tokens[0]] });
    expect(stopped).toEqual({ tokens: [g.tokens[0]], finish: 'stop' });
    gen.destroy();
    model.destroy();
  });
});
