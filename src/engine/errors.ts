// Failures as both hosts and the UI see them: every error the engine (or the data path under it)
// raises is classified into a kind, so the studio can say what to do for each (a smaller max
// length for out-of-memory, a new device after a device loss, fix the file for bad input) and the
// CLI can print one clear line instead of a stack trace. `EngineFailure` is plain data: it crosses
// the worker boundary as it is.
import { TemplateError } from '../data/templates.ts';
import { TokenizerLoadError } from '../data/tokenizer.ts';
import { WebGPUUnavailableError } from '../gpu/device.ts';
import {
  DeviceLostError,
  GpuOutOfMemoryError,
  ShaderCompileError,
  ShapeError,
} from '../gpu/errors.ts';
import { CheckpointMismatchError } from '../model/params.ts';
import { ModelConfigError, UnsupportedArchitectureError } from '../model/config.ts';
import { UnsupportedDtypeError } from '../model/io/dtype.ts';
import { ModelFileNotFoundError, ModelSourceError } from '../model/source.ts';
import { SafetensorsError } from '../model/safetensors.ts';
import { AdapterError } from '../train/adapter.ts';
import { CheckpointError } from '../train/checkpoint.ts';
import { TrainConfigError } from '../train/config.ts';
import { FaultPlanError } from '../train/faults.ts';
import { TrainDivergedError, TrainOutOfMemoryError } from '../train/step-guard.ts';

export type EngineErrorKind =
  /** No WebGPU here (browser, flag, or no adapter). */
  | 'webgpu-unavailable'
  /** The GPU device was lost (driver reset, another app, sleep). */
  | 'device-lost'
  /** An allocation failed or would exceed the adapter's limits. */
  | 'out-of-memory'
  /** Training went numerically wrong: NaN/Inf gradients step after step. */
  | 'diverged'
  /** The user's input is wrong: a file, a setting, a checkpoint, an adapter, a template. */
  | 'bad-input'
  /** A model the engine does not support (architecture, dtype). */
  | 'unsupported-model'
  /** A download failed (network, endpoint, token). */
  | 'network'
  /** The user stopped it. */
  | 'cancelled'
  /** A bug in the studio: a shader that does not compile, a shape mismatch. */
  | 'internal';

export interface EngineFailure {
  kind: EngineErrorKind;
  /** What happened, with where (file, line, field) when known. */
  message: string;
  /** What to do about it. */
  hint: string;
}

/** An error raised by the engine itself with its kind already known. */
export class EngineError extends Error {
  constructor(
    readonly kind: EngineErrorKind,
    message: string,
    readonly hint = kHints[kind],
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

export const kHints: Readonly<Record<EngineErrorKind, string>> = {
  'webgpu-unavailable':
    'Use a recent Chrome or Edge with WebGPU enabled; the Model and Dataset steps still work without it.',
  'device-lost':
    'Resume from the last checkpoint on a new device (the studio takes one by itself; the CLI: run the same command with --resume). If it keeps happening, lower the max length or the micro-batch, or close other apps that use the GPU.',
  'out-of-memory':
    'Lower the max length or the micro-batch, turn gradient checkpointing on, or pick a smaller model, and start the run again; if other programs were using the GPU, closing them and resuming from the last checkpoint may be enough.',
  diverged:
    'Start again with a lower learning rate (a third of it, say), and check the data for broken rows; a resume would keep the same settings.',
  'bad-input': 'Fix the input named in the message and try again.',
  'unsupported-model':
    'Pick a Llama, Mistral, Qwen2 or Qwen3 model with F32, F16 or BF16 safetensors weights.',
  network:
    'Check the connection, the Hub endpoint and, for gated or private repos, the access token; files already downloaded are cached.',
  cancelled: 'Nothing to do: it was stopped on request.',
  internal:
    'This is a bug in SFT Studio: please report the message. Reloading the page or restarting the command may help.',
};

function kindOf(e: unknown): EngineErrorKind {
  if (e instanceof EngineError) return e.kind;
  if (e instanceof WebGPUUnavailableError) return 'webgpu-unavailable';
  if (e instanceof DeviceLostError) return 'device-lost';
  if (e instanceof GpuOutOfMemoryError || e instanceof TrainOutOfMemoryError)
    return 'out-of-memory';
  if (e instanceof TrainDivergedError) return 'diverged';
  if (typeof GPUOutOfMemoryError !== 'undefined' && e instanceof GPUOutOfMemoryError)
    return 'out-of-memory';
  if (e instanceof UnsupportedArchitectureError || e instanceof UnsupportedDtypeError)
    return 'unsupported-model';
  if (e instanceof ModelFileNotFoundError) return 'bad-input';
  if (e instanceof ModelSourceError || e instanceof TokenizerLoadError) {
    return /HTTP|fetch|network|endpoint|download/i.test(e.message) ? 'network' : 'bad-input';
  }
  if (
    e instanceof TrainConfigError ||
    e instanceof FaultPlanError ||
    e instanceof CheckpointError ||
    e instanceof CheckpointMismatchError ||
    e instanceof AdapterError ||
    e instanceof ModelConfigError ||
    e instanceof SafetensorsError ||
    e instanceof TemplateError
  )
    return 'bad-input';
  if (e instanceof ShaderCompileError || e instanceof ShapeError) return 'internal';
  if (e instanceof TypeError && /fetch/i.test(e.message)) return 'network';
  if (e instanceof DOMException && e.name === 'AbortError') return 'cancelled';
  return 'internal';
}

/** Any thrown value as plain data with its kind and what to do. */
export function toFailure(e: unknown): EngineFailure {
  const kind = kindOf(e);
  const message = e instanceof Error ? e.message : String(e);
  const hint = e instanceof EngineError ? e.hint : kHints[kind];
  return { kind, message, hint };
}
