// The flags several commands share, defined once so that their names, placeholders and help read
// the same everywhere (and the defaults come from the engine's tables).
import { kDefaultSettings } from '../engine/index.ts';
import type { FlagDef } from './args.ts';

export const kModelFlag = {
  type: 'string',
  required: true,
  metavar: 'DIR|HUB_ID',
  help: 'base model folder or Hub id',
} as const satisfies FlagDef;

export const kAdapterFlag = {
  type: 'string',
  metavar: 'ODIR',
  help: 'PEFT LoRA adapter folder (default: none)',
} as const satisfies FlagDef;

export const kTemplateFlag = {
  type: 'string',
  metavar: 'NAME',
  help: "chat template: 'tokenizer' (default), chatml, llama3, mistral, or Jinja source",
} as const satisfies FlagDef;

export const kMaxLengthFlag = {
  type: 'int',
  metavar: 'L',
  help: `truncate examples to L tokens (default ${kDefaultSettings.maxLength})`,
} as const satisfies FlagDef;

export const kHelpFlag = { type: 'boolean', help: 'show this help' } as const satisfies FlagDef;
