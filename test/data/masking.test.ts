// Loss masks on real tokenizers with their real chat templates: for multi-turn conversations the
// trained tokens decode to exactly the assistant contents plus their end-of-turn tokens, in order;
// headers, system and user turns and generation prompts are masked; no double BOS; labels are
// unshifted and aligned; the ids are exactly the tokenization of the rendered conversation.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tokenizeAll, tokenizeExample, trainedRuns } from '../../src/data/masking';
import { parseJsonl } from '../../src/data/jsonl';
import { resolveTemplate, type ChatTemplate } from '../../src/data/templates';
import type { Tokenizer } from '../../src/data/tokenizer';
import {
  kIgnoreIndex,
  type Example,
  type Message,
  type TokenizedExample,
} from '../../src/data/types';
import { lenmlTokenizer } from './lenml';

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/data/${name}`, import.meta.url), 'utf8');
const llama32 = fixture('llama-3.2-chat-template.jinja');
const multiturn = parseJsonl(fixture('multiturn.jsonl')).examples;

const chat = (messages: Message[], line = 1): Example => ({ line, format: 'messages', messages });
const convo = chat([
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Capital of France?' },
  { role: 'assistant', content: 'Paris.' },
  { role: 'user', content: 'And of Việt Nam?' },
  { role: 'assistant', content: 'Hà Nội.' },
]);

function trainedTexts(tok: Tokenizer, r: TokenizedExample): string[] {
  return trainedRuns(r).map((run) => tok.decode(run.map((t) => r.inputIds[t])));
}

/** Invariants every tokenized chat example must satisfy. */
function check(tok: Tokenizer, tpl: ChatTemplate, ex: Example, maxLength = 4096): TokenizedExample {
  const r = tokenizeExample(tok, tpl, ex, { maxLength });
  expect(r.labels).toHaveLength(r.inputIds.length);
  expect(r.roles).toHaveLength(r.inputIds.length);
  r.labels.forEach((l, t) => expect(l === kIgnoreIndex || l === r.inputIds[t]).toBe(true));
  // exactly what apply_chat_template(tokenize=True) gives (plus BOS when the tokenizer adds it)
  const ids = tok.encode(tpl.render(ex.messages));
  const expected =
    tok.addsBos && ids[0] !== tok.bosId && tok.bosId !== null ? [tok.bosId, ...ids] : ids;
  expect(r.inputIds).toEqual(expected.slice(0, maxLength));
  if (tok.bosId !== null)
    expect(r.inputIds.filter((id) => id === tok.bosId).length).toBeLessThanOrEqual(1);
  r.roles.forEach((role, t) =>
    expect(role === 'assistant' || r.labels[t] === kIgnoreIndex).toBe(true),
  );
  return r;
}

const answers = (ex: Example) =>
  ex.messages.filter((m) => m.role === 'assistant').map((m) => m.content);

describe('Llama-3 (its own template, which always appends a generation header)', () => {
  const tok = lenmlTokenizer('llama3');
  const tpl = resolveTemplate(tok);

  it('trains each assistant turn plus <|eot_id|>, in order; the trailing header is masked', () => {
    const r = check(tok, tpl, convo);
    expect(trainedTexts(tok, r)).toEqual(['Paris.<|eot_id|>', 'Hà Nội.<|eot_id|>']);
    expect(r.inputIds[0]).toBe(tok.bosId);
    expect(tok.decode(r.inputIds.slice(-4))).toBe(
      '<|start_header_id|>assistant<|end_header_id|>\n\n',
    );
    expect(r.labels.slice(-4).every((l) => l === kIgnoreIndex)).toBe(true);
  });

  it('the multi-turn fixture, including Vietnamese, trains exactly the answers', () => {
    for (const ex of multiturn) {
      const r = check(tok, tpl, ex);
      expect(trainedTexts(tok, r)).toEqual(answers(ex).map((a) => `${a.trim()}<|eot_id|>`));
      expect(r.roles.filter((x) => x === 'system').length > 0).toBe(
        ex.messages[0].role === 'system',
      );
    }
  });

  it('trains what the template renders: trimmed content', () => {
    const r = check(
      tok,
      tpl,
      chat([
        { role: 'user', content: ' q ' },
        { role: 'assistant', content: '  spaced answer \n' },
      ]),
    );
    expect(trainedTexts(tok, r)).toEqual(['spaced answer<|eot_id|>']);
  });
});

describe('Llama-3.1 tokenizer (adds BOS itself) with the official Llama-3.2 template', () => {
  const tok = lenmlTokenizer('llama3_1', { chat_template: llama32 });
  const tpl = resolveTemplate(tok);

  it('one BOS only, system block with the pinned date masked, answers trained', () => {
    expect(tok.addsBos).toBe(true);
    const r = check(tok, tpl, convo);
    expect(r.inputIds.filter((id) => id === tok.bosId)).toHaveLength(1);
    expect(tok.decode(r.inputIds)).toContain('Today Date: 26 Jul 2024');
    expect(trainedTexts(tok, r)).toEqual(['Paris.<|eot_id|>', 'Hà Nội.<|eot_id|>']);
  });

  it('a conversation without system message still gets the masked date block', () => {
    for (const ex of multiturn) {
      const r = check(tok, tpl, ex);
      expect(trainedTexts(tok, r)).toEqual(answers(ex).map((a) => `${a.trim()}<|eot_id|>`));
    }
  });

  it('the lenml Llama-3.1 template (no date) behaves the same', () => {
    const own = lenmlTokenizer('llama3_1');
    const r = check(own, resolveTemplate(own), convo);
    expect(trainedTexts(own, r)).toEqual(['Paris.<|eot_id|>', 'Hà Nội.<|eot_id|>']);
  });
});

describe('Qwen3 (ChatML with thinking tags)', () => {
  const tok = lenmlTokenizer('qwen3');
  const tpl = resolveTemplate(tok);

  it('earlier turns: content + <|im_end|>; the last turn also trains the empty think block', () => {
    const r = check(tok, tpl, convo);
    expect(trainedTexts(tok, r)).toEqual([
      'Paris.<|im_end|>',
      '<think>\n\n</think>\n\nHà Nội.<|im_end|>',
    ]);
    // the "\n" after <|im_end|> is template, not trained
    expect(tok.decode(r.inputIds.slice(-1))).toBe('\n');
    expect(r.labels.at(-1)).toBe(kIgnoreIndex);
  });

  it('reasoning in the content: kept in the last turn, dropped by the template in earlier ones', () => {
    const r = check(
      tok,
      tpl,
      chat([
        { role: 'user', content: 'a' },
        { role: 'assistant', content: '<think>old</think>\n\nfirst' },
        { role: 'user', content: 'b' },
        { role: 'assistant', content: '<think>\nwhy\n</think>\n\nsecond' },
      ]),
    );
    expect(trainedTexts(tok, r)).toEqual([
      'first<|im_end|>',
      '<think>\nwhy\n</think>\n\nsecond<|im_end|>',
    ]);
  });

  it('the multi-turn fixture', () => {
    for (const ex of multiturn) {
      const r = check(tok, tpl, ex);
      const a = answers(ex);
      const expected = a.map(
        (x, i) => (i === a.length - 1 ? `<think>\n\n</think>\n\n${x}` : x) + '<|im_end|>',
      );
      expect(trainedTexts(tok, r)).toEqual(expected);
    }
  });
});

describe('built-in templates on tokenizers without one', () => {
  it('ChatML (Qwen3 vocabulary, template removed)', () => {
    const tok = lenmlTokenizer('qwen3', { chat_template: null });
    const tpl = resolveTemplate(tok);
    expect(tpl.name).toBe('chatml');
    for (const ex of [convo, ...multiturn]) {
      const r = check(tok, tpl, ex);
      expect(trainedTexts(tok, r)).toEqual(answers(ex).map((a) => `${a}<|im_end|>`));
    }
  });

  it('Mistral (Llama-2/Mistral SentencePiece vocabulary): content + </s>, one BOS', () => {
    const tok = lenmlTokenizer('llama2');
    const tpl = resolveTemplate(tok);
    expect(tpl.name).toBe('mistral');
    for (const ex of [convo, ...multiturn]) {
      const r = check(tok, tpl, ex);
      expect(r.inputIds[0]).toBe(tok.bosId);
      expect(trainedTexts(tok, r)).toEqual(answers(ex).map((a) => `${a}</s>`));
    }
  });

  it('Llama-3 built-in (Llama-3 vocabulary, template removed)', () => {
    const tok = lenmlTokenizer('llama3', { chat_template: null });
    const tpl = resolveTemplate(tok);
    expect(tpl.name).toBe('llama3');
    const r = check(tok, tpl, convo);
    expect(trainedTexts(tok, r)).toEqual(['Paris.<|eot_id|>', 'Hà Nội.<|eot_id|>']);
  });
});

describe('edge cases', () => {
  const tok = lenmlTokenizer('qwen3', { chat_template: null });
  const tpl = resolveTemplate(tok);

  it('an empty answer trains its end-of-turn token only', () => {
    const r = check(
      tok,
      tpl,
      chat([
        { role: 'user', content: 'q' },
        { role: 'assistant', content: '' },
      ]),
    );
    expect(trainedTexts(tok, r)).toEqual(['<|im_end|>']);
  });

  it('a trailing user turn is never trained', () => {
    const r = check(
      tok,
      tpl,
      chat([
        { role: 'user', content: 'q' },
        { role: 'assistant', content: 'a' },
        { role: 'user', content: 'more?' },
      ]),
    );
    expect(trainedTexts(tok, r)).toEqual(['a<|im_end|>']);
  });

  it('a template without end-of-turn tokens trains the content; straddling tokens are trained', () => {
    const plain = resolveTemplate(tok, {
      override: '{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}',
    });
    const r = check(tok, plain, convo);
    // byte-level BPE merges the template's space into " Paris" and its newline into ".\n": a token
    // holding any trained character is trained, so the answer is never cut short
    expect(trainedTexts(tok, r)).toEqual([' Paris.\n', ' Hà Nội.\n']);
  });

  it('truncation at the end keeps labels aligned and counts the trained tokens it loses', () => {
    const full = check(tok, tpl, convo);
    const keep = full.inputIds.length - 3;
    const r = check(tok, tpl, convo, keep);
    expect(r.inputIds).toEqual(full.inputIds.slice(0, keep));
    expect(r.labels).toEqual(full.labels.slice(0, keep));
    expect(r.fullLength).toBe(full.inputIds.length);
    const lost = full.labels.slice(keep).filter((l) => l !== kIgnoreIndex).length;
    expect(lost).toBeGreaterThan(0);
    expect(r.truncatedTrainedTokens).toBe(lost);
    expect(r.excluded).toBeUndefined();
  });

  it('an example left with no trained token is excluded, with the reason', () => {
    const r = check(tok, tpl, convo, 5);
    expect(r.inputIds).toHaveLength(5);
    expect(r.excluded).toMatch(/no trained token left after truncation to 5 tokens/);
  });

  it('text format: BOS (when the tokenizer adds one) + text + EOS, every token but BOS trained', () => {
    const l3 = lenmlTokenizer('llama3_1');
    const r = tokenizeExample(
      l3,
      resolveTemplate(l3),
      { line: 3, format: 'text', messages: [], text: 'Hello world' },
      { maxLength: 64 },
    );
    expect(r.inputIds).toEqual([l3.bosId, ...l3.encode('Hello world'), l3.eosId]);
    expect(r.labels).toEqual([kIgnoreIndex, ...r.inputIds.slice(1)]);
    const q = tokenizeExample(
      tok,
      tpl,
      { line: 3, format: 'text', messages: [], text: 'Hello world' },
      { maxLength: 64 },
    );
    expect(q.labels).toEqual(q.inputIds); // no BOS in Qwen
  });

  it('a template error on one line is reported and does not stop the others', () => {
    const strict = resolveTemplate(tok, {
      override:
        "{% for m in messages %}{% if m.role == 'system' %}{{ raise_exception('no system role') }}{% endif %}{{ m.content }}<|im_end|>{% endfor %}",
    });
    const out = tokenizeAll(
      tok,
      strict,
      [
        convo,
        chat(
          [
            { role: 'user', content: 'q' },
            { role: 'assistant', content: 'a' },
          ],
          2,
        ),
      ],
      { maxLength: 64 },
    );
    expect(out[0]).toEqual({ line: 1, error: 'the chat template raised: no system role' });
    expect('inputIds' in out[1]).toBe(true);
  });
});
