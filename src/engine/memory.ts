// The device memory a run needs, before anything is allocated: the planner's exact buffer list for
// the model's config and the run's sizes (the trainer allocates from this very list), against what
// the adapter allows. WebGPU does not say how much memory a GPU has; its limits bound single
// buffers, so the total is compared with a budget: half the machine's RAM where the host knows it
// (browsers cap navigator.deviceMemory at 8 GB), else 4 GiB.
import type { DeviceInfo } from '../gpu/device.ts';
import type { ModelConfig } from '../model/config.ts';
import { resolveTargets } from '../model/lora.ts';
import {
  chooseKeepActivations,
  formatPlan,
  planMemory,
  type MemoryPlan,
  type PlanInput,
  type WeightDtype,
} from '../model/plan.ts';
import type { TrainSettings } from './settings.ts';

export { formatPlan, type MemoryPlan };

/** The settings that decide device memory. */
export type MemoryKnobs = Pick<
  TrainSettings,
  'maxLength' | 'microBatch' | 'r' | 'targets' | 'dropout' | 'gradientCheckpointing'
>;

export interface MemoryEstimate {
  /** Bytes by category (weights, lora, grads, optimizer, activations, scratch). */
  byCategory: Record<string, number>;
  total: number;
  /** Largest single buffer, against the adapter's binding limit. */
  largestBuffer: { name: string; bytes: number };
  /** What `total` is compared with, and where that number comes from. */
  budget: number;
  budgetSource: string;
  level: 'ok' | 'warn' | 'error';
  message: string;
  knobs: MemoryKnobs;
}

function weightDtypeOf(cfg: ModelConfig): WeightDtype {
  if (cfg.torchDtype === 'bfloat16') return 'bf16';
  if (cfg.torchDtype === 'float16') return 'f16';
  return 'f32';
}

const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
export const fmtBytes = (b: number): string => (b >= 2 ** 30 ? gib(b) : mib(b));

/** The training plan for these settings, with activation checkpointing decided as the trainer does. */
export function planTraining(
  cfg: ModelConfig,
  knobs: MemoryKnobs,
  seqLen = knobs.maxLength,
): MemoryPlan {
  const input: PlanInput = {
    config: cfg,
    seqLen,
    rows: knobs.microBatch,
    r: knobs.r,
    targets: resolveTargets(knobs.targets),
    weightDtype: weightDtypeOf(cfg),
    dropout: knobs.dropout > 0,
    training: true,
  };
  const gc = knobs.gradientCheckpointing;
  const keep = gc === 'auto' ? chooseKeepActivations(input) : !gc;
  return planMemory({ ...input, keepActivations: keep });
}

export function estimateMemory(
  cfg: ModelConfig,
  knobs: MemoryKnobs,
  device: Pick<DeviceInfo, 'maxBufferSize' | 'maxStorageBufferBindingSize'> | null,
  ramGB?: number,
): MemoryEstimate {
  const plan = planTraining(cfg, knobs);
  const largest = plan.buffers.reduce((a, b) => (b.bytes > a.bytes ? b : a), plan.buffers[0]);
  const budget = ramGB ? (ramGB * 2 ** 30) / 2 : 4 * 2 ** 30;
  const budgetSource = ramGB
    ? `half of this machine's ${ramGB} GB of RAM as the browser reports it`
    : 'a 4 GiB budget (the browser does not report GPU memory)';
  let level: MemoryEstimate['level'] = 'ok';
  let message = `About ${fmtBytes(plan.total)} of GPU memory; fits within ${fmtBytes(budget)}.`;
  const limit = device ? Math.min(device.maxStorageBufferBindingSize, device.maxBufferSize) : null;
  if (limit !== null && largest.bytes > limit) {
    level = 'error';
    message =
      `The largest buffer (${largest.name}, ${fmtBytes(largest.bytes)}) is over this GPU's ` +
      `limit of ${fmtBytes(limit)} per buffer: lower the max length or the micro-batch, or pick a smaller model.`;
  } else if (plan.total > budget) {
    level = 'warn';
    message =
      `About ${fmtBytes(plan.total)} of GPU memory, more than ${fmtBytes(budget)}: this may run ` +
      `out of memory. Lower the max length or the micro-batch, or pick a smaller model.`;
  }
  return {
    byCategory: { ...plan.byCategory },
    total: plan.total,
    largestBuffer: { name: largest.name, bytes: largest.bytes },
    budget,
    budgetSource,
    level,
    message,
    knobs: {
      maxLength: knobs.maxLength,
      microBatch: knobs.microBatch,
      r: knobs.r,
      targets: knobs.targets,
      dropout: knobs.dropout,
      gradientCheckpointing: knobs.gradientCheckpointing,
    },
  };
}
