// GGUF files read back with our own reader (no llama.cpp): every tensor round-trips (F32 exactly,
// F16/BF16 as their rounding of the merged f32 weights, Q8_0 within half a quantization step of
// its block), q/k rows are permuted for the `llama` architecture only, Llama 3's rope_freqs equal
// HF's inverse frequencies, and the metadata says what llama.cpp needs (architecture, shapes,
// tokenizer, special ids, chat template). The LoRA GGUF's alpha gives PEFT's scale, rsLoRA included.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { folderSource } from '../../src/cli/model-source.ts';
import { ggufLoraAlpha, loraGguf } from '../../src/export/gguf/lora.ts';
import { modelGguf } from '../../src/export/gguf/model.ts';
import { readGguf, tensorValues } from '../../src/export/gguf/reader.ts';
import { ggufName, permuteHeads, permuteRows, ropeFreqs } from '../../src/export/gguf/tensors.ts';
import { preTokenizerName } from '../../src/export/gguf/tokenizer.ts';
import { foldedWeights } from '../../src/export/merge.ts';
import { modelfile } from '../../src/export/modelfile.ts';
import { parseModelConfig, ropeInvFreq } from '../../src/model/config.ts';
import { fromFloat32, toFloat32 } from '../../src/model/safetensors.ts';
import { kTinyFamilies, makeTinyModel, tinyConfigJson } from '../fixtures/tiny-models.ts';
import { randomAdapter, removeTempDirs } from './helpers.ts';

afterAll(removeTempDirs);

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Elements that differ (bitwise-equal values expected). */
function mismatches(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.max(a.length, b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

/** How far a Q8_0 round trip exceeds half a quantization step (d = max|x| / 127) of its block. */
function q8Excess(got: Float32Array, want: Float32Array): number {
  let worst = -Infinity;
  for (let b = 0; b < want.length / 32; b++) {
    let amax = 0;
    for (let i = 0; i < 32; i++) amax = Math.max(amax, Math.abs(want[b * 32 + i]));
    // half a step, plus |q| ≤ 127 times the f16 rounding of d (2^-11 relative)
    const bound = (amax / 127) * (0.5 + 127 * 2 ** -11) + 1e-9;
    for (let i = 0; i < 32; i++)
      worst = Math.max(worst, Math.abs(got[b * 32 + i] - want[b * 32 + i]) - bound);
  }
  return worst;
}

describe('GGUF model files, read back', () => {
  for (const family of kTinyFamilies) {
    it(`${family}: tensors and metadata round-trip for F32, F16, BF16, Q8_0`, async () => {
      const dir = await makeTinyModel(family);
      const src = folderSource(dir);
      const cfg = parseModelConfig(tinyConfigJson(family));
      const lora = (await randomAdapter(family, { r: 4, alpha: 8 })).weights;
      const expected = new Map<string, { shape: number[]; data: Float32Array }>();
      for await (const w of foldedWeights(src, lora)) {
        const heads = permuteHeads(cfg, w.name);
        const cols = w.shape.length > 1 ? w.shape[1] : 1;
        const data = heads ? permuteRows(w.data, w.shape[0], cols, heads) : w.data;
        expected.set(ggufName(w.name), { shape: w.shape, data });
      }
      for (const type of ['F32', 'F16', 'BF16', 'Q8_0'] as const) {
        const g = readGguf(
          await collect((await modelGguf(src, lora, { type, name: 'tiny' })).chunks),
        );
        expect(g.version).toBe(3);
        const arch = family.startsWith('qwen') ? family : 'llama';
        expect(g.metadata.get('general.architecture')).toBe(arch);
        expect(g.metadata.get('general.file_type')).toBe(
          { F32: 0, F16: 1, BF16: 32, Q8_0: 7 }[type],
        );
        expect(g.metadata.get(`${arch}.block_count`)).toBe(cfg.layers);
        expect(g.metadata.get(`${arch}.attention.head_count_kv`)).toBe(cfg.kvHeads);
        expect(g.metadata.get(`${arch}.embedding_length`)).toBe(cfg.hidden);
        const tokens = g.metadata.get('tokenizer.ggml.tokens') as string[];
        expect(tokens).toHaveLength(cfg.vocab);
        expect(g.metadata.get('tokenizer.ggml.token_type')).toHaveLength(cfg.vocab);
        expect(g.tensors.has('output.weight')).toBe(!cfg.tieEmbeddings);
        expect(g.tensors.has('rope_freqs.weight')).toBe(family === 'llama3-rope');
        for (const [name, want] of expected) {
          const t = g.tensors.get(name)!;
          expect(t, name).toBeDefined();
          expect(t.shape).toEqual(want.shape);
          const got = tensorValues(t);
          const is1d = want.shape.length === 1 || name.endsWith('_norm.weight');
          expect(t.type).toBe(is1d ? 'F32' : type);
          if (t.type === 'Q8_0') expect(q8Excess(got, want.data), name).toBeLessThanOrEqual(0);
          else {
            const rounded =
              t.type === 'F32' ? want.data : toFloat32(t.type, fromFloat32(t.type, want.data));
            expect(mismatches(got, rounded), name).toBe(0);
          }
        }
        expect(g.tensors.size).toBe(expected.size + (family === 'llama3-rope' ? 1 : 0));
      }
    }, 120_000);
  }

  it('llama3 rope_freqs: base frequency / factor = HF inverse frequency', () => {
    const cfg = parseModelConfig(tinyConfigJson('llama3-rope'));
    const f = ropeFreqs(cfg)!;
    const inv = ropeInvFreq(cfg);
    expect(f.some((x) => x !== 1)).toBe(true);
    for (let i = 0; i < f.length; i++) {
      const base = 1 / Math.pow(cfg.ropeTheta, (2 * i) / cfg.headDim);
      expect(base / f[i] / inv[i]).toBeCloseTo(1, 5);
    }
    expect(ropeFreqs(parseModelConfig(tinyConfigJson('llama')))).toBeNull();
  });

  it('permute: rows [h, 2, HS/2] become [h, HS/2, 2]', () => {
    const x = Float32Array.from({ length: 8 }, (_, i) => i); // 2 heads, HS 4, 1 column
    expect([...permuteRows(x, 8, 1, 2)]).toEqual([0, 2, 1, 3, 4, 6, 5, 7]);
  });

  it('tokenizer metadata: pre-tokenizer from the split regex, special ids, chat template', async () => {
    const read = async (family: 'llama3-rope' | 'qwen3' | 'mistral') => {
      const dir = await makeTinyModel(family);
      const g = readGguf(
        await collect(
          (await modelGguf(folderSource(dir), null, { type: 'F16', name: 'x' })).chunks,
        ),
      );
      const tj = JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8')) as Record<
        string,
        unknown
      >;
      return { g, tj };
    };
    const l = await read('llama3-rope');
    expect(preTokenizerName(l.tj)).toBe('llama-bpe');
    expect(l.g.metadata.get('tokenizer.ggml.model')).toBe('gpt2');
    expect(l.g.metadata.get('tokenizer.ggml.pre')).toBe('llama-bpe');
    expect(l.g.metadata.get('tokenizer.ggml.bos_token_id')).toBe(128000);
    expect(l.g.metadata.get('tokenizer.ggml.eos_token_id')).toBe(128009);
    expect(l.g.metadata.get('tokenizer.ggml.eot_token_id')).toBe(128009);
    expect(l.g.metadata.get('tokenizer.ggml.add_bos_token')).toBe(true);
    expect(String(l.g.metadata.get('tokenizer.chat_template'))).toContain('<|start_header_id|>');
    expect((l.g.metadata.get('tokenizer.ggml.merges') as string[]).length).toBeGreaterThan(100_000);
    const q = await read('qwen3');
    expect(q.g.metadata.get('tokenizer.ggml.pre')).toBe('qwen2');
    expect(q.g.metadata.get('tokenizer.ggml.eos_token_id')).toBe(151645);
    expect(q.g.metadata.get('tokenizer.ggml.padding_token_id')).toBe(151643);
    expect(q.g.metadata.get('tokenizer.ggml.add_bos_token')).toBe(false);
    const tokens = q.g.metadata.get('tokenizer.ggml.tokens') as string[];
    expect(tokens[151935]).toBe('[PAD151935]');
    expect((q.g.metadata.get('tokenizer.ggml.token_type') as number[])[151645]).toBe(3); // CONTROL
    const m = await read('mistral');
    expect(m.g.metadata.get('tokenizer.ggml.model')).toBe('llama');
    expect(m.g.metadata.get('tokenizer.ggml.add_bos_token')).toBe(true);
    expect((m.g.metadata.get('tokenizer.ggml.token_type') as number[])[3]).toBe(6); // <0x00>: BYTE
    expect(() =>
      preTokenizerName({ pre_tokenizer: { type: 'Split', pattern: { Regex: '\\s+' } } }),
    ).toThrow(/matches no llama.cpp pre-tokenizer/);
  }, 120_000);
});

describe('streaming', () => {
  it('the header goes out after reading only safetensors headers; one tensor at a time follows', async () => {
    const dir = await makeTinyModel('llama', { sharded: true });
    const base = folderSource(dir);
    let read = 0;
    const src = {
      ...base,
      readRange: async (path: string, start: number, end: number) => {
        read += end - start;
        return base.readRange(path, start, end);
      },
    };
    const { chunks, tensors } = await modelGguf(src, null, { type: 'F16', name: 'x' });
    const it = chunks[Symbol.asyncIterator]();
    await it.next(); // the header
    expect(read).toBeLessThan(100_000); // headers only, no weight
    const embedBytes = 128256 * 64 * 4;
    await it.next(); // the first tensor (token_embd)
    expect(read).toBeLessThan(embedBytes + 100_000);
    let n = 2;
    while (!(await it.next()).done) n++;
    expect(n).toBeGreaterThanOrEqual(tensors.length + 1);
  }, 60_000);
});

describe('LoRA GGUF', () => {
  it('tensors lora_a / lora_b, adapter metadata, rsLoRA alpha', async () => {
    const cfg = parseModelConfig(tinyConfigJson('llama'));
    const plain = (await randomAdapter('llama', { r: 4, alpha: 8 })).weights;
    expect(ggufLoraAlpha(plain.spec)).toBe(8);
    const rs = (await randomAdapter('llama', { r: 4, alpha: 8, rslora: true })).weights;
    expect(ggufLoraAlpha(rs.spec) / 4).toBeCloseTo(8 / Math.sqrt(4), 12); // llama.cpp: alpha / r
    const g = readGguf(await collect(loraGguf(cfg, rs, { name: 'a' }).chunks));
    expect(g.metadata.get('general.type')).toBe('adapter');
    expect(g.metadata.get('adapter.type')).toBe('lora');
    expect(g.metadata.get('adapter.lora.alpha')).toBeCloseTo(16, 5);
    expect(g.tensors.size).toBe(2 * 7 * cfg.layers);
    const a = g.tensors.get('blk.1.ffn_down.weight.lora_a')!;
    expect(a.shape).toEqual([4, cfg.intermediate]);
    expect(mismatches(tensorValues(a), rs.layers[1].down_proj!.a)).toBe(0);
    const b = g.tensors.get('blk.0.attn_q.weight.lora_b')!;
    expect(
      mismatches(
        tensorValues(b),
        permuteRows(rs.layers[0].q_proj!.b, cfg.heads * cfg.headDim, 4, cfg.heads),
      ),
    ).toBe(0);
  });

  it('Modelfile', () => {
    expect(
      modelfile({
        from: 'model.gguf',
        adapter: 'adapter.gguf',
        stop: ['<|eot_id|>', '<|eot_id|>'],
      }),
    ).toBe('FROM ./model.gguf\nADAPTER ./adapter.gguf\nPARAMETER stop "<|eot_id|>"\n');
  });
});
