// `sft-studio export-gguf --model DIR|HUB_ID [--adapter ODIR] --out FILE.gguf
//    [--type f32|f16|bf16|q8_0] [--lora-only]`
// Writes the model (with the adapter folded in, or the base alone) as a GGUF v3 file that
// llama.cpp, Ollama and LM Studio load; with --lora-only, FILE is the adapter alone as a llama.cpp
// LoRA GGUF (llama.cpp `--lora`, Ollama `ADAPTER`). An Ollama Modelfile goes beside it. The file
// streams to disk tensor by tensor and is renamed into place when complete.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { readModelConfig } from '../engine/index.ts';
import { ggufChunks, loraGgufChunks, ollamaModelfile, type GgufType } from '../engine/index.ts';
import { parseFlags, usage, UsageError, type FlagSpec } from './args.ts';
import { openModel, readAdapterDir } from './train-io.ts';

const kSpec = {
  model: {
    type: 'string',
    required: true,
    metavar: 'DIR|HUB_ID',
    help: 'base model folder or Hub id',
  },
  adapter: {
    type: 'string',
    metavar: 'ODIR',
    help: 'PEFT LoRA adapter folder to fold in (default: none)',
  },
  out: { type: 'string', required: true, metavar: 'FILE.gguf', help: 'the GGUF file to write' },
  type: {
    type: 'string',
    metavar: 'f32|f16|bf16|q8_0',
    help: 'tensor type of the matrices (default f16)',
  },
  'lora-only': { type: 'boolean', help: 'write the adapter alone as a llama.cpp LoRA GGUF' },
  help: { type: 'boolean', help: 'show this help' },
} satisfies FlagSpec;

const kTypes: Record<string, GgufType> = { f32: 'F32', f16: 'F16', bf16: 'BF16', q8_0: 'Q8_0' };

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(
      usage(
        'export-gguf',
        'Write the model (or the adapter alone) as GGUF for llama.cpp and Ollama.',
        kSpec,
      ),
    );
    return 0;
  }
  const { flags: f } = parseFlags('export-gguf', kSpec, argv);
  const type = kTypes[(f.type ?? 'f16').toLowerCase()];
  if (!type)
    throw new UsageError(`export-gguf: --type must be f32, f16, bf16 or q8_0, got "${f.type}"`);
  if (f['lora-only'] && !f.adapter)
    throw new UsageError('export-gguf: --lora-only needs --adapter ODIR');
  const out = f.out!;
  const src = openModel(f.model!);
  const config = await readModelConfig(src);
  const adapter = f.adapter ? await readAdapterDir(f.adapter, config) : null;
  const chunks =
    f['lora-only'] && adapter
      ? await loraGgufChunks(src, adapter)
      : await ggufChunks(src, adapter, type, basename(f.model!));
  const n = await writeFileAtomic(out, chunks);
  const modelfile = f['lora-only']
    ? await ollamaModelfile(src, { from: './base.gguf', adapter: basename(out) })
    : await ollamaModelfile(src, { from: basename(out) });
  const note = f['lora-only']
    ? `# FROM: the base model as GGUF (sft-studio export-gguf --model ${f.model} --out base.gguf)\n`
    : '';
  await writeFileAtomic(
    join(dirname(out), 'Modelfile'),
    (async function* () {
      yield new TextEncoder().encode(note + modelfile);
    })(),
  );
  console.log(
    `wrote ${out} (${(n / 2 ** 20).toFixed(1)} MiB${f['lora-only'] ? ', LoRA adapter' : `, ${type}`}) and ${join(dirname(out), 'Modelfile')}`,
  );
  return 0;
}

const tmpName = (path: string) =>
  join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Date.now().toString(36)}`);

async function streamTo(path: string, chunks: AsyncIterable<Uint8Array>): Promise<number> {
  const out = createWriteStream(path);
  let n = 0;
  try {
    for await (const c of chunks) {
      n += c.byteLength;
      if (!out.write(c)) await once(out, 'drain');
    }
  } finally {
    out.end();
    await once(out, 'close');
  }
  return n;
}

/** Streams chunks to `path` through a temporary file; returns the bytes written. */
export async function writeFileAtomic(
  path: string,
  chunks: AsyncIterable<Uint8Array>,
): Promise<number> {
  const full = resolve(path);
  await mkdir(dirname(full), { recursive: true });
  const tmp = tmpName(full);
  try {
    const n = await streamTo(tmp, chunks);
    await rename(tmp, full);
    return n;
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
