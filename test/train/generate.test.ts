// Generation with the KV cache against the PyTorch reference: with and without the adapter, every
// greedy token is the full-sequence reference's argmax at its position, sampling is seeded, stop tokens end the reply.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDecoder } from '../../src/model/decode.ts';
import { createGenerator } from '../../src/train/generate.ts';
import { allclose } from '../helpers/allclose.ts';
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
    for (const [name, bytes] of Object.entries(adapter) as [string, string | Uint8Array][])
      await writeFile(join(adapterDir, name), bytes);

    // A short prompt (one padded prefill chunk) and a long one (chunks of 64: 64 + 64 + 21 + the
    // last token through the one-token path).
    const long = Array.from({ length: 150 }, (_, i) => (i * 37 + 11) % 384);
    for (const [prompt, maxContext] of [
      [[5, 17, 42, 7], 64],
      [long, 200],
    ] as [number[], number][]) {
      const g = await createGenerator(ctx!, { model, adapter: lora, maxContext });
      for (const useAdapter of [true, false]) {
        const streamed: number[] = [];
        const out = await g.generate(prompt, {
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
          const what = `token ${i} (prompt ${prompt.length}, adapter ${useAdapter})`;
          expect(out.tokens[i], what).toBe(argmax);
        }
        console.log(`prompt ${prompt.length}, adapter ${useAdapter}: ${out.tokens.join(' ')}`);
      }
      g.destroy();
    }
    // The logits after a chunked prefill equal the full-sequence reference's (not just the argmax).
    {
      const dec = await createDecoder(ctx!, model, { maxContext: 200, lora: null });
      const last = long.length - 1;
      for (let i = 0; i < last; i += dec.prefillChunk) {
        dec.setChunk(long.slice(i, Math.min(last, i + dec.prefillChunk)), i);
        const enc = ctx!.device.createCommandEncoder();
        dec.recordPrefill(enc, { adapter: false });
        ctx!.device.queue.submit([enc.finish()]);
      }
      dec.setToken(long[last], last);
      const enc = ctx!.device.createCommandEncoder();
      dec.record(enc, { adapter: false, logits: true });
      ctx!.device.queue.submit([enc.finish()]);
      const got = await ctx!.readF32(dec.logits, model.config.vocab);
      const ref = await runTorchReference(dir, null, { input_ids: [long], return_logits: true });
      allclose(got, Float32Array.from(ref.logits![0][last]), { atol: 1e-4, rtol: 1e-3 }, 'logits');
      dec.destroy();
    }
    const gen = await createGenerator(ctx!, { model, adapter: lora, maxContext: 64 });
    const prompt = [5, 17, 42, 7];
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
