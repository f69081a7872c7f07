// The memory planner: categories add up, LoRA counts match PEFT's, and the 1B goal holds.
import { describe, expect, it } from 'vitest';
import { bufferSpecs } from '../../src/model/buffers.ts';
import { parseModelConfig } from '../../src/model/config.ts';
import { resolveTargets } from '../../src/model/lora.ts';
import {
  chooseKeepActivations,
  formatPlan,
  kReferenceConfigs,
  planMemory,
  type PlanInput,
} from '../../src/model/plan.ts';

const input = (name: string, seqLen: number): PlanInput => ({
  config: parseModelConfig(kReferenceConfigs[name]),
  seqLen,
  rows: 1,
  r: 16,
  targets: resolveTargets('all-linear'),
  weightDtype: 'bf16',
  dropout: true,
  training: true,
});
const plan = (name: string, seqLen: number) => planMemory(input(name, seqLen));

describe('plan', () => {
  it('LoRA r16 all-linear parameter counts match PEFT (print_trainable_parameters)', () => {
    // SmolLM2-135M: 4,884,480; Qwen2.5-0.5B: 8,798,208; Llama-3.2-1B: 11,272,192.
    expect(plan('SmolLM2-135M', 512).loraParams).toBe(4_884_480);
    expect(plan('Qwen2.5-0.5B', 2048).loraParams).toBe(8_798_208);
    expect(plan('Llama-3.2-1B', 2048).loraParams).toBe(11_272_192);
  });

  it('Llama-3.2-1B LoRA at 2048 tokens is planned within 4 GB', () => {
    const p = plan('Llama-3.2-1B', 2048);
    console.log(formatPlan(p, 'Llama-3.2-1B, T=2048, r=16 all-linear, bf16'));
    console.log(formatPlan(plan('Qwen2.5-0.5B', 2048), 'Qwen2.5-0.5B, T=2048'));
    const sum = Object.values(p.byCategory).reduce((a, b) => a + b, 0);
    expect(sum).toBe(p.total);
    // bf16 weights of 1.236B params ≈ 2.47 GB.
    expect(p.byCategory.weights).toBeGreaterThan(2.4e9);
    expect(p.total).toBeLessThan(4e9);
  });

  it("gradient checkpointing 'auto' keeps activations only when that costs at most 1 GiB", () => {
    const smol = input('SmolLM2-135M', 512);
    const kept = planMemory({ ...smol, keepActivations: true });
    const extra = kept.total - planMemory(smol).total;
    // 29 more copies of one layer's forward working set (the last layer's is there either way).
    expect(extra).toBeGreaterThan(29 * 512 * (4 * 576 + 3 * 1536) * 4);
    expect(extra).toBeLessThan(2 ** 30);
    expect(kept.buffers.some((b) => b.name === 'act.q.29')).toBe(true);
    expect(chooseKeepActivations(smol)).toBe(true);
    expect(chooseKeepActivations(input('SmolLM2-135M', 2048))).toBe(false);
    expect(chooseKeepActivations(input('Llama-3.2-1B', 2048))).toBe(false);
    expect(chooseKeepActivations({ ...smol, training: false })).toBe(false);
  });
});

describe('plan layout', () => {
  // The engine allocates exactly the layout's buffers: the layout must hold every planned buffer
  // but the frozen weights (on the device already) and the cross-entropy launcher's own scratch.
  const qwen3 = parseModelConfig({
    ...kReferenceConfigs['SmolLM2-135M'],
    architectures: ['Qwen3ForCausalLM'],
    head_dim: 64,
  });
  for (const [name, config] of [
    ['SmolLM2-135M', parseModelConfig(kReferenceConfigs['SmolLM2-135M'])],
    ['Qwen3-shaped', qwen3],
  ] as const) {
    for (const [training, keepActivations] of [
      [true, false],
      [true, true],
      [false, false],
    ]) {
      it(`${name}, training ${training}, keep ${keepActivations}: the layout holds every buffer once`, () => {
        const p = planMemory({
          ...input('SmolLM2-135M', 64),
          config,
          training,
          keepActivations,
        });
        const inLayout = [...bufferSpecs(p.layout)].map((b) => b.name);
        const expected = p.buffers
          .filter((b) => b.category !== 'weights' || b.name === 'rope.inv_freq')
          .filter((b) => !b.name.startsWith('ce.'))
          .map((b) => b.name);
        expect(inLayout.sort()).toEqual(expected.sort());
        const L = config.layers;
        expect(p.layout.layers).toHaveLength(L);
        expect(p.layout.layers[L - 1].q.name).toBe(keepActivations ? `act.q.${L - 1}` : 'act.q');
        expect(p.layout.layers[0].qkNorm !== null).toBe(config.qkNorm);
        expect(p.layout.grads !== null).toBe(training);
        expect(p.layout.resid).toHaveLength(training ? L + 1 : 2);
      });
    }
  }
});

describe('plan vs reality', async () => {
  const { testContext, smallVocabModel } = await import('../train/engine-helpers.ts');
  const { createEngine } = await import('../../src/model/forward.ts');
  const { createBackward } = await import('../../src/model/backward.ts');
  const ctx = await testContext();
  it.skipIf(!ctx)('the engine allocates exactly what the plan lists', async () => {
    const { model } = await smallVocabModel(ctx!, 'qwen3', 1000);
    const before = ctx!.memory.snapshot().current;
    const spec = { r: 8, alpha: 16, useRslora: false, targets: resolveTargets('all-linear') };
    for (const [training, keepActivations] of [
      [true, false],
      [true, true],
      [false, false],
    ]) {
      const e = await createEngine(ctx!, model, {
        rows: 2,
        seqLen: 24,
        lora: spec,
        dropout: 0.1,
        training,
        keepActivations,
      });
      const bw = training ? await createBackward(e) : null;
      const now = ctx!.memory.snapshot().current;
      for (const c of ['lora', 'grads', 'optimizer', 'activations', 'scratch'] as const) {
        expect(now[c] - before[c], `${c} (training ${training})`).toBe(e.plan.byCategory[c]);
      }
      bw?.destroy(new Set(e.forward.ops));
      e.destroy();
      expect(ctx!.memory.snapshot().current.scratch).toBe(before.scratch);
    }
    model.destroy();
  });
});
