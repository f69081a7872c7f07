// Shared by the export tests: a random PEFT adapter for a tiny model (every linear of every layer,
// B non-zero so the merge changes the logits), written to a folder and returned as LoraWeights;
// and sinking an exporter's files or chunks to disk.
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { once } from 'node:events';
import { parseModelConfig } from '../../src/model/config.ts';
import type { LoraWeights } from '../../src/model/lora.ts';
import { kLinearModules, linearShape } from '../../src/model/params.ts';
import { loadAdapter } from '../../src/train/adapter.ts';
import type { ExportFile } from '../../src/export/hf-folder.ts';
import { tinyConfigJson, type TinyFamily } from '../fixtures/tiny-models.ts';
import { randn } from '../helpers/random.ts';
import { writeTestAdapter, type PeftLoraConfig } from '../reference/torch.ts';

const made: string[] = [];

/** A fresh temporary folder, removed by `removeTempDirs` (call it in afterAll). */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  for (const d of made.splice(0)) await rm(d, { recursive: true, force: true });
}

/** A random adapter dir for a tiny model, and the same adapter as LoraWeights. */
export async function randomAdapter(
  family: TinyFamily,
  opts: { r: number; alpha: number; rslora?: boolean; seed?: number },
): Promise<{ dir: string; weights: LoraWeights }> {
  const cfg = parseModelConfig(tinyConfigJson(family));
  const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
  let seed = opts.seed ?? 101;
  for (let l = 0; l < cfg.layers; l++) {
    for (const { name, module } of kLinearModules) {
      const [out, inp] = linearShape(cfg, name);
      const key = `base_model.model.model.layers.${l}.${module}.${name}`;
      tensors[`${key}.lora_A.weight`] = {
        shape: [opts.r, inp],
        data: randn(opts.r * inp, seed++, 1 / Math.sqrt(inp)),
      };
      tensors[`${key}.lora_B.weight`] = {
        shape: [out, opts.r],
        data: randn(out * opts.r, seed++, 0.2),
      };
    }
  }
  const config: PeftLoraConfig = {
    r: opts.r,
    lora_alpha: opts.alpha,
    use_rslora: opts.rslora ?? false,
    target_modules: kLinearModules.map((m) => m.name),
  };
  const dir = await writeTestAdapter(await tempDir('sft-export-lora-'), config, tensors);
  const weights = loadAdapter(cfg, {
    safetensors: new Uint8Array(await readFile(join(dir, 'adapter_model.safetensors'))),
    config: await readFile(join(dir, 'adapter_config.json'), 'utf8'),
  }).weights;
  return { dir, weights };
}

/** Writes chunks to a file, as a host would. */
export async function sinkTo(path: string, chunks: AsyncIterable<Uint8Array>): Promise<number> {
  await mkdir(dirname(path), { recursive: true });
  const out = createWriteStream(path);
  let n = 0;
  for await (const c of chunks) {
    n += c.byteLength;
    if (!out.write(c)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return n;
}

export async function sinkFiles(dir: string, files: ExportFile[]): Promise<void> {
  for (const f of files) await sinkTo(join(dir, f.path), f.chunks());
}
