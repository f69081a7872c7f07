// `sft-studio merge --model DIR|HUB_ID --adapter ODIR --out MDIR [--dtype f32|bf16|f16]`
// Folds a PEFT LoRA adapter into the base model (W + s·B·A, computed in f32) and writes a Hugging
// Face model folder: config.json (torch_dtype = the output dtype), model.safetensors (sharded
// above 2 GB), the tokenizer files, generation_config.json and a model card. The default dtype is
// the base checkpoint's. Weights stream tensor by tensor into a temporary folder that is renamed
// into place when complete: a crash never leaves a half-written model under the final name.
import { createWriteStream, existsSync } from 'node:fs';
import { once } from 'node:events';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { readModelConfig } from '../engine/index.ts';
import { mergedModelFiles, type ExportFile, type MergeDtype } from '../engine/index.ts';
import { parseFlags, usage, UsageError, type FlagSpec } from './args.ts';
import { openModel, readAdapterDir } from './train-io.ts';

const kSpec = {
  model: {
    type: 'string',
    required: true,
    metavar: 'DIR|HUB_ID',
    help: 'base model folder or Hub id',
  },
  adapter: { type: 'string', required: true, metavar: 'ODIR', help: 'PEFT LoRA adapter folder' },
  out: { type: 'string', required: true, metavar: 'MDIR', help: 'new folder for the merged model' },
  dtype: {
    type: 'string',
    metavar: 'f32|bf16|f16',
    help: "output dtype (default: the base model's)",
  },
  help: { type: 'boolean', help: 'show this help' },
} satisfies FlagSpec;

const kDtypes: Record<string, MergeDtype> = { f32: 'F32', bf16: 'BF16', f16: 'F16' };

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(
      usage('merge', 'Fold a LoRA adapter into the model and save a Hugging Face folder.', kSpec),
    );
    return 0;
  }
  const { flags: f } = parseFlags('merge', kSpec, argv);
  let dtype: MergeDtype | undefined;
  if (f.dtype !== undefined) {
    dtype = kDtypes[f.dtype.toLowerCase()];
    if (!dtype) throw new UsageError(`merge: --dtype must be f32, bf16 or f16, got "${f.dtype}"`);
  }
  const src = openModel(f.model!);
  const config = await readModelConfig(src);
  const adapter = await readAdapterDir(f.adapter!, config);
  const { files, dtype: out } = await mergedModelFiles(src, adapter, dtype);
  await writeFolderAtomic(f.out!, files, (path, n) =>
    process.stderr.write(`wrote ${path} (${(n / 2 ** 20).toFixed(1)} MiB)\n`),
  );
  console.log(`merged ${f.adapter} into ${f.model}: ${f.out} (${out})`);
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

/** Writes a folder of files through a temporary folder renamed into place; `dir` must not hold files. */
export async function writeFolderAtomic(
  dir: string,
  files: ExportFile[],
  onFile?: (path: string, bytes: number) => void,
): Promise<void> {
  const full = resolve(dir);
  if (existsSync(full) && (await readdir(full)).length > 0)
    throw new UsageError(`--out ${dir}: the folder exists and is not empty; choose a new folder`);
  await mkdir(dirname(full), { recursive: true });
  const tmp = tmpName(full);
  await mkdir(tmp, { recursive: true });
  try {
    for (const f of files) {
      const n = await streamTo(join(tmp, f.path), f.chunks());
      onFile?.(f.path, n);
    }
    if (existsSync(full)) await rm(full, { recursive: true });
    await rename(tmp, full);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}
