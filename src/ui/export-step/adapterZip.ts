// The loadable adapter as one download: PEFT needs adapter_model.safetensors and
// adapter_config.json side by side (either alone does not load), so `download-adapter` saves both,
// with the model card, in one zip (fflate; stored, not deflated: the F32 weights barely compress).
import { strToU8, zipSync } from 'fflate';
import type { ExportFiles } from '../../worker/engineProtocol.ts';

export const kAdapterZipName = 'adapter.zip';

export function adapterZip(f: ExportFiles): Uint8Array {
  return zipSync(
    {
      'adapter_model.safetensors': f.adapterSafetensors,
      'adapter_config.json': strToU8(f.adapterConfig),
      'README.md': strToU8(f.modelCard),
    },
    { level: 0 },
  );
}
