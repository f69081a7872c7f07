// The float64 PyTorch reference (torch_ref.py, Debian's python3-torch run by /usr/bin/python3)
// from TypeScript: run it on a model dir, an optional PEFT adapter dir and a batch, get the loss,
// the trained-token count and the LoRA gradients back. `torchAvailable()` tells whether it can run
// here; `requireTorch()` is what tests call: false with a visible notice on a developer machine
// without python3-torch, a failure under CI=true (CI installs python3-torch).
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serializeSafetensors } from '../../src/model/safetensors.ts';

export const kPython = '/usr/bin/python3';
const kScript = join(dirname(fileURLToPath(import.meta.url)), 'torch_ref.py');

export interface TorchBatch {
  input_ids: number[][];
  /** Default: input_ids. -100 = not trained. */
  labels?: number[][];
  /** Packed rows: positions restart at each example; attention stays within an example. */
  position_ids?: number[][];
  segment_ids?: number[][];
  /** 0 marks a padding key. */
  attention_mask?: number[][];
  /** Divide the loss sum by this instead of the batch's own trained-token count. */
  num_items?: number;
  /** LoRA weights inline instead of an adapter dir (keys as in adapter_model.safetensors). */
  lora_init?: {
    config: PeftLoraConfig;
    tensors: Record<string, { shape: number[]; data: number[] }>;
  };
  return_hidden?: boolean;
  return_logits?: boolean;
  return_token_losses?: boolean;
  return_rope?: boolean;
}

export interface PeftLoraConfig {
  r: number;
  lora_alpha: number;
  use_rslora?: boolean;
  target_modules?: string[];
  [key: string]: unknown;
}

export interface TorchResult {
  /** loss_sum / tokens (or / num_items). */
  loss: number;
  /** Trained tokens after the HF shift. */
  tokens: number;
  loss_sum: number;
  /** d loss / d (every lora_A and lora_B), keyed as in adapter_model.safetensors. */
  grads: Record<string, { shape: number[]; data: number[] }>;
  /** Embeddings, then each layer's output; the last one after the final norm (as HF). */
  hidden_states?: number[][][][];
  rope_inv_freq?: number[];
  logits?: number[][][];
  token_losses?: number[][];
}

let available: boolean | null = null;

/** Whether /usr/bin/python3 can import torch and numpy. */
export function torchAvailable(): boolean {
  if (available === null) {
    const r = spawnSync(kPython, ['-c', 'import torch, numpy'], { stdio: 'ignore' });
    available = r.status === 0;
  }
  return available;
}

/**
 * For tests: true when the reference can run. Outside CI a missing torch prints a notice and
 * returns false (skip); under CI=true it throws.
 */
export function requireTorch(what = 'torch reference tests'): boolean {
  if (torchAvailable()) return true;
  const msg = `${what}: ${kPython} cannot import torch (apt-get install python3-torch)`;
  if (process.env.CI === 'true') throw new Error(msg);
  console.warn(`[skipped] ${msg}`);
  return false;
}

/** Run the reference. Rejects with the script's stderr on failure. */
export function runTorchReference(
  modelDir: string,
  adapterDir: string | null,
  batch: TorchBatch,
): Promise<TorchResult> {
  return spawnReference(modelDir, adapterDir, batch) as Promise<TorchResult>;
}

/** Several batches in one Python process (the model is loaded once): one result per batch. */
export function runTorchReferenceMany(
  modelDir: string,
  adapterDir: string | null,
  batches: TorchBatch[],
): Promise<TorchResult[]> {
  return spawnReference(modelDir, adapterDir, batches) as Promise<TorchResult[]>;
}

function spawnReference(
  modelDir: string,
  adapterDir: string | null,
  batch: TorchBatch | TorchBatch[],
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const args = [kScript, modelDir, ...(adapterDir ? [adapterDir] : [])];
    const child = spawn(kPython, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, OMP_NUM_THREADS: '1' },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      const stderr = Buffer.concat(err).toString();
      if (code !== 0) {
        reject(new Error(`torch_ref.py exited with ${code}:\n${stderr}`));
        return;
      }
      try {
        resolve(JSON.parse(Buffer.concat(out).toString()));
      } catch (e) {
        reject(new Error(`torch_ref.py printed invalid JSON (${(e as Error).message})\n${stderr}`));
      }
    });
    child.stdin.end(JSON.stringify(batch));
  });
}

/** LoRA tensors inline in a batch (`lora_init`), instead of an adapter dir. */
export function loraInit(
  config: PeftLoraConfig,
  tensors: Record<string, { shape: number[]; data: Float32Array }>,
): NonNullable<TorchBatch['lora_init']> {
  const out: Record<string, { shape: number[]; data: number[] }> = {};
  for (const [k, t] of Object.entries(tensors))
    out[k] = { shape: t.shape, data: Array.from(t.data) };
  return { config, tensors: out };
}

/**
 * Write a PEFT adapter dir (adapter_model.safetensors F32 + adapter_config.json) from host arrays,
 * for reference runs independent of the engine's exporter.
 */
export async function writeTestAdapter(
  dir: string,
  config: PeftLoraConfig,
  tensors: Record<string, { shape: number[]; data: Float32Array }>,
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const list = Object.entries(tensors).map(([name, t]) => ({
    name,
    dtype: 'F32' as const,
    shape: t.shape,
    data: t.data,
  }));
  await writeFile(join(dir, 'adapter_model.safetensors'), serializeSafetensors(list));
  const full = {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    bias: 'none',
    fan_in_fan_out: false,
    lora_dropout: 0,
    use_rslora: false,
    ...config,
  };
  await writeFile(join(dir, 'adapter_config.json'), JSON.stringify(full, null, 2));
  return dir;
}
