// Checkpoints as bytes the host stores (a file in Node, OPFS/IndexedDB in the browser): one
// safetensors blob with the flat LoRA weights and AdamW moments, and in its metadata the step,
// the hyperparameters and what the data order derives from (seed, row length), so that a resumed
// run continues the very same run. The metadata also carries a CRC-32 of the three tensors' bytes:
// a checkpoint with flipped or missing bytes is refused with a message that says so.
import type { LoraSpec } from '../model/lora.ts';
import type { TrainHyper } from './config.ts';
import { crc32 } from './crc32.ts';
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
      crc32: String(crc32([s.params, s.m, s.v])),
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
  let decoded;
  try {
    decoded = decodeSafetensors(bytes);
  } catch (e) {
    throw new CheckpointError(
      `the file is damaged or truncated (${bytes.length} bytes): ${(e as Error).message}`,
    );
  }
  const { tensors, metadata } = decoded;
  if (metadata.format !== kCheckpointFormat) {
    throw new CheckpointError(`not an SFT Studio checkpoint (format ${metadata.format ?? 'none'})`);
  }
  let meta: Omit<CheckpointState, 'params' | 'm' | 'v'>;
  try {
    meta = JSON.parse(metadata.state) as Omit<CheckpointState, 'params' | 'm' | 'v'>;
  } catch {
    throw new CheckpointError('its run state (metadata) is not valid JSON: the file is damaged');
  }
  const get = (k: string) => {
    const t = tensors.get(k);
    if (!t) throw new CheckpointError(`tensor ${k} missing`);
    return t.data;
  };
  const out = { ...meta, params: get('lora'), m: get('adam_m'), v: get('adam_v') };
  // Checkpoints written before the checksum existed have none; every newer one must match.
  if (metadata.crc32 !== undefined) {
    const crc = crc32([out.params, out.m, out.v]);
    if (String(crc) !== metadata.crc32) {
      throw new CheckpointError(
        `checksum mismatch (stored ${metadata.crc32}, computed ${crc}): the file is damaged`,
      );
    }
  }
  return out;
}
