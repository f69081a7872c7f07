// LoRA init as PEFT and the adapter's PEFT layout and bit-exact round trip.
import { describe, expect, it } from 'vitest';
import { initLora, loraScaling, resolveTargets, type LoraDims } from '../../src/model/lora.ts';
import { adapterConfig, exportAdapter, loadAdapter } from '../../src/train/adapter.ts';

const dims: LoraDims = {
  layers: 2,
  hidden: 64,
  intermediate: 96,
  heads: 4,
  kvHeads: 2,
  headDim: 16,
};

describe('lora', () => {
  it('A is kaiming-uniform(a=sqrt 5) = U(±1/sqrt(in)), B is zero, seeded', () => {
    const w = initLora(
      dims,
      { r: 8, alpha: 16, useRslora: false, targets: resolveTargets('all-linear') },
      1,
    );
    const down = w.layers[0].down_proj!;
    expect([down.inF, down.outF]).toEqual([96, 64]);
    const bound = 1 / Math.sqrt(96);
    expect(Math.max(...down.a.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...down.a.map(Math.abs))).toBeGreaterThan(bound * 0.95);
    expect(down.b.every((x) => x === 0)).toBe(true);
    const again = initLora(dims, w.spec, 1);
    expect(again.layers[1].q_proj!.a).toEqual(w.layers[1].q_proj!.a);
    expect(w.layers[0].k_proj!.outF).toBe(32);
  });

  it('scaling is alpha/r, or alpha/sqrt(r) with rsLoRA', () => {
    expect(loraScaling({ r: 16, alpha: 32, useRslora: false })).toBe(2);
    expect(loraScaling({ r: 16, alpha: 32, useRslora: true })).toBe(8);
  });

  it('targets: all-linear, a list, never lm_head', () => {
    expect(resolveTargets('all-linear')).toEqual([
      'q_proj',
      'k_proj',
      'v_proj',
      'o_proj',
      'gate_proj',
      'up_proj',
      'down_proj',
    ]);
    expect(resolveTargets(['v_proj', 'self_attn.q_proj'])).toEqual(['q_proj', 'v_proj']);
    expect(() => resolveTargets(['lm_head'])).toThrow(/lm_head/);
  });

  it('exports PEFT keys, shapes and config; loads back bit-exactly', () => {
    const spec = {
      r: 4,
      alpha: 8,
      useRslora: false,
      targets: resolveTargets(['q_proj', 'down_proj']),
    };
    const w = initLora(dims, spec, 5);
    w.layers[1].q_proj!.b.forEach((_, i, b) => (b[i] = Math.sin(i) * 1e-3));
    const files = exportAdapter(w, { baseModel: 'HuggingFaceTB/SmolLM2-135M', dropout: 0.05 });
    const bytes = files['adapter_model.safetensors'];
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<
      string,
      { dtype: string; shape: number[] }
    >;
    expect(header['base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight']).toMatchObject({
      dtype: 'F32',
      shape: [4, 64],
    });
    expect(header['base_model.model.model.layers.0.mlp.down_proj.lora_B.weight'].shape).toEqual([
      64, 4,
    ]);
    expect(Object.keys(header).filter((k) => k !== '__metadata__').length).toBe(2 * 2 * 2);
    const cfg = JSON.parse(files['adapter_config.json']) as Record<string, unknown>;
    expect(cfg).toMatchObject({
      peft_type: 'LORA',
      task_type: 'CAUSAL_LM',
      base_model_name_or_path: 'HuggingFaceTB/SmolLM2-135M',
      r: 4,
      lora_alpha: 8,
      lora_dropout: 0.05,
      target_modules: ['q_proj', 'down_proj'],
      bias: 'none',
      fan_in_fan_out: false,
      use_rslora: false,
      init_lora_weights: true,
      inference_mode: true,
      modules_to_save: null,
      layers_to_transform: null,
      revision: null,
    });
    expect(Object.keys(adapterConfig(spec, { baseModel: null, dropout: 0 }))).toEqual(
      Object.keys(cfg),
    );
    const back = loadAdapter(dims, {
      safetensors: bytes,
      config: files['adapter_config.json'],
    });
    expect(back.weights.spec).toEqual(spec);
    for (let l = 0; l < 2; l++) {
      for (const m of spec.targets) {
        const a = w.layers[l][m]!;
        const b = back.weights.layers[l][m]!;
        expect(new Uint32Array(b.a.buffer, b.a.byteOffset, b.a.length)).toEqual(
          new Uint32Array(a.a.buffer, a.a.byteOffset, a.a.length),
        );
        expect(new Uint32Array(b.b.buffer, b.b.byteOffset, b.b.length)).toEqual(
          new Uint32Array(a.b.buffer, a.b.byteOffset, a.b.length),
        );
      }
    }
  });
});
