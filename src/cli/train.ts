// `sft-studio train --model DIR|HUB_ID --data FILE --out ODIR [--template NAME] [--steps N |
//  --epochs E] [--lr F] [--rank R] [--alpha A] [--dropout P] [--targets all-linear|LIST] [--rslora]
//  [--batch-size B] [--grad-accum G] [--max-length L] [--packing | --no-packing]
//  [--warmup-ratio W] [--scheduler NAME] [--weight-decay D] [--eval-split F] [--eval-steps N]
//  [--save-steps N] [--seed S] [--resume] [--gradient-checkpointing | --no-gradient-checkpointing]`
//
// Every optional flag defaults to the studio's Train form (src/engine/settings.ts, one table), so
// `sft-studio train` with no optional flag trains exactly what the studio's Start trains. The data
// is tokenized exactly as `preview` shows it. Writes into ODIR: adapter_model.safetensors +
// adapter_config.json (PEFT), README.md (the model card), metrics.jsonl (one JSON object per
// optimizer step, in order, each once: step, loss, lr, grad_norm, tokens, elapsed_s, and eval_loss
// when evaluated) and checkpoint-<step>.safetensors (LoRA + AdamW state, the two newest kept,
// written atomically with a checksum: checkpoints.ts). `--resume` continues from the newest
// complete one; Ctrl-C stops after the current step and saves one. A progress line runs on stderr.
//
// When the GPU fails the run stops with what happened, what to change and which checkpoint is kept
// (never a stack trace), with its own exit status: 3 device lost, 4 out of memory, 5 diverged (NaN
// or Inf gradients kMaxNonFiniteSteps steps in a row; a single NaN step is skipped and the run goes
// on). Exit 130 after Ctrl-C. SFT_STUDIO_FAULTS injects those failures (src/train/faults.ts).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  describeFaultPlan,
  hasFaults,
  kDefaultSettings,
  kFaultEnv,
  kSchedulers,
  parseFaultPlan,
  withDefaults,
  type SchedulerName,
  type StepEvent,
  type TrainEvent,
  type TrainSettings,
} from '../engine/index.ts';
import { kDataFlags, kDataHelp } from './data-source.ts';
import { kHelpFlag, kModelFlag, kTemplateFlag } from './flags.ts';
import { parseFlags, usage, UsageError, type FlagSpec } from './args.ts';
import { MetricsLog, newestValidCheckpoint, ResumeError, saveCheckpoint } from './checkpoints.ts';
import { gpuFailureExit, reportGpuFailure } from './train-failure.ts';
import { describeAdapter, nodeEngine } from './device.ts';
import { loadDataset, openModel, templateFor } from './train-io.ts';

const d = kDefaultSettings;

export const kTrainSpec = {
  model: kModelFlag,
  data: { type: 'string', required: true, metavar: 'SOURCE', help: kDataHelp },
  ...kDataFlags,
  template: kTemplateFlag,
  out: {
    type: 'string',
    required: true,
    metavar: 'ODIR',
    help: 'output folder (adapter, metrics)',
  },
  steps: { type: 'int', metavar: 'N', help: 'optimizer steps (instead of --epochs)' },
  epochs: { type: 'number', metavar: 'E', help: `epochs (default ${d.epochs})` },
  lr: { type: 'number', metavar: 'F', help: `peak learning rate (default ${d.lr})` },
  rank: { type: 'int', metavar: 'R', help: `LoRA rank (default ${d.r})` },
  alpha: { type: 'number', metavar: 'A', help: `LoRA alpha (default ${d.alpha})` },
  dropout: { type: 'number', metavar: 'P', help: `LoRA dropout (default ${d.dropout})` },
  targets: { type: 'string', metavar: 'all-linear|LIST', help: 'LoRA targets, e.g. q_proj,v_proj' },
  'batch-size': {
    type: 'int',
    metavar: 'B',
    help: `rows per micro-batch (default ${d.microBatch})`,
  },
  'grad-accum': {
    type: 'int',
    metavar: 'G',
    help: `micro-batches per optimizer step (default ${d.effectiveBatch} / batch size)`,
  },
  'max-length': { type: 'int', metavar: 'L', help: `tokens per row (default ${d.maxLength})` },
  packing: { type: 'boolean', help: 'pack examples into rows (default)' },
  'no-packing': { type: 'boolean', help: 'one example per row, padded' },
  'warmup-ratio': {
    type: 'number',
    metavar: 'W',
    help: `warmup fraction of the steps (default ${d.warmupRatio})`,
  },
  scheduler: { type: 'string', metavar: 'NAME', help: `LR schedule: ${kSchedulers.join(', ')}` },
  'weight-decay': {
    type: 'number',
    metavar: 'D',
    help: `AdamW weight decay (default ${d.weightDecay})`,
  },
  'eval-split': {
    type: 'number',
    metavar: 'F',
    help: `fraction held out for eval (default ${d.evalSplit})`,
  },
  seed: { type: 'int', metavar: 'S', help: `random seed (default ${d.seed})` },
  'eval-steps': {
    type: 'int',
    metavar: 'N',
    help: 'evaluate every N steps with --eval-split (default: about ten times per run)',
  },
  'save-steps': {
    type: 'int',
    metavar: 'N',
    help: `save a checkpoint every N steps (default ${d.checkpointEvery}; 0: only at the end or Ctrl-C)`,
  },
  rslora: { type: 'boolean', help: 'rank-stabilized LoRA: scale alpha / sqrt(r)' },
  resume: {
    type: 'boolean',
    help: 'continue from the newest complete checkpoint in ODIR (checkpoint-<step>.safetensors)',
  },
  'gradient-checkpointing': {
    type: 'boolean',
    help: 'recompute each layer in the backward (default: when keeping all costs > 1 GiB)',
  },
  'no-gradient-checkpointing': { type: 'boolean', help: "keep every layer's activations" },
  help: kHelpFlag,
} satisfies FlagSpec;

const kSummary = 'Fine-tune a model with LoRA on a JSONL dataset; writes a PEFT adapter.';

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(usage('train', kSummary, kTrainSpec));
    return 0;
  }
  const { flags: f } = parseFlags('train', kTrainSpec, argv);
  if (f.steps !== undefined && f.epochs !== undefined) {
    throw new UsageError('train: give --steps or --epochs, not both');
  }
  if (f.packing && f['no-packing'])
    throw new UsageError('train: --packing or --no-packing, not both');
  if (f['gradient-checkpointing'] && f['no-gradient-checkpointing'])
    throw new UsageError(
      'train: --gradient-checkpointing or --no-gradient-checkpointing, not both',
    );
  if (f.scheduler !== undefined && !kSchedulers.includes(f.scheduler as SchedulerName)) {
    throw new UsageError(`train: --scheduler must be one of ${kSchedulers.join(', ')}`);
  }
  const outDir = f.out!;
  await mkdir(outDir, { recursive: true });
  const log = (s: string) => process.stderr.write(`${s}\n`);
  let resumeFrom: Uint8Array | undefined;
  let resumeStep: number | null = null;
  if (f.resume) {
    // The newest checkpoint that reads back whole; a damaged one (checksum) falls back to the one
    // before it, and none usable is an error naming each file.
    const found = await newestValidCheckpoint(outDir, (w) => log(`train: ${w}`)).catch(
      (e: unknown) => {
        throw e instanceof ResumeError ? new UsageError(`train: ${e.message}`) : e;
      },
    );
    resumeFrom = found.bytes;
    resumeStep = found.step;
    log(`resuming from ${found.path} (step ${found.step})`);
  }
  const metrics = new MetricsLog(join(outDir, 'metrics.jsonl'));
  const faults = parseFaultPlan(process.env[kFaultEnv] ?? '');
  if (hasFaults(faults)) log(`injecting faults (${kFaultEnv}): ${describeFaultPlan(faults)}`);

  const src = openModel(f.model!);
  const engine = await nodeEngine();
  const model = await engine.loadModel(src);
  const settings = settingsFromFlags(f);
  const template = templateFor(model.tok.tokenizer, f.template);
  const data = await loadDataset(f, 'train', model.tok, template, settings.maxLength);
  if (data.examples.length === 0) {
    console.error(`train: no usable example in ${f.data}`);
    model.destroy();
    return 1;
  }
  const i = model.info;
  log(`model ${i.name} (${i.architecture}, ${i.layers} layers, vocab ${i.vocab})`);
  log(`data ${f.data}: ${data.examples.length} examples (template ${data.template.name})`);
  log(`device ${describeAdapter(engine.info)}`);

  // Steps after the checkpoint are redone and replace the lines a killed run left.
  await metrics.open(resumeStep);
  const tty = process.stderr.isTTY;
  let lastLoss: number | null = null;
  let lastEval: number | null = null;
  let elapsed = 0;
  // A skipped step's event comes just before its step event: its line says skipped: 1.
  let skippedStep = 0;
  let lastStep = resumeStep ?? 0;
  const onEvent = (e: TrainEvent) => {
    if (e.kind === 'step') {
      lastStep = e.step;
      lastLoss = e.loss ?? lastLoss;
      elapsed = e.elapsedSeconds;
      metrics.append({
        step: e.step,
        loss: e.loss ?? NaN,
        lr: e.lr,
        grad_norm: e.gradNorm ?? NaN,
        tokens: e.tokens,
        elapsed_s: Number(e.elapsedSeconds.toFixed(3)),
        ...(skippedStep === e.step ? { skipped: 1 } : {}),
      });
      progress(e, tty);
    } else if (e.kind === 'eval') {
      lastEval = e.evalLoss;
      metrics.update(e.step, { eval_loss: e.evalLoss });
      log(
        `${tty ? '\n' : ''}step ${e.step}: eval loss ${e.evalLoss.toFixed(4)} over ${e.evalTokens} tokens`,
      );
    } else if (e.kind === 'skipped') {
      skippedStep = e.step;
      log(`${tty ? '\n' : ''}step ${e.step}: skipped (${e.reason})`);
    } else if (e.kind === 'info') log(e.message);
  };

  const run = await engine
    .train(model, {
      examples: data.examples,
      settings,
      resumeFrom,
      baseModelName: f.model,
      onEvent,
      onCheckpoint: (bytes, step) => saveCheckpoint(outDir, step, bytes),
      faults,
    })
    .catch((e: unknown) => e as Error);
  if (run instanceof Error) {
    if (gpuFailureExit(run) === null) throw run;
    return reportGpuFailure(run, lastStep, outDir, log);
  }
  const ri = run.info;
  log(
    `training ${ri.totalSteps} steps from step ${run.step}: ${ri.trainExamples} train / ` +
      `${ri.evalExamples} eval examples, rows of ${ri.seqLen} tokens ` +
      `(${(100 * ri.realTokenRatio).toFixed(1)}% real tokens), effective batch ` +
      `${run.settings.effectiveBatch} (${run.settings.microBatch} × ${ri.gradAccum})`,
  );
  log(ri.planText);
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log('\nstopping after the current step (Ctrl-C again to abort)...');
    run.stop();
  };
  process.on('SIGINT', onSigint);
  try {
    await run.run();
  } catch (e) {
    if (gpuFailureExit(e) === null) throw e;
    if (tty) process.stderr.write('\n');
    return reportGpuFailure(e, lastStep, outDir, log);
  } finally {
    process.off('SIGINT', onSigint);
  }
  const files = await run.exportAdapter();
  await writeFile(join(outDir, 'adapter_model.safetensors'), files['adapter_model.safetensors']);
  await writeFile(join(outDir, 'adapter_config.json'), files['adapter_config.json']);
  const card = run.modelCard({
    datasetName: f.data!,
    datasetExamples: data.parse.examples.length,
    finalLoss: lastLoss,
    finalEvalLoss: lastEval,
    elapsedSeconds: elapsed,
    device: describeAdapter(engine.info),
  });
  await writeFile(join(outDir, 'README.md'), card);
  if (tty) process.stderr.write('\n');
  log(`wrote ${outDir}/adapter_model.safetensors, adapter_config.json, README.md, metrics.jsonl`);
  run.destroy();
  model.destroy();
  return interrupted ? 130 : 0;
}

type Flags = ReturnType<typeof parseFlags<typeof kTrainSpec>>['flags'];

/** `train`'s arguments as the one settings shape (the tests hold it equal to the studio's Start). */
export function settingsFromArgs(argv: string[]): TrainSettings {
  return settingsFromFlags(parseFlags('train', kTrainSpec, argv).flags);
}

/** The flags as the one settings shape: every flag not given takes the studio's default. */
function settingsFromFlags(f: Flags): TrainSettings {
  const micro = f['batch-size'] ?? d.microBatch;
  const targets =
    f.targets === undefined || f.targets === 'all-linear'
      ? ('all-linear' as const)
      : f.targets.split(',').map((s) => s.trim());
  return withDefaults({
    r: f.rank,
    alpha: f.alpha,
    dropout: f.dropout,
    targets,
    useRslora: f.rslora ? true : undefined,
    lr: f.lr,
    scheduler: f.scheduler as SchedulerName | undefined,
    warmupRatio: f['warmup-ratio'],
    weightDecay: f['weight-decay'],
    microBatch: micro,
    effectiveBatch: f['grad-accum'] !== undefined ? micro * f['grad-accum'] : undefined,
    epochs: f.epochs,
    maxSteps: f.steps,
    maxLength: f['max-length'],
    packing: f['no-packing'] ? false : undefined,
    evalSplit: f['eval-split'],
    evalEvery: f['eval-steps'],
    checkpointEvery: f['save-steps'],
    seed: f.seed,
    gradientCheckpointing: f['gradient-checkpointing']
      ? true
      : f['no-gradient-checkpointing']
        ? false
        : undefined,
  });
}

function progress(e: StepEvent, tty: boolean): void {
  const eta = e.etaSeconds > 0 ? ` | ETA ${formatTime(e.etaSeconds)}` : '';
  const mem = (e.memory.totalPeak / 2 ** 20).toFixed(0);
  const line =
    `step ${e.step}/${e.totalSteps} | epoch ${e.epoch.toFixed(2)} | loss ${e.loss?.toFixed(4) ?? '-'} | ` +
    `lr ${e.lr.toExponential(2)} | grad norm ${e.gradNorm?.toFixed(3) ?? '-'} | ` +
    `${e.tokensPerSecond.toFixed(0)} tok/s | ${mem} MiB${eta}`;
  process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
}

function formatTime(s: number): string {
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${Math.round(s % 60)}s`;
  return `${Math.floor(s / 3600)}h${Math.round((s % 3600) / 60)}m`;
}
