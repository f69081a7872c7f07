// `sft-studio bench [--max-length L] [--steps N] [--layers L] [--profile]`: the engine's training
// benchmark on this machine's GPU (src/engine/bench.ts): a SmolLM2-135M-shaped LoRA step, tokens/s,
// MFU against the ALU probe, device memory, and with --profile where a step's time goes.
import { parseFlags, usage, type FlagSpec } from './args.ts';
import { nodeEngine } from './device.ts';

const kSpec = {
  'max-length': { type: 'int', metavar: 'L', help: 'tokens per row (default 512; try 2048)' },
  steps: { type: 'int', metavar: 'N', help: 'optimizer steps to time (default 1)' },
  layers: { type: 'int', metavar: 'L', help: 'decoder layers (default 30, as SmolLM2-135M)' },
  profile: { type: 'boolean', help: 'then time every op of a step alone, summed by kernel' },
  help: { type: 'boolean', help: 'show this help' },
} satisfies FlagSpec;

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(usage('bench', 'Benchmark a LoRA training step on this machine.', kSpec));
    return 0;
  }
  const { flags: f } = parseFlags('bench', kSpec, argv);
  const engine = await nodeEngine();
  await engine.bench(
    { maxLength: f['max-length'], steps: f.steps, layers: f.layers, profile: f.profile },
    (s) => console.log(s),
  );
  return 0;
}
