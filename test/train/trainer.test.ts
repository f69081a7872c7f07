// The trainer end to end on a tiny model: a short run on a learnable dataset lowers the loss
// clearly; the same seed gives the same run; 1×2 and 2×1 micro-batching give the same update;
// checkpoint → resume continues the very same run; the NaN/Inf guard skips and says so; eval
// split events; export → load is bit-exact.
import { describe, expect, it } from 'vitest';
import type { TokenizedExample } from '../../src/data/types.ts';
import { createTrainer, type TrainerConfig } from '../../src/train/trainer.ts';
import type { StepEvent, TrainEvent } from '../../src/train/events.ts';
import { loadAdapter } from '../../src/train/adapter.ts';
import { evaluateExamples } from '../../src/train/evaluate.ts';
import type { TrainHyperInput } from '../../src/train/config.ts';
import { smallVocabModel, testContext } from './engine-helpers.ts';

/** A learnable toy dataset: a few fixed "answers" after a fixed prompt. */
function dataset(n: number): TokenizedExample[] {
  const answers = [
    [100, 101, 102, 103, 104],
    [200, 201, 202, 203, 204],
  ];
  return Array.from({ length: n }, (_, i) => {
    const prompt = [50, 51 + (i % 2)];
    const inputIds = [...prompt, ...answers[i % 2]];
    return {
      line: i + 1,
      inputIds,
      labels: inputIds.map((id, j) => (j < prompt.length ? -100 : id)),
      roles: inputIds.map(() => 'assistant' as const),
      fullLength: inputIds.length,
      truncatedTrainedTokens: 0,
    };
  });
}

const ctx = await testContext();

describe.skipIf(!ctx)('trainer', async () => {
  const { model } = ctx ? await smallVocabModel(ctx, 'llama') : { model: null };
  const base: TrainHyperInput = {
    lora: { r: 4, alpha: 8, dropout: 0 },
    lr: 2e-2,
    warmupRatio: 0,
    maxLength: 14,
    batchSize: 1,
    seed: 7,
  };
  const run = async (hyper: TrainHyperInput, extra: Partial<TrainerConfig> = {}) => {
    const events: TrainEvent[] = [];
    const t = await createTrainer(ctx!, {
      model: model!,
      train: dataset(8),
      hyper: { ...base, ...hyper },
      onEvent: (e) => events.push(e),
      ...extra,
    });
    const result = await t.run();
    const steps = events.filter((e): e is StepEvent => e.kind === 'step');
    return { t, events, steps, result };
  };

  it('a short run lowers the loss clearly, with eval events and dropout', async () => {
    const { t, steps, events } = await run({
      maxSteps: 16,
      evalSplit: 0.25,
      evalEvery: 8,
      lora: { r: 4, alpha: 8, dropout: 0.05 },
    });
    expect(t.trainExamples).toBe(6);
    expect(t.evalExamples).toBe(2);
    expect(steps.map((s) => s.step)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    const first = steps[0].loss!;
    const last = steps.at(-1)!.loss!;
    console.log(`loss ${first.toFixed(3)} → ${last.toFixed(3)}; lr ${steps[3].lr}`);
    expect(last).toBeLessThan(first - 3);
    const evals = events.filter((e) => e.kind === 'eval');
    expect(evals.map((e) => e.step)).toEqual([8, 16]);
    expect(steps.every((s) => s.gradNorm !== null && Number.isFinite(s.gradNorm))).toBe(true);
    expect(steps[0].memory.totalCurrent).toBeGreaterThan(0);
    // Export → load round-trips bit-exactly.
    const w = await t.loraWeights();
    const files = await t.exportAdapter();
    const back = loadAdapter(model!.config, {
      safetensors: files['adapter_model.safetensors'],
      config: files['adapter_config.json'],
    });
    for (let l = 0; l < w.layers.length; l++) {
      for (const m of w.spec.targets) {
        expect(
          Buffer.from(back.weights.layers[l][m]!.a.buffer).equals(
            Buffer.from(w.layers[l][m]!.a.buffer),
          ),
        ).toBe(true);
        expect(
          Buffer.from(back.weights.layers[l][m]!.b.buffer).equals(
            Buffer.from(w.layers[l][m]!.b.buffer),
          ),
        ).toBe(true);
      }
    }
    t.destroy();
  });

  it('eval examples longer than the training rows are evaluated whole', async () => {
    // Training rows without packing are as long as the longest training example (7 tokens); the
    // eval example is 12 tokens, every one of its 10 targets trained.
    const long = dataset(2)[1];
    const ids = [...long.inputIds, 205, 206, 207, 208, 209];
    const evalEx: TokenizedExample = {
      ...long,
      inputIds: ids,
      labels: ids.map((id, j) => (j < 2 ? -100 : id)),
      fullLength: ids.length,
    };
    const { t } = await run({ maxSteps: 2, packing: false }, { eval: [evalEx] });
    expect(t.seqLen).toBe(12);
    const inRun = await t.evaluate();
    expect(inRun.tokens).toBe(10);
    const alone = await evaluateExamples(ctx!, {
      model: model!,
      adapter: await t.loraWeights(),
      examples: [evalEx],
      maxLength: 14,
    });
    expect(alone.tokens).toBe(10);
    expect(Math.abs(inRun.loss - alone.loss)).toBeLessThan(1e-5 * Math.abs(alone.loss));
    t.destroy();
  });

  it('a batch with fewer rows than the micro-batch leaves no stale rows behind', async () => {
    // 3 rows per micro-batch, one eval example: the eval batch has 1 real row and 2 padding rows,
    // which must not carry the last training batch's tokens into the eval loss (or a step's).
    const evalEx = dataset(9)[8];
    const { t } = await run({ maxSteps: 3, batchSize: 3, packing: false }, { eval: [evalEx] });
    const inRun = await t.evaluate();
    const alone = await evaluateExamples(ctx!, {
      model: model!,
      adapter: await t.loraWeights(),
      examples: [evalEx],
      maxLength: 14,
    });
    expect(inRun.tokens).toBe(alone.tokens);
    expect(Math.abs(inRun.loss - alone.loss)).toBeLessThan(1e-5 * Math.abs(alone.loss));
    t.destroy();
  });

  it('same seed → same run; 1×2 and 2×1 micro-batching give the same update', async () => {
    const a = await run({ maxSteps: 3, batchSize: 2, gradAccum: 1 });
    const b = await run({ maxSteps: 3, batchSize: 2, gradAccum: 1 });
    expect(b.steps.map((s) => s.loss)).toEqual(a.steps.map((s) => s.loss));
    const c = await run({ maxSteps: 3, batchSize: 1, gradAccum: 2 });
    const wa = await a.t.loraWeights();
    const wc = await c.t.loraWeights();
    let worst = 0;
    for (let l = 0; l < wa.layers.length; l++) {
      for (const m of wa.spec.targets) {
        const pa = wa.layers[l][m]!;
        const pc = wc.layers[l][m]!;
        for (let i = 0; i < pa.b.length; i++) worst = Math.max(worst, Math.abs(pa.b[i] - pc.b[i]));
        for (let i = 0; i < pa.a.length; i++) worst = Math.max(worst, Math.abs(pa.a[i] - pc.a[i]));
      }
    }
    console.log(
      `grad-accum: max |ΔW| between 1×2 and 2×1 after 3 steps: ${worst.toExponential(2)}`,
    );
    expect(worst).toBeLessThan(1e-5);
    for (let i = 0; i < 3; i++) expect(c.steps[i].loss!).toBeCloseTo(a.steps[i].loss!, 4);
    // Recomputing each layer in the backward or keeping its activations: the very same run.
    const kept = await run({
      maxSteps: 3,
      batchSize: 2,
      gradAccum: 1,
      gradientCheckpointing: false,
    });
    const recomputed = await run({
      maxSteps: 3,
      batchSize: 2,
      gradAccum: 1,
      gradientCheckpointing: true,
    });
    expect(kept.t.plan.input.keepActivations).toBe(true);
    expect(recomputed.t.plan.input.keepActivations).toBe(false);
    expect(kept.steps.map((s) => s.loss)).toEqual(recomputed.steps.map((s) => s.loss));
    expect(kept.steps.map((s) => s.gradNorm)).toEqual(recomputed.steps.map((s) => s.gradNorm));
    for (const x of [a, b, c, kept, recomputed]) x.t.destroy();
  });

  it('checkpoint → resume continues the same run', async () => {
    const full = await run({ maxSteps: 6 });
    let saved: Uint8Array | null = null;
    const events: TrainEvent[] = [];
    const t1 = await createTrainer(ctx!, {
      model: model!,
      train: dataset(8),
      hyper: { ...base, maxSteps: 6 },
      onEvent: (e) => {
        events.push(e);
        if (e.kind === 'step' && e.step === 3) t1.stop();
      },
      onCheckpoint: (bytes) => {
        saved = bytes;
      },
    });
    const r1 = await t1.run();
    // Events trail the GPU by a step or two: the run stops after the steps already in flight.
    expect(r1.done).toBe(false);
    expect(r1.interrupted).toBe('stopped');
    expect(r1.step).toBeGreaterThanOrEqual(3);
    expect(saved).not.toBeNull();
    t1.destroy();
    const resumed = await run({}, { resumeFrom: saved! });
    const rest = Array.from({ length: 6 - r1.step }, (_, i) => r1.step + 1 + i);
    expect(resumed.steps.map((s) => s.step)).toEqual(rest);
    expect(resumed.steps.map((s) => s.loss)).toEqual(full.steps.slice(r1.step).map((s) => s.loss));
    const wf = await full.t.loraWeights();
    const wr = await resumed.t.loraWeights();
    expect(
      Buffer.from(wr.layers[1].q_proj!.b.buffer).equals(Buffer.from(wf.layers[1].q_proj!.b.buffer)),
    ).toBe(true);
    full.t.destroy();
    resumed.t.destroy();
  });

  it('a non-finite gradient skips the update and says so', async () => {
    const { steps, events, t } = await run({ maxSteps: 4, lr: 1e30, scheduler: 'constant' });
    const skipped = events.filter((e) => e.kind === 'skipped');
    console.log(
      `losses with lr 1e30: ${steps.map((s) => s.loss).join(', ')}; skipped ${skipped.length}`,
    );
    expect(skipped.length).toBeGreaterThan(0);
    t.destroy();
  });
});
