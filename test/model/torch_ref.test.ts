// Sanity checks of the float64 PyTorch reference itself (test/reference/torch_ref.py) on the tiny
// fixture models, before the engine is compared against it: random init gives a loss near ln(V);
// LoRA with B = 0 leaves the loss unchanged and gives A no gradient; alpha scales as PEFT says
// (rsLoRA included); a packed row equals its examples run one by one; RoPE depends only on
// relative positions; a sharded checkpoint gives the same numbers as a single file.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseModelConfig, ropeInvFreq } from '../../src/model/config.ts';
import { linearShape, kLinearModules } from '../../src/model/params.ts';
import { makeTinyModel, tinyConfigJson, type TinyFamily } from '../fixtures/tiny-models.ts';
import { randn } from '../helpers/random.ts';
import {
  requireTorch,
  runTorchReference,
  runTorchReferenceMany,
  loraInit,
  writeTestAdapter,
  type PeftLoraConfig,
} from '../reference/torch.ts';

const hasTorch = requireTorch('test/model/torch_ref.test.ts');
const tmp: string[] = [];
afterAll(async () => {
  for (const d of tmp) await rm(d, { recursive: true, force: true });
});

type AdapterOpts = { r: number; alpha: number; rslora?: boolean; bZero?: boolean; bScale?: number };

/** A PEFT adapter on every linear of every layer: A random, B random or zero. */
function adapterTensors(family: TinyFamily, opts: AdapterOpts) {
  const cfg = parseModelConfig(tinyConfigJson(family));
  const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
  let seed = 11;
  for (let l = 0; l < cfg.layers; l++) {
    for (const { name, module } of kLinearModules) {
      const [out, inp] = linearShape(cfg, name);
      const key = `base_model.model.model.layers.${l}.${module}.${name}`;
      tensors[`${key}.lora_A.weight`] = {
        shape: [opts.r, inp],
        data: randn(opts.r * inp, seed++, 1 / Math.sqrt(inp)),
      };
      const b = opts.bZero
        ? new Float32Array(out * opts.r)
        : randn(out * opts.r, seed++, 0.1 * (opts.bScale ?? 1));
      tensors[`${key}.lora_B.weight`] = { shape: [out, opts.r], data: b };
    }
  }
  const config: PeftLoraConfig = {
    r: opts.r,
    lora_alpha: opts.alpha,
    use_rslora: opts.rslora ?? false,
    target_modules: kLinearModules.map((m) => m.name),
  };
  return { config, tensors };
}

/** The same, written as an adapter dir. */
async function adapter(family: TinyFamily, opts: AdapterOpts): Promise<string> {
  const { config, tensors } = adapterTensors(family, opts);
  const dir = await mkdtemp(join(tmpdir(), 'sft-lora-'));
  tmp.push(dir);
  return writeTestAdapter(dir, config, tensors);
}

/** The same, inline in the batch. */
function inline(family: TinyFamily, opts: AdapterOpts) {
  const { config, tensors } = adapterTensors(family, opts);
  return loraInit(config, tensors);
}

const ids = [128000, 9906, 1917, 11, 420, 374, 264, 1296, 13, 578, 4062, 14198];

describe.skipIf(!hasTorch)('torch reference (float64)', () => {
  it('random init gives a loss near ln(V) for every family', async () => {
    for (const family of ['llama', 'qwen3', 'mistral'] as const) {
      const dir = await makeTinyModel(family);
      const V = parseModelConfig(tinyConfigJson(family)).vocab;
      const r = await runTorchReference(dir, null, { input_ids: [ids.map((t) => t % 30000)] });
      expect(r.tokens).toBe(ids.length - 1);
      expect(Math.abs(r.loss - Math.log(V)), family).toBeLessThan(0.1);
      expect(r.loss_sum / r.tokens).toBeCloseTo(r.loss, 12);
      expect(r.grads).toEqual({});
    }
  });

  it('B = 0: the loss equals the base loss, A gets zero gradient, B does not', async () => {
    const dir = await makeTinyModel('llama');
    const lora = await adapter('llama', { r: 4, alpha: 8, bZero: true });
    const batch = { input_ids: [ids], labels: [ids.map((t, i) => (i < 4 ? -100 : t))] };
    const base = await runTorchReference(dir, null, batch);
    const r = await runTorchReference(dir, lora, batch);
    expect(r.tokens).toBe(ids.length - 4);
    expect(r.loss).toBeCloseTo(base.loss, 12);
    const keys = Object.keys(r.grads);
    expect(keys).toHaveLength(2 * 7 * 2);
    for (const k of keys) {
      const norm = Math.hypot(...r.grads[k].data);
      if (k.includes('lora_A')) expect(norm, k).toBe(0);
      else expect(norm, k).toBeGreaterThan(1e-8);
    }
    expect(r.grads['base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight'].shape).toEqual(
      [4, 64],
    );
    expect(r.grads['base_model.model.model.layers.1.mlp.down_proj.lora_B.weight'].shape).toEqual([
      64, 4,
    ]);
  });

  it('alpha scales the update as PEFT does (alpha/r, alpha/sqrt(r) with rsLoRA)', async () => {
    const dir = await makeTinyModel('qwen2');
    const input_ids = [ids];
    const [a, b, c, base] = await runTorchReferenceMany(dir, null, [
      { input_ids, lora_init: inline('qwen2', { r: 4, alpha: 8 }) }, // s = 2
      { input_ids, lora_init: inline('qwen2', { r: 4, alpha: 4, bScale: 2 }) }, // s = 1, B x2
      { input_ids, lora_init: inline('qwen2', { r: 4, alpha: 4, rslora: true }) }, // s = 4/sqrt(4) = 2
      { input_ids },
    ]);
    expect(b.loss).toBeCloseTo(a.loss, 10);
    expect(c.loss).toBeCloseTo(a.loss, 10);
    expect(Math.abs(a.loss - base.loss)).toBeGreaterThan(1e-4);
    const k = 'base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight';
    expect(Math.hypot(...a.grads[k].data)).toBeGreaterThan(0);
  });

  it('its gradients match central differences of its own loss (keys and layout as returned)', async () => {
    const dir = await makeTinyModel('qwen3');
    const base = adapterTensors('qwen3', { r: 2, alpha: 4 });
    const probes = [
      ['base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight', 37],
      ['base_model.model.model.layers.1.mlp.down_proj.lora_B.weight', 101],
      ['base_model.model.model.layers.1.self_attn.k_proj.lora_B.weight', 7],
    ] as const;
    const eps = 1e-4;
    const batches = [{ input_ids: [ids], lora_init: loraInit(base.config, base.tensors) }];
    for (const [key, i] of probes) {
      for (const sign of [1, -1]) {
        const t = {
          ...base.tensors,
          [key]: { ...base.tensors[key], data: base.tensors[key].data.slice() },
        };
        t[key].data[i] += sign * eps;
        batches.push({ input_ids: [ids], lora_init: loraInit(base.config, t) });
      }
    }
    const [r, ...fd] = await runTorchReferenceMany(dir, null, batches);
    probes.forEach(([key, i], p) => {
      // The perturbation is rounded to f32 in the tensors; use the step actually taken.
      const x = base.tensors[key].data[i];
      const step = Math.fround(x + eps) - Math.fround(x - eps);
      const numeric = (fd[2 * p].loss - fd[2 * p + 1].loss) / step;
      expect(r.grads[key].data[i], key).toBeCloseTo(numeric, 6);
      expect(Math.abs(numeric)).toBeGreaterThan(1e-6);
    });
  });

  it('a packed row equals its examples run separately (block-diagonal causal attention)', async () => {
    const dir = await makeTinyModel('qwen3');
    const lora = await adapter('qwen3', { r: 2, alpha: 4 });
    const x = ids.slice(0, 7);
    const y = ids.slice(3, 12);
    const packed = [...x, ...y];
    const labels = packed.map((t, i) => (i === x.length ? -100 : t)); // no loss across the seam
    const pos = [...x.map((_, i) => i), ...y.map((_, i) => i)];
    const [p, sx, sy, s, joined] = await runTorchReferenceMany(dir, lora, [
      { input_ids: [packed], labels: [labels], position_ids: [pos], return_token_losses: true },
      { input_ids: [x] },
      { input_ids: [y] },
      // Segment ids given explicitly mean the same thing.
      {
        input_ids: [packed],
        labels: [labels],
        position_ids: [pos],
        segment_ids: [pos.map((_, i) => (i < x.length ? 0 : 1))],
      },
      // Without the position reset the two examples do attend to each other.
      { input_ids: [packed], labels: [labels] },
    ]);
    expect(p.tokens).toBe(sx.tokens + sy.tokens);
    expect(p.loss_sum).toBeCloseTo(sx.loss_sum + sy.loss_sum, 9);
    const seam = p.token_losses![0];
    expect(seam[x.length - 1]).toBe(0);
    expect(s.loss).toBeCloseTo(p.loss, 12);
    // Gradients add up too: d(sum)/dθ of the packed row = sum of the separate ones.
    const k = 'base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight';
    const g = p.grads[k].data.map((v) => v * p.tokens);
    const gs = sx.grads[k].data.map((v, i) => v * sx.tokens + sy.grads[k].data[i] * sy.tokens);
    for (let i = 0; i < g.length; i++) expect(g[i]).toBeCloseTo(gs[i], 9);
    expect(Math.abs(joined.loss - p.loss)).toBeGreaterThan(1e-6);
  });

  it('RoPE is relative: shifting every position leaves the loss unchanged (llama3 scaling, bf16)', async () => {
    const dir = await makeTinyModel('llama3-rope', { dtype: 'bf16' });
    const [a, b] = await runTorchReferenceMany(dir, null, [
      { input_ids: [ids], return_hidden: true, return_rope: true },
      { input_ids: [ids], position_ids: [ids.map((_, i) => i + 1000)] },
    ]);
    expect(b.loss).toBeCloseTo(a.loss, 9);
    expect(a.hidden_states).toHaveLength(3);
    expect(a.hidden_states![0][0]).toHaveLength(ids.length);
    expect(a.hidden_states![0][0][0]).toHaveLength(64);
    // The reference and config.ts (which the engine uses) agree on the llama3-scaled frequencies.
    const cfg = parseModelConfig(tinyConfigJson('llama3-rope'));
    const ours = ropeInvFreq(cfg);
    const raw = ropeInvFreq({ ...cfg, ropeScaling: null });
    expect(a.rope_inv_freq).toHaveLength(8);
    a.rope_inv_freq!.forEach((f, i) => expect(f).toBeCloseTo(ours[i], 15));
    expect(ours.filter((f, i) => f !== raw[i]).length).toBeGreaterThanOrEqual(3); // scaling bites
  });

  it('a sharded checkpoint gives the same loss as the single file; num_items rescales', async () => {
    const single = await makeTinyModel('mistral');
    const sharded = await makeTinyModel('mistral', { sharded: true });
    const batch = {
      input_ids: [
        ids.map((t) => t % 32000),
        ids
          .slice(2)
          .concat([5, 6])
          .map((t) => t % 32000),
      ],
    };
    const a = await runTorchReference(single, null, batch);
    const b = await runTorchReference(sharded, null, { ...batch, num_items: 44 });
    expect(a.tokens).toBe(22);
    expect(b.loss_sum).toBeCloseTo(a.loss_sum, 10);
    expect(b.loss).toBeCloseTo(a.loss_sum / 44, 10);
  });
});
