// Throughput of the per-example quality lint (src/data/lint/) on N synthetic chat examples:
// English and Vietnamese questions and answers of common words, with exact duplicates (2%) and
// near duplicates (3%, a few words of an earlier row changed) planted, plus a sprinkle of the
// other problems. Prints CPU and wall time for the whole lint and for the duplicate searches
// alone, examples/s on CPU time (the machine is shared, so wall time lies), and how many planted near duplicates were found (LSH recall at the threshold).
//
//   npx tsx test/bench/lint.ts [N=100000]
//
// Napkin math: MinHash costs shingles x 128 hash evaluations per row; 100k rows of ~100 words are
// ~1.3e9 multiply-xor steps, about a second of one core.
import { lintExamples } from '../../src/data/lint';
import { jaccard, shingleSet, wordsOf } from '../../src/data/lint/minhash';
import type { Example } from '../../src/data/types';

const kEnglish = (
  'the a of to and in is it you that for on with as are this be at have from or one had by ' +
  'word but not what all were we when your can said there use an each which she do how their ' +
  'if will up other about out many then them these so some her would make like him into time ' +
  'has look two more write go see number no way could people my than first water been call who ' +
  'oil its now find long down day did get come made may part model data train answer question ' +
  'python list function value error file code server memory network learning simple example ' +
  'result method string table number return class object change system order small large'
).split(' ');
const kVietnamese = (
  'tôi bạn là của và có không được một những này cho với người trong khi đã sẽ làm như thế ' +
  'nào để các về từ ra vào lại nhưng rất cũng hơn nhiều học máy dữ liệu hàm danh sách mã ' +
  'lỗi tệp giá trị kết quả câu hỏi trả lời ví dụ đơn giản hệ thống mạng bộ nhớ chuỗi bảng'
).split(' ');

/** mulberry32: a small seeded generator, so every run lints the same data. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A planted near duplicate: row `row` made from row `source` (0-based). */
interface Planted {
  row: number;
  source: number;
}

function synthesize(n: number): { examples: Example[]; planted: Planted[] } {
  const rand = rng(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const sentence = (words: readonly string[], len: number) => {
    const w = Array.from({ length: len }, () => pick(words));
    return `${w.join(' ')}.`.replace(/^./, (c) => c.toUpperCase());
  };
  const paragraph = (words: readonly string[], sentences: number) =>
    Array.from({ length: sentences }, () => sentence(words, 8 + Math.floor(rand() * 10))).join(' ');
  const examples: Example[] = [];
  const planted: Planted[] = [];
  for (let i = 0; i < n; i++) {
    const line = i + 1;
    const r = rand();
    if (i > 10 && r < 0.02) {
      examples.push({ ...examples[Math.floor(rand() * i)], line });
      continue;
    }
    if (i > 10 && r < 0.05) {
      // change 2 words of an earlier answer of 60+ words: similarity ~0.8
      const source = Math.floor(rand() * i);
      const base = examples[source];
      const words = base.messages[1].content.split(' ');
      for (let k = 0; k < 2; k++) words[Math.floor(rand() * words.length)] = pick(kEnglish);
      examples.push({
        line,
        format: 'messages',
        messages: [base.messages[0], { role: 'assistant', content: words.join(' ') }],
      });
      planted.push({ row: i, source });
      continue;
    }
    const words = rand() < 0.2 ? kVietnamese : kEnglish;
    let answer = paragraph(words, 4 + Math.floor(rand() * 6));
    if (r < 0.055) answer = `As an AI language model, I cannot help with that. ${answer}`;
    else if (r < 0.06) answer = `${answer} Contact me at user${i}@example.com.`;
    examples.push({
      line,
      format: 'messages',
      messages: [
        { role: 'user', content: sentence(words, 10 + Math.floor(rand() * 15)) },
        { role: 'assistant', content: answer },
      ],
    });
  }
  return { examples, planted };
}

/** CPU seconds of this process (user + system): the machine is shared, so wall time lies. */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

const text = (ex: Example) => ex.messages.map((m) => m.content).join('\n');

function main(): void {
  const n = Number(process.argv[2] ?? 100_000);
  const t0 = performance.now();
  const { examples, planted } = synthesize(n);
  const t1 = performance.now();
  const words = examples.reduce((s, ex) => s + wordsOf(ex.messages[1].content).length, 0);
  console.log(
    `${n} examples (${(words / n).toFixed(0)} answer words on average), ` +
      `synthesized in ${((t1 - t0) / 1000).toFixed(1)} s`,
  );

  const c1 = cpuSeconds();
  const nearOnly = lintExamples(examples, {
    skip: ['empty_answer', 'refusal', 'language_mismatch', 'pii', 'repetition'],
  });
  const t2 = performance.now();
  const c2 = cpuSeconds();
  const all = lintExamples(examples, { specialTokens: ['<|im_end|>', '<|im_start|>'] });
  const t3 = performance.now();
  const c3 = cpuSeconds();

  // recall: planted rows truly >= 0.7 similar to their source (and not exact copies) that got a
  // near_duplicate flag; the flag may name an even earlier row (the source's own source)
  const near = new Set<number>();
  for (const f of nearOnly.flagged) {
    if (f.flags.some((g) => g.kind === 'near_duplicate')) near.add(f.line - 1);
  }
  const similar = planted.filter(({ row, source }) => {
    const a = shingleSet(wordsOf(text(examples[row])), 5);
    return a.size > 0 && jaccard(a, shingleSet(wordsOf(text(examples[source])), 5)) >= 0.7;
  });
  const found = similar.filter(({ row }) => near.has(row)).length;
  const rate = (cpu: number, wall: number) =>
    `${cpu.toFixed(2)} s CPU (${(n / cpu).toFixed(0)} examples/s), ${wall.toFixed(2)} s wall`;
  console.log(`duplicates + near duplicates only: ${rate(c2 - c1, (t2 - t1) / 1000)}`);
  console.log(`whole lint (all kinds):            ${rate(c3 - c2, (t3 - t2) / 1000)}`);
  console.log(
    `planted near duplicates with true similarity >= 0.7 flagged: ${found} of ${similar.length} ` +
      `(${planted.length} planted in all)`,
  );
  console.log(`summary: ${JSON.stringify(all.summary)}`);
}

main();
