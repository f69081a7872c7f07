// The model backward against the float64 PyTorch reference: for the families' tiny models, on a
// packed batch with a non-zero LoRA B, the loss and every LoRA gradient (dA, dB of all seven
// targets in every layer) from one forward + backward.
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/model/forward.ts';
import { createBackward } from '../../src/model/backward.ts';
import { adapterKey } from '../../src/train/adapter.ts';
import { makeBatch } from '../../src/train/packing.ts';
import type { TokenizedExample } from '../../src/data/types.ts';
import type { TinyFamily } from '../fixtures/tiny-models.ts';
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

export function example(line: number, len: number, seed: number): TokenizedExample {
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
const hasTorch = ctx ? requireTorch('backward vs torch') : false;

describe.skipIf(!ctx || !hasTorch)('backward', () => {
  // Tied embeddings, llama3 RoPE scaling, Qwen2 biases, Qwen3 q/k norms (the forward test covers
  // untied Llama and Mistral).
  const families: TinyFamily[] = ['llama-tied', 'llama3-rope', 'qwen2', 'qwen3'];
  for (const family of families) {
    it(`${family}: LoRA gradients match the PyTorch reference, recomputed or kept activations`, async () => {
      const { dir, model } = await tinyModel(ctx!, family);
      const lora = randomLora(model);
      const exs = [example(1, 6, 21), example(2, 4, 22), example(3, 10, 23)];
      const batch = makeBatch(exs, [[0, 1], [2]], 10);
      const ref = await runTorchReference(dir, null, torchBatch(batch, lora));
      for (const keepActivations of [false, true]) {
        const mode = keepActivations ? 'kept' : 'recomputed';
        const engine = await createEngine(ctx!, model, {
          rows: 2,
          seqLen: 10,
          lora: lora.spec,
          dropout: 0,
          training: true,
          keepActivations,
        });
        expect(engine.keepActivations).toBe(keepActivations);
        const backward = await createBackward(engine);
        writeLora(ctx!, engine, lora);
        engine.writeInputs(batch);
        const enc = ctx!.device.createCommandEncoder();
        enc.clearBuffer(engine.buffers.scratch.loss.buffer);
        for (const layer of engine.sites) {
          for (const s of Object.values(layer)) {
            enc.clearBuffer(s.dA!.buffer);
            enc.clearBuffer(s.dB!.buffer);
          }
        }
        engine.recordForward(enc);
        const pass = enc.beginComputePass();
        backward.record(pass);
        pass.end();
        ctx!.device.queue.submit([enc.finish()]);
        const stats = await ctx!.readF32(engine.buffers.scratch.loss, 4);
        const count = stats[1];
        const loss = stats[0] / count;
        console.log(
          `${family} (${mode}): loss ${loss.toFixed(6)} torch ${ref.loss.toFixed(6)} rel ${relErr(loss, ref.loss).toExponential(2)}`,
        );
        expect(relErr(loss, ref.loss)).toBeLessThan(1e-3);
        // Gradients: ours are of the loss sum; the reference's of the mean.
        let worst = 0;
        let checked = 0;
        for (let l = 0; l < engine.sites.length; l++) {
          for (const m of lora.spec.targets) {
            const site = engine.sites[l][m]!;
            for (const [which, t] of [
              ['A', site.dA!],
              ['B', site.dB!],
            ] as const) {
              const want = ref.grads[adapterKey(l, m, which)].data;
              const got = await ctx!.readF32(t, want.length);
              let maxRef = 0;
              for (const x of want) maxRef = Math.max(maxRef, Math.abs(x));
              for (let i = 0; i < want.length; i++) {
                const err = Math.abs(got[i] / count - want[i]) / (maxRef + 1e-12);
                worst = Math.max(worst, err);
              }
              checked++;
            }
          }
        }
        console.log(
          `${family} (${mode}): ${checked} LoRA grads, worst |err| / max|ref| = ${worst.toExponential(2)}`,
        );
        expect(worst).toBeLessThan(1e-3);
        engine.destroy();
      }
      model.destroy();
    });
  }
});
