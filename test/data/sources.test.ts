// Row sources: JSON Lines (plain and gzipped), JSON arrays, CSV/TSV and Parquet (snappy, zstd,
// gzip; nested list<struct> messages; several row groups) give the same rows, numbered the same,
// and the same Examples as the JSON Lines parser; Parquet reads only the row groups it needs.
import { readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { parquetMetadata } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { parseJsonl } from '../../src/data/jsonl';
import {
  DatasetSourceError,
  detectSourceFormat,
  openRows,
  parquetColumns,
  readExamples,
  toAsyncBuffer,
  type AsyncBuffer,
  type OpenRowsOptions,
  type RowInput,
  type RowItem,
  type RowProgress,
} from '../../src/data/sources/index';

const bytes = (path: string) =>
  new Uint8Array(readFileSync(new URL(`../fixtures/data/${path}`, import.meta.url)));
const text = (path: string) => new TextDecoder().decode(bytes(path));
const enc = (s: string) => new TextEncoder().encode(s);

async function all(input: RowInput, opts?: OpenRowsOptions): Promise<RowItem[]> {
  const out: RowItem[] = [];
  for await (const item of openRows(input, opts)) out.push(item);
  return out;
}
const strict = { recognize: false };

describe('format from the file name', () => {
  it('looks through .gz and query strings', () => {
    expect(detectSourceFormat('a/b/train.jsonl')).toBe('jsonl');
    expect(detectSourceFormat('train.JSONL.gz')).toBe('jsonl');
    expect(detectSourceFormat('x.ndjson')).toBe('jsonl');
    expect(detectSourceFormat('x.json')).toBe('json');
    expect(detectSourceFormat('x.tsv')).toBe('tsv');
    expect(detectSourceFormat('0000.parquet?download=1')).toBe('parquet');
    expect(detectSourceFormat('notes.txt')).toBeNull();
  });

  it('an unknown extension is a clear error', async () => {
    await expect(all({ name: 'notes.txt', data: enc('hi') })).rejects.toThrow(
      /notes\.txt: unknown file type: expected \.jsonl/,
    );
  });
});

describe('JSON Lines', () => {
  for (const name of ['bad-lines.jsonl', 'mixed.jsonl', 'multiturn.jsonl']) {
    it(`${name}: exactly what parseJsonl gives, from bytes, a Blob and an AsyncBuffer`, async () => {
      const expected = parseJsonl(text(name));
      for (const data of [bytes(name), new Blob([bytes(name)]), toAsyncBuffer(bytes(name))]) {
        const { examples, errors, totalLines } = await readExamples(
          openRows({ name, data }),
          strict,
        );
        expect({ examples, errors, totalLines }).toEqual(expected);
      }
    });
  }

  it('a Node Buffer from the shared pool reads only its own bytes', async () => {
    const small = Buffer.from('{"text": "pooled"}\n');
    expect(small.buffer.byteLength).toBeGreaterThan(small.byteLength); // a view of the pool
    expect(await all({ name: 'x.jsonl', data: small })).toEqual([
      { row: 1, value: { text: 'pooled' } },
    ]);
  });

  it('gzipped: the same rows, numbered by physical line (blank lines, BOM, CRLF)', async () => {
    const body = '\uFEFF{"text": "a"}\r\n\r\n{"text": "b"}\nnot json\n{"text": "c"}';
    const plain = await all({ name: 'x.jsonl', data: enc(body) });
    expect(plain.map((r) => r.row)).toEqual([1, 3, 4, 5]);
    expect(plain[2]).toMatchObject({ row: 4, error: { kind: 'json' } });
    const gz = await all({ name: 'x.jsonl.gz', data: new Uint8Array(gzipSync(enc(body))) });
    expect(gz).toEqual(plain);
  });

  it('a limit stops after N rows; progress counts rows and bytes', async () => {
    const data = enc(text('multiturn.jsonl'));
    const progress: RowProgress[] = [];
    const rows = await all(
      { name: 'm.jsonl', data },
      { limit: 2, onProgress: (p) => progress.push(p) },
    );
    expect(rows.map((r) => r.row)).toEqual([1, 2]);
    expect(progress.at(-1)).toMatchObject({
      rows: 2,
      bytes: data.byteLength,
      totalBytes: data.byteLength,
    });
  });

  it('a corrupt gzip file is a DatasetSourceError naming the file', async () => {
    await expect(all({ name: 'x.jsonl.gz', data: enc('not gzip at all') })).rejects.toThrow(
      DatasetSourceError,
    );
  });
});

describe('JSON', () => {
  it('an array: one row per element, numbered from 1; not-objects are row errors', async () => {
    const rows = [{ text: 'a' }, 7, { prompt: 'p', completion: 'c' }];
    const r = await readExamples(
      openRows({ name: 'd.json', data: enc(JSON.stringify(rows, null, 2)) }),
    );
    expect(r.examples.map((e) => [e.line, e.format])).toEqual([
      [1, 'text'],
      [3, 'prompt_completion'],
    ]);
    expect(r.errors).toMatchObject([{ line: 2, kind: 'not_object' }]);
  });

  it('JSON Lines under a .json name are read as JSON Lines', async () => {
    const r = await readExamples(
      openRows({ name: 'd.json', data: enc('{"text": "a"}\n\n{"text": "b"}\n') }),
    );
    expect(r.examples.map((e) => e.line)).toEqual([1, 3]);
  });

  it('the chat fixture as an array gives the same Examples as its JSON Lines', async () => {
    const a = await readExamples(openRows({ name: 'chat.json', data: bytes('rows/chat.json') }));
    const b = await readExamples(openRows({ name: 'chat.jsonl', data: bytes('rows/chat.jsonl') }));
    expect(a).toEqual(b);
  });

  it('an array that is not valid JSON is a file error, with the parser message', async () => {
    await expect(all({ name: 'd.json', data: enc('[{"text": "a"},') })).rejects.toThrow(
      /d\.json: not valid JSON/,
    );
  });
});

describe('CSV and TSV', () => {
  const csv =
    'instruction,input,output\n' +
    'Say hi,,Hi!\n' +
    '"Quote ""this"", please","with a comma, and a\nnewline","Done."\n' +
    'too,few\n' +
    '\n' +
    'Count,1 2 3,"four"\n' +
    'too,many,fields,here\n';

  it('numbers data rows from 1 after the header; quoted newlines; wrong field counts are row errors', async () => {
    const r = await readExamples(openRows({ name: 'd.csv', data: enc(csv) }));
    expect(r.examples.map((e) => e.line)).toEqual([1, 2, 4]);
    expect(r.examples[1].messages[0].content).toBe(
      'Quote "this", please\n\nwith a comma, and a\nnewline',
    );
    expect(r.examples[0].messages[0].content).toBe('Say hi');
    expect(r.errors.map((e) => [e.line, e.kind])).toEqual([
      [3, 'fields'],
      [5, 'fields'],
    ]);
    expect(r.errors[0].message).toMatch(/row has 2 fields, the header has 3/);
    expect(r.errors[1].message).toMatch(/row has 4 fields/);
    expect(r.columns).toEqual(['instruction', 'input', 'output']);
  });

  it('gzipped CSV', async () => {
    const gz = new Uint8Array(gzipSync(enc(csv)));
    expect(await all({ name: 'd.csv.gz', data: gz })).toEqual(
      await all({ name: 'd.csv', data: enc(csv) }),
    );
  });

  it('TSV and a limit', async () => {
    const tsv = 'prompt\tcompletion\nA\tB\nC\tD\nE\tF\n';
    const rows = await all({ name: 'd.tsv', data: enc(tsv) }, { limit: 2 });
    expect(rows).toEqual([
      { row: 1, value: { prompt: 'A', completion: 'B' } },
      { row: 2, value: { prompt: 'C', completion: 'D' } },
    ]);
  });
});

describe('Parquet', () => {
  const jsonlRows = () => all({ name: 'chat.jsonl', data: bytes('rows/chat.jsonl') });

  for (const codec of ['snappy', 'zstd', 'gzip']) {
    it(`${codec}: nested messages, 3 row groups: the same rows and Examples as JSON Lines`, async () => {
      const file = bytes(`rows/chat-${codec}.parquet`);
      const meta = parquetMetadata(file.slice().buffer);
      expect(meta.row_groups.map((g) => Number(g.num_rows))).toEqual([3, 3, 2]);
      expect(meta.row_groups[0].columns[0].meta_data?.codec).toBe(codec.toUpperCase());
      const rows = await all({ name: `chat-${codec}.parquet`, data: file });
      expect(rows).toEqual(await jsonlRows());
      const fromParquet = await readExamples(openRows({ name: 'c.parquet', data: file }));
      const fromJsonl = await readExamples(
        openRows({ name: 'c.jsonl', data: bytes('rows/chat.jsonl') }),
      );
      expect(fromParquet).toEqual(fromJsonl);
      // the row numbers of errors count on across row groups
      expect(fromParquet.errors.map((e) => [e.line, e.field, e.kind])).toEqual([
        [4, 'messages[1].role', 'role'],
        [6, 'messages', 'no_assistant'],
      ]);
      expect(fromParquet.errors[0].message).toContain('"tool"');
    });
  }

  it('reads only the footer and the row groups a limit needs', async () => {
    const file = bytes('rows/chat-zstd.parquet');
    const meta = parquetMetadata(file.slice().buffer);
    const ranges: [number, number][] = [];
    const inner = toAsyncBuffer(file);
    const spy: AsyncBuffer = {
      byteLength: inner.byteLength,
      slice: (start, end) => {
        ranges.push([start, end ?? inner.byteLength]);
        return inner.slice(start, end);
      },
    };
    const rows = await all({ name: 'c.parquet', data: spy }, { limit: 3 });
    expect(rows.map((r) => r.row)).toEqual([1, 2, 3]);
    // byte ranges of row groups 2 and 3: no read after the footer touches them
    const later = meta.row_groups.slice(1).flatMap((g) =>
      g.columns.map((c) => {
        const md = c.meta_data!;
        const start = Number(md.dictionary_page_offset ?? md.data_page_offset);
        return [start, start + Number(md.total_compressed_size)] as const;
      }),
    );
    const afterFooter = ranges.filter(([s, e]) => !(e === file.byteLength && s <= 8));
    expect(afterFooter.length).toBeGreaterThan(0);
    for (const [s, e] of afterFooter) {
      for (const [gs, ge] of later)
        expect(e <= gs || s >= ge, `${s}-${e} reads ${gs}-${ge}`).toBe(true);
    }
  });

  it('a column selection, progress with the total row count, the file columns', async () => {
    const file = bytes('rows/chat-snappy.parquet');
    const progress: RowProgress[] = [];
    const rows = await all(
      { name: 'c.parquet', data: new Blob([file]) },
      { columns: ['messages'], onProgress: (p) => progress.push(p) },
    );
    expect(Object.keys((rows[0] as { value: object }).value)).toEqual(['messages']);
    expect(progress.at(-1)).toMatchObject({ rows: 8, totalRows: 8, totalBytes: file.byteLength });
    expect(await parquetColumns('c.parquet', toAsyncBuffer(file))).toEqual([
      'id',
      'source',
      'messages',
    ]);
  });

  it('the Dolly sample as Parquet is recognised and read like its JSON Lines', async () => {
    const sample = new Uint8Array(
      readFileSync(new URL('../../public/samples/dolly-sample.jsonl', import.meta.url)),
    );
    const a = await readExamples(
      openRows({ name: 'd.parquet', data: bytes('rows/dolly-zstd.parquet') }),
    );
    const b = await readExamples(openRows({ name: 'd.jsonl', data: sample }));
    expect(a).toEqual(b);
    expect(a.examples).toHaveLength(12);
    expect(a.errors).toEqual([]);
    expect(a.examples.every((e) => e.format === 'alpaca' && e.readAs === 'dolly')).toBe(true);
    expect(a.readings).toEqual({ dolly: 12 });
    // a whitespace-only context counts as empty: the user turn is the instruction alone
    const classify = a.examples[5].messages[0].content;
    expect(classify).toBe(
      'Classify each of these as a fruit or a vegetable: tomato, carrot, apple, spinach, cucumber.',
    );
    expect(a.examples[1].messages[0].content).toMatch(
      /^When was the Eiffel Tower .*\n\nThe Eiffel/s,
    );
  });

  it('through a Node file handle: only the byte ranges asked for are read from disk', async () => {
    const path = fileURLToPath(new URL('../fixtures/data/rows/chat-gzip.parquet', import.meta.url));
    const handle = await open(path);
    let read = 0;
    try {
      const size = (await handle.stat()).size;
      const file: AsyncBuffer = {
        byteLength: size,
        slice: async (start, end = size) => {
          const buf = new Uint8Array(end - start);
          await handle.read(buf, 0, end - start, start);
          read += end - start;
          return buf.buffer;
        },
      };
      const rows = await all({ name: 'chat-gzip.parquet', data: file });
      expect(rows).toEqual(await jsonlRows());
      expect(read).toBeGreaterThanOrEqual(size);
    } finally {
      await handle.close();
    }
  });

  it('a file that is not Parquet is a DatasetSourceError', async () => {
    await expect(all({ name: 'x.parquet', data: enc('{"text": "a"}') })).rejects.toThrow(
      /x\.parquet: not a readable Parquet file/,
    );
  });
});
