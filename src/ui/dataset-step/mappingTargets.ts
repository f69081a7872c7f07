// The column-mapping targets the mapping dialog offers, grouped by the standard format they
// produce (as src/data/mapping.ts groups them: Alpaca, prompt/completion, text, chat), with what
// each one means, and the checks the dialog needs before it asks the worker to re-read: which
// format a mapping is in, whether its required targets are set, and its `--columns` spec.
import type { ColumnMapping, MappingTarget } from '../../worker/protocol.ts';

export type MappingMode = 'alpaca' | 'prompt_completion' | 'text' | 'messages';

export interface TargetSpec {
  target: MappingTarget;
  label: string;
  required: boolean;
  /** A top-level column, a key inside each message, or a role value. */
  kind: 'column' | 'key' | 'value';
  /** What an empty field means. */
  placeholder?: string;
}

export const kMappingModes: Record<MappingMode, { label: string; targets: TargetSpec[] }> = {
  alpaca: {
    label: 'Instruction / answer (Alpaca)',
    targets: [
      { target: 'instruction', label: 'Instruction (user turn)', required: true, kind: 'column' },
      { target: 'input', label: 'Input (joins the user turn)', required: false, kind: 'column' },
      { target: 'output', label: 'Output (assistant turn)', required: true, kind: 'column' },
      { target: 'system', label: 'System prompt', required: false, kind: 'column' },
    ],
  },
  prompt_completion: {
    label: 'Prompt / completion',
    targets: [
      { target: 'prompt', label: 'Prompt (user turn)', required: true, kind: 'column' },
      {
        target: 'completion',
        label: 'Completion (assistant turn)',
        required: true,
        kind: 'column',
      },
    ],
  },
  text: {
    label: 'Plain text',
    targets: [{ target: 'text', label: 'Text (all trained)', required: true, kind: 'column' }],
  },
  messages: {
    label: 'Chat (a list of messages)',
    targets: [
      { target: 'messages', label: 'Message list', required: true, kind: 'column' },
      {
        target: 'role',
        label: 'Role key in each message',
        required: false,
        kind: 'key',
        placeholder: 'role (or from)',
      },
      {
        target: 'content',
        label: 'Content key in each message',
        required: false,
        kind: 'key',
        placeholder: 'content (or value)',
      },
      {
        target: 'role.user',
        label: 'Role value for user',
        required: false,
        kind: 'value',
        placeholder: 'user, human, …',
      },
      {
        target: 'role.assistant',
        label: 'Role value for assistant',
        required: false,
        kind: 'value',
        placeholder: 'assistant, gpt, bot, …',
      },
      {
        target: 'role.system',
        label: 'Role value for system',
        required: false,
        kind: 'value',
        placeholder: 'system',
      },
    ],
  },
};

export const kModeOrder: MappingMode[] = ['alpaca', 'prompt_completion', 'text', 'messages'];

/** The format a mapping is in (by its first target), null for an empty mapping. */
export function modeOf(mapping: ColumnMapping): MappingMode | null {
  for (const mode of kModeOrder) {
    if (kMappingModes[mode].targets.some((t) => mapping[t.target])) return mode;
  }
  return null;
}

/** The mapping's targets of this format only, empty fields left out. */
export function restrictTo(mode: MappingMode, mapping: ColumnMapping): ColumnMapping {
  const out: ColumnMapping = {};
  for (const { target } of kMappingModes[mode].targets) {
    const v = mapping[target]?.trim();
    if (v) out[target] = v;
  }
  return out;
}

/** The required targets not set yet. */
export function missingTargets(mode: MappingMode, mapping: ColumnMapping): TargetSpec[] {
  return kMappingModes[mode].targets.filter((t) => t.required && !mapping[t.target]);
}

/** `target=column` pairs, as `--columns` takes them (the worker's spec is the reference). */
export function specOf(mode: MappingMode, mapping: ColumnMapping): string {
  return kMappingModes[mode].targets
    .filter((t) => mapping[t.target])
    .map((t) => `${t.target}=${mapping[t.target]}`)
    .join(',');
}
