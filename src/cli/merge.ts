// `sft-studio merge --model DIR|HUB_ID --adapter ODIR --out MDIR [--dtype f32|bf16|f16]`
// Folds a PEFT LoRA adapter into the base model (W + s·B·A, computed in f32) and writes a Hugging
// Face model folder: config.json (torch_dtype = the output dtype), model.safetensors (sharded
// above 2 GB), the tokenizer files, generation_config.json and a model card. The default dtype is
// the base checkpoint's. Weights stream tensor by tensor into a temporary folder that is renamed
// into place when complete: a crash never leaves a half-written model under the final name.
import { readModelConfig } from '../engine/index.ts';
import { mergedModelFiles, type MergeDtype } from '../engine/index.ts';
import { parseFlags, usage, UsageError, type FlagSpec } from './args.ts';
import { writeFolderAtomic } from './files.ts';
import { kHelpFlag, kModelFlag } from './flags.ts';
import { openModel, readAdapterDir } from './train-io.ts';

const kSpec = {
  model: kModelFlag,
  adapter: { type: 'string', required: true, metavar: 'ODIR', help: 'PEFT LoRA adapter folder' },
  out: { type: 'string', required: true, metavar: 'MDIR', help: 'new folder for the merged model' },
  dtype: {
    type: 'string',
    metavar: 'f32|bf16|f16',
    help: "output dtype (default: the base model's)",
  },
  help: kHelpFlag,
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
