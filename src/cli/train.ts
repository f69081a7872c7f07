// `sft-studio train --model DIR|HUB_ID --data FILE --out ODIR [--steps N | --epochs E] [--lr F]
//  [--rank R] [--alpha A] [--dropout P] [--targets all-linear|LIST] [--batch-size B]
//  [--grad-accum G] [--max-length L] [--packing | --no-packing] [--warmup-ratio W]
//  [--scheduler NAME] [--weight-decay D] [--eval-split F] [--seed S] [--resume]
//  [--gradient-checkpointing | --no-gradient-checkpointing]` (default: checkpoint per layer only
//  when keeping every layer's activations would cost more than 1 GiB)
//
// Writes ODIR/adapter_model.safetensors + adapter_config.json (PEFT), ODIR/metrics.jsonl (one
// JSON object per optimizer step: step, loss, lr, grad_norm, tokens, elapsed_s, and eval_loss when
// evaluated) and ODIR/checkpoint.safetensors (LoRA + AdamW state + step: `--resume` continues from
// it; Ctrl-C stops after the current step and saves it). A progress line runs on stderr.
import { appendFileSync, existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatPlan } from '../model/plan.ts';
import { loadModelConfig } from '../model/weights.ts';
import type { StepEvent, TrainEvent } from '../train/events.ts';
import { kSchedulers, type SchedulerName } from '../train/schedule.ts';
import { createTrainer } from '../train/trainer.ts';
import { parseFlags, usage, UsageError, type FlagSpec } from './args.ts';
import { describeAdapter, nodeContext } from './device.ts';
import { loadDataset, openModel, openTokenizer } from './train-io.ts';

const kSpec = {
  model: {
    type: 'string',
    required: true,
    metavar: 'DIR|HUB_ID',
    help: 'base model folder or Hub id',
  },
  data: { type: 'string', required: true, metavar: 'FILE', help: 'JSONL dataset' },
  out: {
    type: 'string',
    required: true,
    metavar: 'ODIR',
    help: 'output folder (adapter, metrics)',
  },
  steps: { type: 'int', metavar: 'N', help: 'optimizer steps (instead of --epochs)' },
  epochs: { type: 'number', metavar: 'E', help: 'epochs (default 1)' },
  lr: { type: 'number', metavar: 'F', help: 'peak learning rate (default 2e-4)' },
  rank: { type: 'int', metavar: 'R', help: 'LoRA rank (default 16)' },
  alpha: { type: 'number', metavar: 'A', help: 'LoRA alpha (default 32)' },
  dropout: { type: 'number', metavar: 'P', help: 'LoRA dropout (default 0.05)' },
  targets: { type: 'string', metavar: 'all-linear|LIST', help: 'LoRA targets, e.g. q_proj,v_proj' },
  'batch-size': { type: 'int', metavar: 'B', help: 'rows per micro-batch (default 1)' },
  'grad-accum': { type: 'int', metavar: 'G', help: 'micro-batches per optimizer step (default 1)' },
  'max-length': { type: 'int', metavar: 'L', help: 'tokens per row (default 2048)' },
  packing: { type: 'boolean', help: 'pack examples into rows (default)' },
  'no-packing': { type: 'boolean', help: 'one example per row, padded' },
  'warmup-ratio': {
    type: 'number',
    metavar: 'W',
    help: 'warmup fraction of the steps (default 0.03)',
  },
  scheduler: { type: 'string', metavar: 'NAME', help: `LR schedule: ${kSchedulers.join(', ')}` },
  'weight-decay': { type: 'number', metavar: 'D', help: 'AdamW weight decay (default 0)' },
  'eval-split': { type: 'number', metavar: 'F', help: 'fraction held out for eval (default 0)' },
  seed: { type: 'int', metavar: 'S', help: 'random seed (default 42)' },
  resume: { type: 'boolean', help: 'continue from ODIR/checkpoint.safetensors' },
  'gradient-checkpointing': {
    type: 'boolean',
    help: 'recompute each layer in the backward (default: when keeping all costs > 1 GiB)',
  },
  'no-gradient-checkpointing': { type: 'boolean', help: "keep every layer's activations" },
  help: { type: 'boolean', help: 'show this help' },
} satisfies FlagSpec;

const kSummary = 'Fine-tune a model with LoRA on a JSONL dataset; writes a PEFT adapter.';

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(usage('train', kSummary, kSpec));
    return 0;
  }
  const { flags: f } = parseFlags('train', kSpec, argv);
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
  const ckptPath = join(outDir, 'checkpoint.safetensors');
  const metricsPath = join(outDir, 'metrics.jsonl');
  let resumeFrom: Uint8Array | undefined;
  if (f.resume) {
    if (!existsSync(ckptPath))
      throw new UsageError(`train: --resume but ${ckptPath} does not exist`);
    resumeFrom = new Uint8Array(await readFile(ckptPath));
  }

  const src = openModel(f.model!);
  const config = await loadModelConfig(src);
  const tok = await openTokenizer(src);
  const maxLength = f['max-length'] ?? 2048;
  const data = await loadDataset(f.data!, tok, maxLength);
  if (data.examples.length === 0) {
    console.error(`train: no usable example in ${f.data}`);
    return 1;
  }
  const ctx = await nodeContext();
  const log = (s: string) => process.stderr.write(`${s}\n`);
  log(`model ${src.name} (${config.architecture}, ${config.layers} layers, vocab ${config.vocab})`);
  log(`data ${f.data}: ${data.examples.length} examples (template ${data.template.name})`);
  log(`device ${describeAdapter(ctx)}`);

  const targets =
    f.targets === undefined || f.targets === 'all-linear'
      ? 'all-linear'
      : f.targets.split(',').map((s) => s.trim());
  let lastStep: Record<string, number> | null = null;
  // A step's line is written when the next step (or the end) comes: its eval loss may follow it.
  const flush = () => {
    if (lastStep) appendFileSync(metricsPath, `${JSON.stringify(lastStep)}\n`);
    lastStep = null;
  };
  if (!f.resume) await writeFile(metricsPath, '');
  const tty = process.stderr.isTTY;
  const onEvent = (e: TrainEvent) => {
    if (e.kind === 'step') {
      flush();
      lastStep = {
        step: e.step,
        loss: e.loss ?? NaN,
        lr: e.lr,
        grad_norm: e.gradNorm ?? NaN,
        tokens: e.tokens,
        elapsed_s: Number(e.elapsedSeconds.toFixed(3)),
      };
      progress(e, tty);
    } else if (e.kind === 'eval') {
      if (lastStep && lastStep.step === e.step) lastStep.eval_loss = e.evalLoss;
      log(
        `${tty ? '\n' : ''}step ${e.step}: eval loss ${e.evalLoss.toFixed(4)} over ${e.evalTokens} tokens`,
      );
    } else if (e.kind === 'skipped') {
      log(`${tty ? '\n' : ''}step ${e.step}: skipped (${e.reason})`);
    } else if (e.kind === 'info') log(e.message);
  };

  const trainer = await createTrainer(ctx, {
    model: src,
    train: data.examples,
    resumeFrom,
    baseModelName: f.model,
    hyper: {
      maxSteps: f.steps,
      epochs: f.epochs,
      lr: f.lr,
      lora: { r: f.rank, alpha: f.alpha, dropout: f.dropout, targets },
      batchSize: f['batch-size'],
      gradAccum: f['grad-accum'],
      maxLength,
      packing: f['no-packing'] ? false : undefined,
      warmupRatio: f['warmup-ratio'],
      scheduler: f.scheduler as SchedulerName | undefined,
      weightDecay: f['weight-decay'],
      evalSplit: f['eval-split'],
      evalEvery: f['eval-split'] ? Math.max(1, Math.ceil((f.steps ?? 100) / 10)) : 0,
      seed: f.seed,
      gradientCheckpointing: f['gradient-checkpointing']
        ? true
        : f['no-gradient-checkpointing']
          ? false
          : undefined,
    },
    onEvent,
    onCheckpoint: async (bytes) => {
      await writeFile(ckptPath, bytes);
    },
  });
  log(
    `training ${trainer.totalSteps} steps from step ${trainer.step}: ${trainer.trainExamples} train / ` +
      `${trainer.evalExamples} eval examples, rows of ${trainer.seqLen} tokens ` +
      `(${(100 * trainer.realTokenRatio).toFixed(1)}% real tokens)`,
  );
  log(formatPlan(trainer.plan, 'planned device memory'));
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log('\nstopping after the current step (Ctrl-C again to abort)...');
    trainer.stop();
  };
  process.on('SIGINT', onSigint);
  try {
    await trainer.run();
  } finally {
    process.off('SIGINT', onSigint);
  }
  flush();
  const files = await trainer.exportAdapter();
  await writeFile(join(outDir, 'adapter_model.safetensors'), files['adapter_model.safetensors']);
  await writeFile(join(outDir, 'adapter_config.json'), files['adapter_config.json']);
  if (tty) process.stderr.write('\n');
  log(`wrote ${outDir}/adapter_model.safetensors, adapter_config.json, metrics.jsonl`);
  trainer.destroy();
  return interrupted ? 130 : 0;
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
