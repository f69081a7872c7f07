// The `sft-studio` command line (bin/sft-studio.mjs runs this file with tsx): a dispatcher only.
// Each command lives in `src/cli/<command>.ts` and exports
//   export async function run(argv: string[]): Promise<number>   // argv after the command; exit status
// so adding a command means adding its file; a planned command without a file says so.
import { UsageError } from './args';
import { DatasetTooLargeError } from './memory-guard';

const kCommands: Record<string, string> = {
  preview: 'show what the model will be trained on: tokens, loss mask, dataset report',
  train: 'fine-tune a model with LoRA on a dataset',
  lint: 'flag problem examples: duplicates, refusals, PII, language mismatches, ...',
  eval: 'evaluate a model (and adapter) on a dataset',
  generate: 'generate text with a model (and adapter)',
  compare: 'base vs tuned answers on a dataset, with BLEU, ROUGE-L, exact match, stop rate',
  merge: 'fold a LoRA adapter into the model and save a Hugging Face folder',
  'export-gguf': 'write the model (or the adapter alone) as GGUF for llama.cpp and Ollama',
  'export-trl': 'write a TRL + accelerate project that reruns the training on GPUs',
  bench: 'benchmark the GPU kernels and a training step',
};

interface CommandModule {
  run(argv: string[]): Promise<number>;
}

function help(): string {
  const lines = ['usage: sft-studio <command> [flags]', '', 'commands:'];
  for (const [name, what] of Object.entries(kCommands)) lines.push(`  ${name.padEnd(10)} ${what}`);
  lines.push('', 'Run `sft-studio <command> --help` for the flags of a command.');
  return lines.join('\n');
}

async function loadCommand(name: string): Promise<CommandModule | null> {
  try {
    return (await import(`./${name}.ts`)) as CommandModule;
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    const message = e instanceof Error ? e.message : '';
    // Only "this command's own file does not exist" means not implemented; any other error is real.
    if (code === 'ERR_MODULE_NOT_FOUND' && message.includes(`/cli/${name}.ts`)) return null;
    throw e;
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(help());
    return command === undefined ? 2 : 0;
  }
  if (!Object.hasOwn(kCommands, command)) {
    console.error(`sft-studio: unknown command "${command}"\n\n${help()}`);
    return 2;
  }
  const mod = await loadCommand(command);
  if (mod === null) {
    console.error(`sft-studio ${command}: not implemented yet`);
    return 1;
  }
  return mod.run(rest);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  if (e instanceof UsageError || e instanceof DatasetTooLargeError) {
    console.error(e.message);
    process.exitCode = 2;
  } else {
    console.error(e instanceof Error ? `sft-studio: ${e.message}` : e);
    process.exitCode = 1;
  }
}
