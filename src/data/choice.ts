// The user's choice of chat template (the model's own, a built-in, or their own Jinja), as the
// studio's Model step and the CLI's --template hold it, turned into a ChatTemplate for a tokenizer.
// One function, so the preview, training and generation render with the same template.
import { resolveTemplate, TemplateError, type ChatTemplate } from './templates';
import type { Tokenizer } from './tokenizer';

export type BuiltinTemplate = 'chatml' | 'llama3' | 'mistral';

export type TemplateChoice =
  | { kind: 'model' }
  | { kind: 'builtin'; name: BuiltinTemplate }
  | { kind: 'custom'; source: string };

export const kModelTemplate: TemplateChoice = { kind: 'model' };

/** The template override string for `resolveTemplate` (undefined: the tokenizer's own). */
export function templateOverride(choice: TemplateChoice): string | undefined {
  if (choice.kind === 'model') return undefined;
  if (choice.kind === 'builtin') return choice.name;
  if (!choice.source.trim())
    throw new TemplateError('the custom template is empty: type a Jinja template');
  if (!choice.source.includes('{{') && !choice.source.includes('{%')) {
    throw new TemplateError('a custom template must be Jinja (with {{ … }} or {% … %})');
  }
  return choice.source;
}

/** The chat template for `choice`, with `date` pinned for templates that print today's date. */
export function chatTemplateFor(
  tok: Tokenizer,
  choice: TemplateChoice,
  date?: string,
): ChatTemplate {
  return resolveTemplate(tok, { override: templateOverride(choice), date });
}
