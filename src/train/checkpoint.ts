// Checkpoints as bytes the host stores (a file in Node, OPFS/IndexedDB in the browser): one
// safetensors blob with the flat LoRA weights and AdamW moments, and in its metadata the step,
// the hyperparameters and what the data order derives from (seed, row length), so that a resumed
// run continues the very same run.
import type { LoraSpec } from '../model/lora.ts';
import type { TrainHyper } from './config.ts';
import { decodeSafetensors, encodeSafetensors } from './safetensors-f32.ts';

export const kCheckpointFormat = 'sft-studio-checkpoint-v1';

export interface CheckpointState {
  step: number;
  totalSteps: number;
  seqLen: number;
  hyper: TrainHyper;
  spec: LoraSpec;
  baseModel: string;
  elapsedSeconds: number;
  params: Float32Array;
  m: Float32Array;
  v: Float32Array;
}

export function encodeCheckpoint(s: CheckpointState): Uint8Array {
  const n = s.params.length;
  return encodeSafetensors(
    [
      ['lora', { shape: [n], data: s.params }],
      ['adam_m', { shape: [n], data: s.m }],
      ['adam_v', { shape: [n], data: s.v }],
    ],
    {
      format: kCheckpointFormat,
      state: JSON.stringify({
        step: s.step,
        totalSteps: s.totalSteps,
        seqLen: s.seqLen,
        hyper: s.hyper,
        spec: s.spec,
        baseModel: s.baseModel,
        elapsedSeconds: s.elapsedSeconds,
      }),
    },
  );
}

export class CheckpointError extends Error {
  constructor(detail: string) {
    super(`Cannot resume from this checkpoint: ${detail}`);
    this.name = 'CheckpointError';
  }
}

export function decodeCheckpoint(bytes: Uint8Array): CheckpointState {
  const { tensors, metadata } = decodeSafetensors(bytes);
  if (metadata.format !== kCheckpointFormat) {
    throw new CheckpointError(`not an SFT Studio checkpoint (format ${metadata.format ?? 'none'})`);
  }
  const meta = JSON.parse(metadata.state) as Omit<CheckpointState, 'params' | 'm' | 'v'>;
  const get = (k: string) => {
    const t = tensors.get(k);
    if (!t) throw new CheckpointError(`tensor ${k} missing`);
    return t.data;
  };
  return { ...meta, params: get('lora'), m: get('adam_m'), v: get('adam_v') };
}
