// config.json parsing for every supported family (the tiny fixtures and the real configs of the
// models the studio targets), the unsupported-architecture error, llama3 RoPE frequencies, and
// the weight list params.ts derives.
import { describe, expect, it } from 'vitest';
import {
  ModelConfigError,
  parseModelConfig,
  ropeInvFreq,
  UnsupportedArchitectureError,
} from '../../src/model/config.ts';
import { countParams, modelParams } from '../../src/model/params.ts';
import { kTinyFamilies, tinyConfigJson } from '../fixtures/tiny-models.ts';

// Real config.json files (trimmed of fields the parser ignores).
const llama32_1b = {
  architectures: ['LlamaForCausalLM'],
  bos_token_id: 128000,
  eos_token_id: [128001, 128008, 128009],
  head_dim: 64,
  hidden_act: 'silu',
  hidden_size: 2048,
  intermediate_size: 8192,
  max_position_embeddings: 131072,
  mlp_bias: false,
  model_type: 'llama',
  num_attention_heads: 32,
  num_hidden_layers: 16,
  num_key_value_heads: 8,
  rms_norm_eps: 1e-5,
  rope_scaling: {
    factor: 32.0,
    high_freq_factor: 4.0,
    low_freq_factor: 1.0,
    original_max_position_embeddings: 8192,
    rope_type: 'llama3',
  },
  rope_theta: 500000.0,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  vocab_size: 128256,
};
const smollm2_135m = {
  architectures: ['LlamaForCausalLM'],
  bos_token_id: 0,
  eos_token_id: 0,
  hidden_act: 'silu',
  hidden_size: 576,
  intermediate_size: 1536,
  max_position_embeddings: 8192,
  model_type: 'llama',
  num_attention_heads: 9,
  num_hidden_layers: 30,
  num_key_value_heads: 3,
  rms_norm_eps: 1e-5,
  rope_scaling: null,
  rope_theta: 100000,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  vocab_size: 49152,
};
const tinyllama = {
  architectures: ['LlamaForCausalLM'],
  bos_token_id: 1,
  eos_token_id: 2,
  hidden_act: 'silu',
  hidden_size: 2048,
  intermediate_size: 5632,
  max_position_embeddings: 2048,
  model_type: 'llama',
  num_attention_heads: 32,
  num_hidden_layers: 22,
  num_key_value_heads: 4,
  rms_norm_eps: 1e-5,
  rope_scaling: null,
  tie_word_embeddings: false,
  torch_dtype: 'bfloat16',
  vocab_size: 32000,
};
const mistral7b = {
  architectures: ['MistralForCausalLM'],
  bos_token_id: 1,
  eos_token_id: 2,
  hidden_act: 'silu',
  hidden_size: 4096,
  intermediate_size: 14336,
  max_position_embeddings: 32768,
  model_type: 'mistral',
  num_attention_heads: 32,
  num_hidden_layers: 32,
  num_key_value_heads: 8,
  rms_norm_eps: 1e-5,
  rope_theta: 10000.0,
  sliding_window: 4096,
  tie_word_embeddings: false,
  torch_dtype: 'bfloat16',
  vocab_size: 32000,
};
const qwen25_05b = {
  architectures: ['Qwen2ForCausalLM'],
  bos_token_id: 151643,
  eos_token_id: 151645,
  hidden_act: 'silu',
  hidden_size: 896,
  intermediate_size: 4864,
  max_position_embeddings: 32768,
  max_window_layers: 21,
  model_type: 'qwen2',
  num_attention_heads: 14,
  num_hidden_layers: 24,
  num_key_value_heads: 2,
  rms_norm_eps: 1e-6,
  rope_theta: 1000000.0,
  sliding_window: 32768,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  use_sliding_window: false,
  vocab_size: 151936,
};
const qwen3_06b = {
  architectures: ['Qwen3ForCausalLM'],
  attention_bias: false,
  bos_token_id: 151643,
  eos_token_id: 151645,
  head_dim: 128,
  hidden_act: 'silu',
  hidden_size: 1024,
  intermediate_size: 3072,
  max_position_embeddings: 40960,
  model_type: 'qwen3',
  num_attention_heads: 16,
  num_hidden_layers: 28,
  num_key_value_heads: 8,
  rms_norm_eps: 1e-6,
  rope_scaling: null,
  rope_theta: 1000000,
  sliding_window: null,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  use_sliding_window: false,
  vocab_size: 151936,
};

describe('parseModelConfig', () => {
  it('Llama 3.2 1B: llama3 rope scaling, tied, several eos ids', () => {
    const c = parseModelConfig(llama32_1b);
    expect(c).toMatchObject({
      family: 'llama',
      architecture: 'LlamaForCausalLM',
      hidden: 2048,
      intermediate: 8192,
      layers: 16,
      heads: 32,
      kvHeads: 8,
      headDim: 64,
      vocab: 128256,
      rmsEps: 1e-5,
      ropeTheta: 500000,
      ropeScaling: {
        type: 'llama3',
        factor: 32,
        lowFreqFactor: 1,
        highFreqFactor: 4,
        originalMaxPositions: 8192,
      },
      tieEmbeddings: true,
      qkvBias: false,
      oBias: false,
      qkNorm: false,
      slidingWindow: null,
      maxPositions: 131072,
      torchDtype: 'bfloat16',
      bosTokenId: 128000,
      eosTokenIds: [128001, 128008, 128009],
    });
    expect(countParams(c)).toBe(1_235_814_400); // the published 1.24B
  });

  it('SmolLM2 and TinyLlama: defaults filled in as transformers does', () => {
    const s = parseModelConfig(smollm2_135m);
    expect(s).toMatchObject({
      headDim: 64,
      kvHeads: 3,
      tieEmbeddings: true,
      ropeTheta: 100000,
      ropeScaling: null,
    });
    expect(countParams(s)).toBe(134_515_008);
    const t = parseModelConfig(tinyllama);
    expect(t).toMatchObject({
      ropeTheta: 10000,
      tieEmbeddings: false,
      headDim: 64,
      bosTokenId: 1,
      eosTokenIds: [2],
    });
    expect(modelParams(t).at(-1)).toEqual({
      name: 'lm_head.weight',
      shape: [32000, 2048],
      layer: -1,
    });
  });

  it('Mistral keeps its sliding window; Qwen2 ignores it unless use_sliding_window', () => {
    expect(parseModelConfig(mistral7b)).toMatchObject({
      family: 'mistral',
      slidingWindow: 4096,
      kvHeads: 8,
    });
    const q = parseModelConfig(qwen25_05b);
    expect(q).toMatchObject({
      family: 'qwen2',
      slidingWindow: null,
      qkvBias: true,
      oBias: false,
      headDim: 64,
      tieEmbeddings: true,
    });
    expect(countParams(q)).toBe(494_032_768);
    const names = modelParams(q).map((p) => p.name);
    expect(names).toContain('model.layers.0.self_attn.q_proj.bias');
    expect(names).not.toContain('model.layers.0.self_attn.o_proj.bias');
  });

  it('Qwen3: head_dim from config, q_norm/k_norm per head', () => {
    const c = parseModelConfig(qwen3_06b);
    expect(c).toMatchObject({
      family: 'qwen3',
      headDim: 128,
      qkNorm: true,
      qkvBias: false,
      oBias: false,
    });
    const p = new Map(modelParams(c).map((x) => [x.name, x.shape]));
    expect(p.get('model.layers.0.self_attn.q_proj.weight')).toEqual([2048, 1024]);
    expect(p.get('model.layers.0.self_attn.o_proj.weight')).toEqual([1024, 2048]);
    expect(p.get('model.layers.27.self_attn.k_norm.weight')).toEqual([128]);
    expect(countParams(c)).toBe(596_049_920);
    const biased = parseModelConfig({ ...qwen3_06b, attention_bias: true });
    expect(biased).toMatchObject({ qkvBias: true, oBias: true });
  });

  it('every tiny fixture family parses, with the expected distinctive fields', () => {
    const got = Object.fromEntries(
      kTinyFamilies.map((f) => [f, parseModelConfig(tinyConfigJson(f))]),
    );
    expect(got.llama).toMatchObject({
      family: 'llama',
      tieEmbeddings: false,
      vocab: 128256,
      headDim: 16,
      kvHeads: 2,
    });
    expect(got['llama-tied'].tieEmbeddings).toBe(true);
    expect(got['llama3-rope'].ropeScaling?.type).toBe('llama3');
    expect(got.mistral).toMatchObject({ family: 'mistral', vocab: 32000 });
    expect(got.qwen2).toMatchObject({ family: 'qwen2', qkvBias: true, vocab: 151936 });
    expect(got.qwen3).toMatchObject({
      family: 'qwen3',
      qkNorm: true,
      headDim: 32,
      hidden: 64,
      heads: 4,
    });
    expect(parseModelConfig(tinyConfigJson('llama', { dtype: 'bf16' })).torchDtype).toBe(
      'bfloat16',
    );
  });

  it('falls back to model_type without architectures; reads transformers v5 rope_parameters', () => {
    const { architectures: _a, ...noArch } = tinyllama;
    expect(parseModelConfig(noArch).family).toBe('llama');
    const { rope_theta: _t, rope_scaling: _s, ...rest } = llama32_1b;
    const v5 = {
      ...rest,
      dtype: 'bfloat16',
      rope_parameters: { ...llama32_1b.rope_scaling, rope_theta: 500000 },
    };
    expect(parseModelConfig(v5)).toMatchObject({
      ropeTheta: 500000,
      ropeScaling: { type: 'llama3', factor: 32 },
    });
  });

  it('unsupported architectures name themselves and list what is supported', () => {
    for (const arch of [
      'GPT2LMHeadModel',
      'GemmaForCausalLM',
      'Phi3ForCausalLM',
      'LlamaForSequenceClassification',
    ]) {
      const run = () => parseModelConfig({ ...tinyllama, architectures: [arch] });
      expect(run).toThrow(UnsupportedArchitectureError);
      expect(run).toThrow(
        new RegExp(
          `"${arch}".*LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM`,
        ),
      );
    }
    const { architectures: _a, ...noArch } = tinyllama;
    expect(() => parseModelConfig({ ...noArch, model_type: 'gpt_neox' })).toThrow(/"gpt_neox"/);
  });

  it('malformed or unsupported options give ModelConfigError naming the file and field', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ hidden_size: 0 }, /"hidden_size" must be a positive integer/],
      [{ num_key_value_heads: 5 }, /multiple of num_key_value_heads/],
      [{ hidden_act: 'gelu' }, /hidden_act "gelu"/],
      [{ torch_dtype: 'int8' }, /torch_dtype "int8"/],
      [
        { rope_scaling: { rope_type: 'yarn', factor: 4 } },
        /rope_scaling type "yarn" is not supported/,
      ],
      [{ rope_scaling: { rope_type: 'llama3', factor: 8 } }, /needs a positive "low_freq_factor"/],
      [{ eos_token_id: 'x' }, /"eos_token_id"/],
    ];
    for (const [patch, re] of bad) {
      const run = () => parseModelConfig({ ...tinyllama, ...patch }, 'org/m/config.json');
      expect(run).toThrow(ModelConfigError);
      expect(run).toThrow(re);
      expect(run).toThrow(/^org\/m\/config\.json: /);
    }
    expect(() => parseModelConfig('{not json', 'x/config.json')).toThrow(
      /x\/config\.json: not valid JSON/,
    );
    expect(() => parseModelConfig('[]')).toThrow(/expected a JSON object/);
  });
});

describe('ropeInvFreq', () => {
  it('is 1/theta^(2i/HS) without scaling', () => {
    const f = ropeInvFreq({ headDim: 8, ropeTheta: 10000, ropeScaling: null });
    expect([...f]).toEqual([1, 10000 ** -0.25, 10000 ** -0.5, 10000 ** -0.75]);
  });

  it('applies llama3 scaling: high frequencies kept, low divided by factor, the middle smoothed', () => {
    const c = parseModelConfig(llama32_1b);
    const f = ropeInvFreq(c);
    const raw = ropeInvFreq({ ...c, ropeScaling: null });
    expect(f).toHaveLength(32);
    const kept: number[] = [];
    const divided: number[] = [];
    const smoothed: number[] = [];
    for (let i = 0; i < 32; i++) {
      const wavelen = (2 * Math.PI) / raw[i];
      if (wavelen < 8192 / 4) {
        expect(f[i]).toBe(raw[i]);
        kept.push(i);
      } else if (wavelen > 8192) {
        expect(f[i]).toBeCloseTo(raw[i] / 32, 15);
        divided.push(i);
      } else {
        const smooth = (8192 / wavelen - 1) / (4 - 1);
        expect(f[i]).toBeCloseTo(((1 - smooth) * raw[i]) / 32 + smooth * raw[i], 15);
        expect(f[i]).toBeLessThan(raw[i]);
        expect(f[i]).toBeGreaterThan(raw[i] / 32);
        smoothed.push(i);
      }
    }
    expect(kept.length && divided.length && smoothed.length).toBeTruthy();
    expect(f[0]).toBe(1);
  });
});
