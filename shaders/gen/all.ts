// Every generated shader, as text: the list of generators. index.ts (npm run gen:shaders) writes
// them; test/shaders/generated.test.ts fails when a committed file differs from what
// `generatedShaders()` returns, so the unrolled lines are only ever changed in shaders/gen/.
// Shaders no generator lists stay hand-written.
import { attentionShaders } from './attention.ts';
import { crossentropyShaders } from './crossentropy.ts';
import { crossentropyScalarShaders } from './crossentropy_scalar.ts';
import { loraShaders } from './lora.ts';
import { loraScalarShaders } from './lora_scalar.ts';
import { matmulShaders } from './matmul.ts';
import { matmulScalarShaders } from './matmul_scalar.ts';
import { ropeShaders } from './rope.ts';

/** Every generated file: path relative to the repository root → its full text. Pure. */
export function generatedShaders(): Record<string, string> {
  const all: Record<string, string> = {};
  const parts = [
    attentionShaders(),
    crossentropyShaders(),
    crossentropyScalarShaders(),
    loraShaders(),
    loraScalarShaders(),
    matmulShaders(),
    matmulScalarShaders(),
    ropeShaders(),
  ];
  for (const part of parts) {
    for (const [path, text] of Object.entries(part)) {
      if (path in all) throw new Error(`${path} is written by two generators`);
      all[path] = text;
    }
  }
  return all;
}
