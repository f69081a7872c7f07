// The engine worker's dataset path: read the JSONL (a File or a sample URL), parse it with
// src/data, render each conversation with the chat template and tokenize it with the model's own
// tokenizer, masking everything but the assistant turns. Excluded examples (no trained token left
// after truncation, or a template that fails on them) are counted, never silently dropped.
import { createJsonlParser } from '../data/jsonl.ts';
import { tokenizeExample } from '../data/masking.ts';
import { resolveTemplate, type ChatTemplate } from '../data/templates.ts';
import type { Tokenizer } from '../data/tokenizer.ts';
import type { TokenizedExample } from '../data/types.ts';
import type { DatasetInput, TemplateChoice } from './engineProtocol.ts';

export interface PreparedData {
  name: string;
  examples: TokenizedExample[];
  /** Valid lines that were excluded (with why, for the first few). */
  excluded: { line: number; reason: string }[];
  errorLines: number;
}

export function templateFor(
  tokenizer: Tokenizer,
  choice: TemplateChoice,
  date: string,
): ChatTemplate {
  const override =
    choice.kind === 'model' ? undefined : choice.kind === 'builtin' ? choice.name : choice.source;
  return resolveTemplate(tokenizer, { override, date });
}

async function readAll(input: DatasetInput): Promise<{ name: string; text: string }> {
  if (input.kind === 'file') return { name: input.file.name, text: await input.file.text() };
  const res = await fetch(input.url);
  if (!res.ok) throw new Error(`could not fetch ${input.url} (HTTP ${res.status})`);
  return { name: input.name, text: await res.text() };
}

export async function prepareData(
  input: DatasetInput,
  tokenizer: Tokenizer,
  template: ChatTemplate,
  maxLength: number,
): Promise<PreparedData> {
  const { name, text } = await readAll(input);
  const parser = createJsonlParser();
  parser.push(text);
  const parsed = parser.end();
  const examples: TokenizedExample[] = [];
  const excluded: PreparedData['excluded'] = [];
  for (const ex of parsed.examples) {
    try {
      const t = tokenizeExample(tokenizer, template, ex, { maxLength });
      if (t.excluded) excluded.push({ line: ex.line, reason: t.excluded });
      else examples.push(t);
    } catch (e) {
      excluded.push({ line: ex.line, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  const errorLines = new Set(parsed.errors.map((e) => e.line)).size;
  return { name, examples, excluded, errorLines };
}
