// Evaluation outside a training run (`sft-studio eval`, the studio's "evaluate adapter" button):
// the next-token cross-entropy summed over every trained label token of the examples, without
// packing (one example per row, padded to the longest), divided by their count. Uses the forward
// engine in inference mode (no gradients, no dropout) with the adapter's LoRA, or none.
import type { GpuContext } from '../gpu/context.ts';
import type { TokenizedExample } from '../data/types.ts';
import { createEngine } from '../model/forward.ts';
import { loadDeviceModel, type DeviceModel } from '../model/layers/load.ts';
import type { LoraWeights } from '../model/lora.ts';
import type { ModelSource } from '../model/source.ts';
import { makeBatch, runSeqLen } from './packing.ts';
import { checkTokenIds, contextFor } from './context.ts';

/** One example's next-token losses: losses[t] is the cross-entropy (nats) of token t given the
 * tokens before it, null at t = 0 and where labels[t] is -100 (not trained). */
export interface TokenLosses {
  line: number;
  losses: (number | null)[];
}

export interface EvalResult {
  /** Mean next-token loss over the trained tokens (NaN when there are none). */
  loss: number;
  tokens: number;
  examples: number;
  /** With `perToken`: every example's per-token losses, in the order given. */
  perToken?: TokenLosses[];
}

export async function evaluateExamples(
  device: GPUDevice | GpuContext,
  cfg: {
    model: ModelSource | DeviceModel;
    adapter?: LoraWeights | null;
    examples: TokenizedExample[];
    maxLength: number;
    onProgress?: (done: number, total: number) => void;
    /** Read every example's per-token losses back (the loss is then their float64 mean). */
    perToken?: boolean;
  },
): Promise<EvalResult> {
  const ctx = contextFor(device);
  const ownsModel = !('weights' in cfg.model);
  const model = 'weights' in cfg.model ? cfg.model : await loadDeviceModel(ctx, cfg.model);
  try {
    checkTokenIds(cfg.examples, model.config.vocab, 'eval');
    const examples = cfg.examples;
    if (examples.length === 0) return { loss: NaN, tokens: 0, examples: 0 };
    const seqLen = runSeqLen(examples, cfg.maxLength, false);
    const lora = cfg.adapter ?? null;
    const engine = await createEngine(ctx, model, {
      rows: 1,
      seqLen,
      lora: lora?.spec ?? null,
      dropout: 0,
      training: false,
    });
    try {
      if (lora) {
        lora.layers.forEach((layer, l) => {
          for (const m of lora.spec.targets) {
            ctx.write(engine.sites[l][m]!.A, layer[m]!.a);
            ctx.write(engine.sites[l][m]!.B, layer[m]!.b);
          }
        });
      }
      const lossBuf = engine.buffers.scratch.loss;
      const clear = ctx.device.createCommandEncoder();
      clear.clearBuffer(lossBuf.buffer);
      ctx.device.queue.submit([clear.finish()]);
      const perToken: TokenLosses[] = [];
      let sum = 0; // float64, over the per-token values
      let count = 0;
      for (let i = 0; i < examples.length; i++) {
        const b = makeBatch(examples, [[i]], seqLen);
        engine.writeInputs(b);
        const enc = ctx.device.createCommandEncoder({ label: 'eval' });
        engine.recordForward(enc);
        ctx.device.queue.submit([enc.finish()]);
        if (cfg.perToken) {
          // Position j's loss is that of target labels[j + 1]: token t's loss sits at t - 1.
          const ex = examples[i];
          const n = Math.min(ex.inputIds.length, seqLen);
          const tok = await ctx.readF32(engine.buffers.scratch.tokLoss, n);
          const losses: (number | null)[] = new Array<number | null>(ex.inputIds.length).fill(null);
          for (let t = 1; t < n; t++) {
            if (ex.labels[t] === -100) continue;
            losses[t] = tok[t - 1];
            sum += tok[t - 1];
            count++;
          }
          perToken.push({ line: ex.line, losses });
        }
        if (cfg.onProgress && (i % 16 === 15 || i === examples.length - 1)) {
          await ctx.device.queue.onSubmittedWorkDone();
          cfg.onProgress(i + 1, examples.length);
        }
      }
      if (cfg.perToken) {
        return {
          loss: count > 0 ? sum / count : NaN,
          tokens: count,
          examples: examples.length,
          perToken,
        };
      }
      // Running totals accumulate in f32 on the device: [0] loss sum, [1] count.
      const v = await ctx.readF32(lossBuf, 2);
      return { loss: v[1] > 0 ? v[0] / v[1] : NaN, tokens: v[1], examples: examples.length };
    } finally {
      engine.destroy();
    }
  } finally {
    if (ownsModel) model.destroy();
  }
}
