// Progress events the trainer emits to its host (the CLI prints and logs them; the worker posts
// them to the UI). Plain serializable objects, discriminated by `kind`.
import type { MemorySnapshot } from '../gpu/memory.ts';

export interface StepEvent {
  kind: 'step';
  /** 1-based optimizer step just completed. */
  step: number;
  totalSteps: number;
  /** Fractional epoch reached (e.g. 1.5 = halfway through the second epoch). */
  epoch: number;
  /** Mean next-token loss over the step's trained tokens (null if not read back this step). */
  loss: number | null;
  lr: number;
  /** Global L2 norm of the LoRA gradients before clipping (null if not read back). */
  gradNorm: number | null;
  /** Trained tokens in this step (all micro-batches). */
  tokens: number;
  /** Tokens processed (real, excluding padding) in this step. */
  realTokens: number;
  tokensPerSecond: number;
  elapsedSeconds: number;
  etaSeconds: number;
  memory: MemorySnapshot;
}

export interface EvalEvent {
  kind: 'eval';
  step: number;
  evalLoss: number;
  evalTokens: number;
}

export interface SkippedStepEvent {
  kind: 'skipped';
  step: number;
  reason: string;
  /** Steps skipped so far in this run (this one included). */
  skippedSteps: number;
}

export interface CheckpointEvent {
  kind: 'checkpoint';
  step: number;
  bytes: number;
}

export interface InfoEvent {
  kind: 'info';
  message: string;
  /** What the note is about, when a host may act on it: the eval loss rose while the training loss
   * fell (overfitting), the run stopped early for it, or a new best eval loss was kept. */
  topic?: 'overfitting' | 'early-stop' | 'best';
  step?: number;
}

export interface DoneEvent {
  kind: 'done';
  step: number;
  stopped: boolean;
}

export type TrainEvent =
  StepEvent | EvalEvent | SkippedStepEvent | CheckpointEvent | InfoEvent | DoneEvent;
