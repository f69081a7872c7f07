// Shared setup for the engine tests: the test device as a GpuContext, tiny models loaded onto it,
// LoRA weights with non-zero B (so LoRA matters), and the batch ↔ torch-reference plumbing.
import { GpuContext } from '../../src/gpu/context.ts';
import { folderSource } from '../../src/cli/model-source.ts';
import { loadDeviceModel, type DeviceModel } from '../../src/model/layers/load.ts';
import { initLora, resolveTargets, type LoraSpec, type LoraWeights } from '../../src/model/lora.ts';
import type { Engine } from '../../src/model/forward.ts';
import { adapterTensors } from '../../src/train/adapter.ts';
import type { PackedBatch } from '../../src/train/packing.ts';
import {
  makeTinyModel,
  tinyConfigJson,
  type TinyFamily,
  type TinyModelOptions,
} from '../fixtures/tiny-models.ts';
import { parseModelConfig } from '../../src/model/config.ts';
import { modelParams } from '../../src/model/params.ts';
import { serializeSafetensors } from '../../src/model/safetensors.ts';
import { bytesSource } from '../../src/model/source.ts';
import { testDevice } from '../helpers/device.ts';
import { randn } from '../helpers/random.ts';
import type { TorchBatch } from '../reference/torch.ts';

let ctxPromise: Promise<GpuContext | null> | null = null;

export function testContext(): Promise<GpuContext | null> {
  ctxPromise ??= testDevice().then((d) => (d ? new GpuContext(d.device, d.info) : null));
  return ctxPromise;
}

export async function tinyModel(
  ctx: GpuContext,
  family: TinyFamily,
  opts: TinyModelOptions = {},
): Promise<{ dir: string; model: DeviceModel }> {
  const dir = await makeTinyModel(family, opts);
  return { dir, model: await loadDeviceModel(ctx, folderSource(dir)) };
}

/** PEFT-initialised LoRA with B ~ N(0, std) so the adapter changes the output. */
export function randomLora(
  model: DeviceModel,
  spec: Partial<LoraSpec> = {},
  seed = 3,
): LoraWeights {
  const full: LoraSpec = {
    r: 4,
    alpha: 8,
    useRslora: false,
    targets: resolveTargets('all-linear'),
    ...spec,
  };
  const w = initLora(model.config, full, seed);
  let k = 100;
  for (const layer of w.layers) {
    for (const m of full.targets) layer[m]!.b.set(randn(layer[m]!.b.length, seed + k++, 0.05));
  }
  return w;
}

export function writeLora(ctx: GpuContext, e: Engine, w: LoraWeights): void {
  w.layers.forEach((layer, l) => {
    for (const m of w.spec.targets) {
      ctx.write(e.sites[l][m]!.A, layer[m]!.a);
      ctx.write(e.sites[l][m]!.B, layer[m]!.b);
    }
  });
}

/** The same batch for torch_ref.py: unshifted labels rebuilt from the shifted targets. */
export function torchBatch(b: PackedBatch, lora: LoraWeights | null): TorchBatch {
  const rows = (a: Int32Array) =>
    Array.from({ length: b.rows }, (_, r) =>
      Array.from(a.subarray(r * b.seqLen, (r + 1) * b.seqLen)),
    );
  const ids = rows(b.inputIds);
  const targets = rows(b.targets);
  // labels[t] = targets[t-1] within a segment; -100 at each segment start.
  const seg = rows(b.segments);
  const labels = targets.map((row, r) =>
    row.map((_, t) => (t > 0 && seg[r][t] === seg[r][t - 1] ? row[t - 1] : -100)),
  );
  const batch: TorchBatch = {
    input_ids: ids,
    labels,
    position_ids: rows(b.positions),
    segment_ids: seg,
  };
  if (lora) {
    const tensors: Record<string, { shape: number[]; data: number[] }> = {};
    for (const [k, t] of adapterTensors(lora))
      tensors[k] = { shape: t.shape, data: Array.from(t.data) };
    batch.lora_init = {
      config: {
        r: lora.spec.r,
        lora_alpha: lora.spec.alpha,
        use_rslora: lora.spec.useRslora,
        target_modules: [...lora.spec.targets],
      },
      tensors,
    };
  }
  return batch;
}

export function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(1e-12, Math.abs(b));
}

/**
 * A tiny model of `family` with a small vocabulary, in memory (no tokenizer needed): for trainer
 * tests, where a 128k-vocabulary lm_head would dominate every step on a software GPU.
 */
export async function smallVocabModel(
  ctx: GpuContext,
  family: TinyFamily,
  vocab = 512,
  headStd = 0.2,
): Promise<{ model: DeviceModel; files: Record<string, Uint8Array> }> {
  const configJson = {
    ...tinyConfigJson(family),
    vocab_size: vocab,
    bos_token_id: 1,
    eos_token_id: 2,
  };
  const cfg = parseModelConfig(configJson);
  const tensors = modelParams(cfg).map((p, i) => {
    const n = p.shape.reduce((a, b) => a * b, 1);
    let values: Float32Array;
    if (p.name.endsWith('norm.weight')) values = randn(n, 100 + i, 0.1).map((x) => 1 + x);
    else if (p.name.endsWith('.bias')) values = randn(n, 100 + i, 0.1);
    else if (p.name === 'model.embed_tokens.weight' || p.name === 'lm_head.weight') {
      values = randn(n, 100 + i, headStd);
    } else values = randn(n, 100 + i, 1 / Math.sqrt(p.shape[1]));
    return { name: p.name, dtype: 'F32' as const, shape: p.shape, data: values };
  });
  const files = {
    'config.json': new TextEncoder().encode(JSON.stringify(configJson)),
    'model.safetensors': serializeSafetensors(tensors),
  };
  const model = await loadDeviceModel(ctx, bytesSource(`small-${family}`, files));
  return { model, files };
}
