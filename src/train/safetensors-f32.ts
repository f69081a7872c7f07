// The trainer's own files (adapters and checkpoints: F32 tensors plus `__metadata__`) in
// safetensors, through the model layer's reader and writer (src/model/safetensors.ts), with the
// tensors as Float32Array (F16/BF16 tensors of adapters made elsewhere are widened).
import { parseSafetensors, serializeSafetensors, toFloat32 } from '../model/safetensors.ts';

export interface F32Tensor {
  shape: number[];
  data: Float32Array;
}

export function encodeSafetensors(
  tensors: [string, F32Tensor][],
  metadata: Record<string, string> = { format: 'pt' },
): Uint8Array {
  return serializeSafetensors(
    tensors.map(([name, t]) => ({ name, dtype: 'F32' as const, shape: t.shape, data: t.data })),
    metadata,
  );
}

export interface DecodedSafetensors {
  tensors: Map<string, F32Tensor>;
  metadata: Record<string, string>;
}

export function decodeSafetensors(bytes: Uint8Array): DecodedSafetensors {
  const parsed = parseSafetensors(bytes);
  const tensors = new Map<string, F32Tensor>();
  for (const [name, t] of parsed.tensors) {
    tensors.set(name, { shape: t.shape, data: toFloat32(t.dtype, t.data) });
  }
  return { tensors, metadata: parsed.metadata };
}
