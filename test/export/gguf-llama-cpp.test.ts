// llama.cpp itself (node-llama-cpp 3.21.1's prebuilt CPU binary) loads our GGUF files, for every
// family: its tokenization equals the Hugging Face tokenizer's (special tokens and Vietnamese
// included); its next-token log-probabilities for a prompt match the float64 PyTorch reference of
// base + adapter for the merged model (F32 closely; F16, BF16, Q8_0 within a KL budget); and the
// base GGUF with the LoRA GGUF applied gives the same (rsLoRA included: qwen2 and llama3-rope).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { folderSource } from '../../src/cli/model-source.ts';
import { tokenizerFromFiles } from '../../src/data/index.ts';
import { loraGguf } from '../../src/export/gguf/lora.ts';
import { modelGguf } from '../../src/export/gguf/model.ts';
import { parseModelConfig } from '../../src/model/config.ts';
import { kTinyFamilies, makeTinyModel, tinyConfigJson } from '../fixtures/tiny-models.ts';
import { requireTorch, runTorchReference } from '../reference/torch.ts';
import { randomAdapter, sinkTo, tempDir, removeTempDirs } from './helpers.ts';
import { cpuLlama, llamaLogProbs, llamaTokenize, loadGguf } from './llama-cpp.ts';

afterAll(removeTempDirs);

const hasTorch = requireTorch('test/export/gguf-llama-cpp.test.ts');
let hasLlama = true;
try {
  await cpuLlama();
} catch (e) {
  hasLlama = false;
  if (process.env.CI === 'true') throw e;
  console.warn(
    `[skipped] node-llama-cpp cannot load its prebuilt llama.cpp: ${(e as Error).message}`,
  );
}

const kStrings = [
  'Hello world, this is a test.',
  'Tiếng Việt có dấu: Người ơi, đừng quên nhé! Xin chào các bạn.',
  'Numbers 1234567 and 3.14159; code: def f(x): return x**2\n\n\tindented',
  // Not "</s>": llama.cpp marks any vocabulary entry spelled "</s>" as an end-of-generation control
  // token (llama-vocab.cpp), so in Qwen's vocabulary, where it is ordinary text, it splits it out.
  'Special <|eot_id|> <|im_start|>user\nhi<|im_end|> <s> tokens <|begin_of_text|>x',
  "emoji 🤗🚀, 中文字符, русский текст, don't   spaces   ",
];
/** F32: max |Δ log p| over the vocabulary and positions (f32 arithmetic against float64). */
const kF32MaxAbs = 1e-5;
/** KL(reference || llama.cpp) per position, nats: the budgets per GGUF type. */
const kKlBudget = { F16: 1e-5, BF16: 5e-4, Q8_0: 2e-3 } as const;

function logSoftmax(row: number[]): Float64Array {
  let mx = -Infinity;
  for (const x of row) mx = Math.max(mx, x);
  let s = 0;
  for (const x of row) s += Math.exp(x - mx);
  const lse = mx + Math.log(s);
  return Float64Array.from(row, (x) => x - lse);
}

function compare(ref: Float64Array[], got: Float64Array[]): { maxAbs: number; maxKl: number } {
  let maxAbs = 0;
  let maxKl = 0;
  for (let t = 0; t < ref.length; t++) {
    let kl = 0;
    for (let v = 0; v < ref[t].length; v++) {
      maxAbs = Math.max(maxAbs, Math.abs(ref[t][v] - got[t][v]));
      kl += Math.exp(ref[t][v]) * (ref[t][v] - got[t][v]);
    }
    maxKl = Math.max(maxKl, kl);
  }
  return { maxAbs, maxKl };
}

describe.skipIf(!hasLlama || !hasTorch)('llama.cpp loads the GGUF export', () => {
  for (const family of kTinyFamilies) {
    it(`${family}: tokenization, merged F32/F16/BF16/Q8_0 logits, base + LoRA GGUF`, async () => {
      const dir = await makeTinyModel(family);
      const src = folderSource(dir);
      const cfg = parseModelConfig(tinyConfigJson(family));
      const rslora = family === 'qwen2' || family === 'llama3-rope';
      const lora = await randomAdapter(family, { r: 4, alpha: 8, rslora });
      const out = await tempDir(`sft-gguf-${family}-`);
      const tok = tokenizerFromFiles(
        await readFile(join(dir, 'tokenizer.json'), 'utf8'),
        await readFile(join(dir, 'tokenizer_config.json'), 'utf8'),
      );
      const ids = [
        ...(cfg.bosTokenId !== null ? [cfg.bosTokenId] : []),
        ...tok.encode('The quick brown fox: Tiếng Việt, 12345!'),
      ];
      const ref = (
        await runTorchReference(dir, lora.dir, { input_ids: [ids], return_logits: true })
      ).logits![0].map(logSoftmax);

      const write = async (name: string, chunks: AsyncIterable<Uint8Array>) => {
        const path = join(out, name);
        await sinkTo(path, chunks);
        return path;
      };
      const report: string[] = [];
      for (const type of ['F32', 'F16', 'BF16', 'Q8_0'] as const) {
        const path = await write(
          `merged-${type}.gguf`,
          (await modelGguf(src, lora.weights, { type, name: family })).chunks,
        );
        const model = await loadGguf(path);
        try {
          if (type === 'F32') {
            for (const s of kStrings)
              expect(llamaTokenize(model, s), `${family}: ${s}`).toEqual(tok.encode(s));
          }
          const d = compare(ref, await llamaLogProbs(model, ids, cfg.vocab));
          report.push(
            `${type} max|Δlogp| ${d.maxAbs.toExponential(2)} max KL ${d.maxKl.toExponential(2)}`,
          );
          if (type === 'F32') expect(d.maxAbs, `${family} F32`).toBeLessThan(kF32MaxAbs);
          else expect(d.maxKl, `${family} ${type}`).toBeLessThan(kKlBudget[type]);
        } finally {
          await model.dispose();
        }
      }
      const base = await write(
        'base-F32.gguf',
        (await modelGguf(src, null, { type: 'F32', name: family })).chunks,
      );
      const adapter = await write(
        'lora.gguf',
        loraGguf(cfg, lora.weights, { name: 'lora' }).chunks,
      );
      const model = await loadGguf(base);
      try {
        const d = compare(ref, await llamaLogProbs(model, ids, cfg.vocab, { path: adapter }));
        report.push(`base+LoRA max|Δlogp| ${d.maxAbs.toExponential(2)}`);
        expect(d.maxAbs, `${family} base + LoRA GGUF`).toBeLessThan(kF32MaxAbs);
        const plain = compare(ref, await llamaLogProbs(model, ids, cfg.vocab));
        expect(plain.maxAbs, 'the adapter must matter').toBeGreaterThan(100 * d.maxAbs);
      } finally {
        await model.dispose();
      }
      console.log(`${family}${rslora ? ' (rsLoRA)' : ''}: ${report.join('; ')}`);
    }, 300_000);
  }
});
