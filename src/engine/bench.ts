// The engine's benchmark (`sft-studio bench`): training throughput of the real engine on a
// SmolLM2-135M-shaped model with random bf16 weights (LoRA r16 on all linear layers, dropout 0.05,
// packed rows of L tokens, default 512): tokens/s, model FLOPs utilisation against the adapter's
// measured ALU peak (a pure-FMA probe), and device memory by category, planned and peak. Also the
// planner's memory for Qwen2.5-0.5B and Llama-3.2-1B at 2048 tokens, and with `profile` every op
// of a step timed alone.
import type { GpuContext, Tensor } from '../gpu/context.ts';
import { makeOp } from '../gpu/op.ts';
import { kMemoryCategories, type MemorySnapshot } from '../gpu/memory.ts';
import { parseModelConfig, type ModelConfig } from '../model/config.ts';
import type { DeviceModel } from '../model/layers/load.ts';
import { resolveTargets } from '../model/lora.ts';
import { modelParams } from '../model/params.ts';
import { formatPlan, isMatrixWeight, kReferenceConfigs, planMemory } from '../model/plan.ts';
import type { StepEvent } from '../train/events.ts';
import { createTrainer } from '../train/trainer.ts';
import type { TokenizedExample } from '../data/types.ts';
import { profileStep } from './bench-profile.ts';
import aluCode from '../../shaders/alu_probe_forward.wgsl?raw';

export interface BenchOptions {
  /** Tokens per row (default 512). */
  maxLength?: number;
  /** Optimizer steps to time (default 1). */
  steps?: number;
  /** Decoder layers (default 30, as SmolLM2-135M). */
  layers?: number;
  /** Then time every op of a step alone, summed by kernel. */
  profile?: boolean;
}

function describe(ctx: GpuContext): string {
  const i = ctx.info;
  return [i.vendor, i.architecture, i.description].filter(Boolean).join(' / ') || 'unknown adapter';
}

export async function runBench(
  ctx: GpuContext,
  f: BenchOptions,
  say: (s: string) => void,
): Promise<void> {
  const T = f.maxLength ?? 512;
  const steps = Math.max(1, f.steps ?? 1);
  const targets = resolveTargets('all-linear');

  say('Planned device memory (LoRA r16 all-linear, bf16 weights, micro-batch 1, dropout 0.05):');
  for (const name of ['Qwen2.5-0.5B', 'Llama-3.2-1B']) {
    const plan = planMemory({
      config: parseModelConfig(kReferenceConfigs[name]),
      seqLen: 2048,
      rows: 1,
      r: 16,
      targets,
      weightDtype: 'bf16',
      dropout: true,
      training: true,
    });
    say(
      formatPlan(
        plan,
        `${name} @ 2048 tokens (${(plan.loraParams / 1e6).toFixed(2)}M LoRA params)`,
      ),
    );
  }

  say(`\nadapter: ${describe(ctx)}`);
  const peak = await aluPeak(ctx);
  say(`ALU probe: ${peak.toFixed(2)} GFLOP/s peak f32 FMA`);

  const config = parseModelConfig({
    ...kReferenceConfigs['SmolLM2-135M'],
    ...(f.layers ? { num_hidden_layers: f.layers } : {}),
  });
  say(
    `\nmodel: SmolLM2-135M shape (${config.layers} layers, C ${config.hidden}, vocab ${config.vocab}), ` +
      `random bf16 weights; LoRA r16 all-linear; rows of ${T} tokens; ${steps} steps`,
  );
  const t0 = performance.now();
  const model = randomModel(ctx, config);
  say(`weights on device in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const examples: TokenizedExample[] = Array.from({ length: steps }, (_, i) => {
    const ids = Array.from({ length: T }, (_, j) => (i * 7919 + j * 104729) % config.vocab);
    return {
      line: i + 1,
      inputIds: ids,
      labels: ids,
      roles: [],
      fullLength: T,
      truncatedTrainedTokens: 0,
    };
  });
  const events: { e: StepEvent; at: number }[] = [];
  const tc = performance.now();
  const trainer = await createTrainer(ctx, {
    model,
    train: examples,
    hyper: {
      lora: { r: 16, alpha: 32, dropout: 0.05 },
      maxLength: T,
      maxSteps: steps,
      warmupRatio: 0,
      seed: 1,
    },
    onEvent: (e) => {
      if (e.kind === 'step') {
        events.push({ e, at: performance.now() });
        say(
          `  step ${e.step}: loss ${e.loss?.toFixed(4)} (${((performance.now() - tc) / 1000).toFixed(1)} s since start)`,
        );
      }
    },
  });
  say(
    `engine built in ${((performance.now() - tc) / 1000).toFixed(1)} s (pipelines, buffers, bind groups)`,
  );
  const planned = trainer.plan;
  const kept = planned.input.keepActivations ?? false;
  say(
    kept
      ? 'activations: every layer kept (no recompute; costs under 1 GiB more than checkpointing)'
      : 'activations: checkpointed per layer, recomputed in the backward',
  );
  // Pipelines, buffers and bind groups are all built by now: every step is timed.
  const tr = performance.now();
  await trainer.run();
  const timed = events;
  const seconds = (events.at(-1)!.at - tr) / 1000;
  const tokens = timed.reduce((s, x) => s + x.e.realTokens, 0);
  const flops = trainer.flopsPerMicroBatch * timed.length;
  const achieved = flops / seconds / 1e9;
  say(`\ntraining step (${timed.length} timed): ${(seconds / timed.length).toFixed(2)} s/step`);
  say(`  tokens/s       ${(tokens / seconds).toFixed(1)}`);
  say(
    `  model FLOPs    ${(trainer.flopsPerMicroBatch / 1e9).toFixed(1)} GFLOP/step (forward + ${kept ? '' : 'recompute + '}backward)`,
  );
  say(`  achieved       ${achieved.toFixed(2)} GFLOP/s`);
  say(
    `  MFU            ${((100 * achieved) / peak).toFixed(1)}% of the ALU probe's ${peak.toFixed(2)} GFLOP/s`,
  );
  say(memoryTable(planned.byCategory, ctx.memory.snapshot()));
  trainer.destroy();
  if (f.profile) {
    const lora = { r: 16, alpha: 32, useRslora: false, targets };
    await profileStep(ctx, model, { seqLen: T, lora, dropout: 0.05, keepActivations: kept }, say);
  }
  model.destroy();
}

function memoryTable(planned: Record<string, number>, snap: MemorySnapshot): string {
  const mib = (b: number) => (b / 2 ** 20).toFixed(1).padStart(9);
  const lines = ['\ndevice memory (MiB)     planned      peak'];
  for (const c of kMemoryCategories)
    lines.push(`  ${c.padEnd(16)}${mib(planned[c] ?? 0)} ${mib(snap.peak[c])}`);
  const total = Object.values(planned).reduce((a, b) => a + b, 0);
  lines.push(`  ${'total'.padEnd(16)}${mib(total)} ${mib(snap.totalPeak)}`);
  return lines.join('\n');
}

/** Peak f32 FMA rate of the adapter, best of 3 (GFLOP/s, wall clock). */
async function aluPeak(ctx: GpuContext): Promise<number> {
  const groups = 512;
  const iters = 2048;
  const out = ctx.tensor(groups * 64 * 4, 'scratch', 'bench.alu');
  const op = await makeOp(ctx, {
    label: 'alu_probe',
    code: aluCode,
    bindings: [out],
    params: [
      ['u32', iters],
      ['f32', 0.5],
    ],
    workgroups: [groups, 1, 1],
  });
  const flops = 2 * 4 * 16 * iters * groups * 64;
  let best = 0;
  for (let i = 0; i < 4; i++) {
    const t0 = performance.now();
    ctx.run('alu', (pass) => op.record(pass));
    await ctx.device.queue.onSubmittedWorkDone();
    const s = (performance.now() - t0) / 1000;
    if (i > 0) best = Math.max(best, flops / s / 1e9);
  }
  op.destroy();
  ctx.release(out);
  return best;
}

/**
 * A model of `config`'s shape with random bf16 weights, straight onto the device. Values come from
 * one pool of 2^20 uniform bf16 numbers, read at a random offset per tensor (a bench measures
 * speed, not language; filling 135M values one by one takes minutes on a loaded machine).
 */
export function randomModel(ctx: GpuContext, config: ModelConfig): DeviceModel {
  const weights = new Map<string, Tensor>();
  let seed = 12345;
  const rand = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 4294967296 - 0.5;
  };
  const kPool = 1 << 20;
  const pool = new Float32Array(kPool).map(() => rand() * 3.46); // unit variance
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  const bf16 = (x: number) => {
    f[0] = x;
    return u[0] >>> 16;
  };
  for (const p of modelParams(config)) {
    const n = p.shape.reduce((a, b) => a * b, 1);
    if (isMatrixWeight(p.name)) {
      const embed = p.name.includes('embed') || p.name.includes('lm_head');
      const std = embed ? 0.02 : 1 / Math.sqrt(p.shape[1]);
      // A bf16 pattern of the pool, scaled, repeated over the tensor.
      const period = Math.min(kPool, Math.ceil(n / 2) * 2);
      const pattern = new Uint32Array(period / 2);
      const off = Math.floor(Math.abs(rand()) * 2 * kPool);
      for (let i = 0; i < period / 2; i++) {
        const a = pool[(off + 2 * i) % kPool] * std;
        const b = pool[(off + 2 * i + 1) % kPool] * std;
        pattern[i] = bf16(a) | (bf16(b) << 16);
      }
      const words = new Uint32Array(Math.ceil(n / 2));
      for (let i = 0; i < words.length; i += pattern.length) {
        words.set(pattern.subarray(0, Math.min(pattern.length, words.length - i)), i);
      }
      const t = ctx.tensorFrom(words, 'weights', p.name);
      weights.set(p.name, { ...t, dtype: 'bf16', shape: p.shape });
    } else {
      const v = new Float32Array(n).map(() => (p.name.endsWith('.bias') ? rand() * 0.1 : 1));
      weights.set(p.name, {
        ...ctx.tensorFrom(v, 'weights', p.name),
        dtype: 'f32',
        shape: p.shape,
      });
    }
  }
  return {
    config,
    name: 'random SmolLM2-135M-shaped',
    weightDtype: 'bf16',
    weights,
    lmHead: weights.get(config.tieEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight')!,
    destroy() {
      for (const t of weights.values()) ctx.release(t);
    },
  };
}
