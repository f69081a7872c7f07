// `sft-studio export-trl --model DIR|HUB_ID --data SOURCE --out DIR [the train flags]`: the run
// `train` would make with these flags, as a TRL + PEFT + accelerate project to run on GPUs
// elsewhere (src/export/trl.ts): the dataset tokenized exactly as `preview --json` shows it
// (input_ids + assistant_masks), train.py with the same hyperparameters, DDP and FSDP configs,
// pinned requirements and a README with the launch command. Needs no GPU.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { openTokenizer, trlProject } from '../engine/index.ts';
import { parseFlags, usage, UsageError } from './args.ts';
import { writeAtomic } from './files.ts';
import { resolveModelSource } from './model-source.ts';
import { kTrainSpec, settingsFromArgs } from './train.ts';
import { loadDataset, templateFor } from './train-io.ts';

const kSummary =
  'Write a TRL + accelerate project that reruns this training on GPUs (same data, same hyperparameters).';

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(usage('export-trl', kSummary, kTrainSpec));
    return 0;
  }
  const { flags: f } = parseFlags('export-trl', kTrainSpec, argv);
  if (f.resume) throw new UsageError('export-trl: --resume does not apply');
  const settings = settingsFromArgs(argv);
  const opened = await openTokenizer(resolveModelSource(f.model!));
  const tok = opened.tokenizer;
  const data = await loadDataset(
    f,
    'export-trl',
    opened,
    templateFor(tok, f.template),
    settings.maxLength,
  );
  if (data.examples.length === 0) {
    console.error(`export-trl: no usable example in ${f.data}`);
    return 1;
  }
  const files = trlProject({
    model: f.model!,
    datasetName: f.data!,
    settings,
    examples: data.examples,
  });
  for (const [path, text] of Object.entries(files)) {
    const full = join(f.out!, path);
    mkdirSync(dirname(full), { recursive: true });
    writeAtomic(full, text);
  }
  process.stderr.write(
    `wrote ${f.out}: ${Object.keys(files).join(', ')}\n` +
      `run it: cd ${f.out} && pip install -r requirements.txt && accelerate launch --config_file accelerate/ddp.yaml train.py\n`,
  );
  return 0;
}
