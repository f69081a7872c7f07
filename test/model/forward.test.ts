// The model forward (inference engine) against the independent float64 PyTorch reference: the loss
// of tiny models (f32, bf16, sharded) within 1e-3 relative, on a plain and a packed batch, with a non-zero LoRA B.
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/model/forward.ts';
import type { TinyFamily, TinyModelOptions } from '../fixtures/tiny-models.ts';
import { makeBatch } from '../../src/train/packing.ts';
import type { TokenizedExample } from '../../src/data/types.ts';
import { requireTorch, runTorchReference } from '../reference/torch.ts';
import { rng } from '../helpers/random.ts';
import {
  randomLora,
  relErr,
  testContext,
  tinyModel,
  torchBatch,
  writeLora,
} from '../train/engine-helpers.ts';

function example(line: number, len: number, seed: number): TokenizedExample {
  const r = rng(seed);
  const inputIds = Array.from({ length: len }, () => Math.floor(r() * 5000));
  return {
    line,
    inputIds,
    labels: inputIds.map((id, j) => (j < 2 ? -100 : id)),
    roles: inputIds.map(() => 'assistant' as const),
    fullLength: len,
    truncatedTrainedTokens: 0,
  };
}

const ctx = await testContext();
const hasTorch = ctx ? requireTorch('forward vs torch') : false;

describe.skipIf(!ctx)('forward', () => {
  // The inference engine (no gradients); bf16 weights and a sharded checkpoint on the way.
  const cases: [TinyFamily, TinyModelOptions][] = [
    ['llama3-rope', { dtype: 'bf16' }],
    ['mistral', { sharded: true }],
  ];
  for (const [family, opts] of cases) {
    it(`${family} ${JSON.stringify(opts)}: loss matches the PyTorch reference (plain and packed)`, async () => {
      const { dir, model } = await tinyModel(ctx!, family, opts);
      const lora = randomLora(model);
      const exs = [example(1, 7, 11), example(2, 5, 12), example(3, 12, 13)];
      // Row 0: examples 0 and 1 packed; row 1: example 2.
      const batch = makeBatch(exs, [[0, 1], [2]], 12);
      const engine = await createEngine(ctx!, model, {
        rows: 2,
        seqLen: 12,
        lora: lora.spec,
        dropout: 0,
        training: false,
      });
      writeLora(ctx!, engine, lora);
      engine.writeInputs(batch);
      const enc = ctx!.device.createCommandEncoder();
      enc.clearBuffer(engine.buffers.scratch.loss.buffer);
      engine.recordForward(enc);
      ctx!.device.queue.submit([enc.finish()]);
      const out = await ctx!.readF32(engine.buffers.scratch.loss, 4);
      const loss = out[0] / out[1];
      expect(out[1]).toBe(batch.trainedTokens);
      expect(Number.isFinite(loss)).toBe(true);
      if (hasTorch) {
        const ref = await runTorchReference(dir, null, torchBatch(batch, lora));
        expect(ref.tokens).toBe(batch.trainedTokens);
        console.log(
          `${family}: loss ${loss.toFixed(6)} torch ${ref.loss.toFixed(6)} rel ${relErr(loss, ref.loss).toExponential(2)}`,
        );
        expect(relErr(loss, ref.loss)).toBeLessThan(1e-3);
      }
      engine.destroy();
      model.destroy();
    });
  }
});
