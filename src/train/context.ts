// What the engine needs from its host, checked: a GpuContext around the host's GPUDevice (the
// browser worker passes a bare device, the CLI a context), and token ids that index the model's
// vocabulary (a mismatched tokenizer would make the GPU read outside the embedding table).
import { GpuContext } from '../gpu/context.ts';
import { deviceInfoOf } from '../gpu/device.ts';
import type { TokenizedExample } from '../data/types.ts';

/** A GpuContext for a bare GPUDevice (the browser worker passes one). */
export function contextFor(device: GPUDevice | GpuContext): GpuContext {
  if (device instanceof GpuContext) return device;
  return new GpuContext(device, deviceInfoOf(device, device.adapterInfo));
}

/** Token ids and labels must index the model's vocabulary (else the GPU would read garbage). */
export function checkTokenIds(examples: TokenizedExample[], vocab: number, what: string): void {
  for (const e of examples) {
    for (let j = 0; j < e.inputIds.length; j++) {
      const id = e.inputIds[j];
      const label = e.labels[j];
      if (
        !(Number.isInteger(id) && id >= 0 && id < vocab) ||
        !(label === -100 || (label >= 0 && label < vocab))
      ) {
        throw new Error(
          `${what} example at line ${e.line}: token ${j} (id ${id}, label ${label}) is outside the ` +
            `model's vocabulary of ${vocab}: was the data tokenized with this model's tokenizer?`,
        );
      }
    }
  }
}
