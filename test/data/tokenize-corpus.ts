// A tokenizing corpus for the pool tests: the conversations of the sample datasets and the
// multi-turn fixture, repeated to N examples with unique contents, where every `failEvery`-th row
// says FAIL in its first user turn so that `withFailingRows` templates raise on it (a template
// error is a row error the pool must carry back in its place).
import { readFileSync, readdirSync } from 'node:fs';
import { parseJsonl } from '../../src/data/jsonl';
import type { Example } from '../../src/data/types';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

export function poolCorpus(n: number, failEvery = 37): Example[] {
  const files = readdirSync(new URL('public/samples/', root))
    .filter((f) => f.endsWith('.jsonl'))
    .map((f) => `public/samples/${f}`);
  files.push('test/fixtures/data/multiturn.jsonl', 'test/fixtures/data/mixed.jsonl');
  const base = files.flatMap((f) => parseJsonl(read(f)).examples);
  return Array.from({ length: n }, (_, i) => {
    const ex = base[i % base.length];
    const tag = ` (${i})`;
    if (ex.text !== undefined) return { ...ex, line: i + 1, text: ex.text + tag };
    let failed = false;
    const messages = ex.messages.map((m) => {
      if (m.role === 'system') return m;
      const fail = i % failEvery === failEvery - 1 && m.role === 'user' && !failed;
      failed ||= fail;
      return { role: m.role, content: m.content + tag + (fail ? ' FAIL' : '') };
    });
    return { ...ex, line: i + 1, messages };
  });
}

/** A chat template that raises on any message saying FAIL, then renders as `template` does. */
export function withFailingRows(template: string): string {
  return (
    "{%- for m in messages %}{%- if 'FAIL' in m['content'] %}" +
    "{{- raise_exception('row says FAIL') }}{%- endif %}{%- endfor %}" +
    template
  );
}
