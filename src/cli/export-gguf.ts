// `sft-studio export-gguf --model DIR|HUB_ID [--adapter ODIR] --out FILE.gguf
//    [--type f32|f16|bf16|q8_0] [--lora-only]`
// Writes the model (with the adapter folded in, or the base alone) as a GGUF v3 file that
// llama.cpp, Ollama and LM Studio load; with --lora-only, FILE is the adapter alone as a llama.cpp
// LoRA GGUF (llama.cpp `--lora`, Ollama `ADAPTER`). An Ollama Modelfile goes beside it. The file
// streams to disk tensor by tensor and is renamed into place when complete.
import { basename, dirname, join } from 'node:path';
import { readModelConfig } from '../engine/index.ts';
import { ggufChunks, loraGgufChunks, ollamaModelfile, type GgufType } from '../engine/index.ts';
import { parseFlags, usage, UsageError, type FlagSpec } from './args.ts';
import { writeStreamAtomic } from './files.ts';
import { kHelpFlag, kModelFlag } from './flags.ts';
import { openModel, readAdapterDir } from './train-io.ts';

const kSpec = {
  model: kModelFlag,
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
  help: kHelpFlag,
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
  const n = await writeStreamAtomic(out, chunks);
  const modelfile = f['lora-only']
    ? await ollamaModelfile(src, { from: './base.gguf', adapter: basename(out) })
    : await ollamaModelfile(src, { from: basename(out) });
  const note = f['lora-only']
    ? `# FROM: the base model as GGUF (sft-studio export-gguf --model ${f.model} --out base.gguf)\n`
    : '';
  await writeStreamAtomic(
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
