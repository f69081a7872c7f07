// `sft-studio train` with no optional flag trains exactly what the studio's Start trains: both
// start from the engine's one table of defaults, and each flag changes exactly its own field.
import { describe, expect, it } from 'vitest';
import { settingsFromArgs } from '../../src/cli/train.ts';
import { kDefaultSettings } from '../../src/engine/index.ts';
import { kDefaultSettings as studioDefaults } from '../../src/worker/engineProtocol.ts';

const required = ['--model', 'm', '--data', 'd.jsonl', '--out', 'o'];

describe('train flags', () => {
  it('no optional flag: the studio defaults (effective batch 16, 1 epoch, lr 2e-4, ...)', () => {
    expect(settingsFromArgs(required)).toEqual(kDefaultSettings);
    expect(studioDefaults).toBe(kDefaultSettings);
    expect(kDefaultSettings).toMatchObject({
      r: 16,
      alpha: 32,
      dropout: 0.05,
      targets: 'all-linear',
      lr: 2e-4,
      scheduler: 'cosine',
      warmupRatio: 0.03,
      effectiveBatch: 16,
      epochs: 1,
      maxLength: 2048,
      packing: true,
    });
  });

  it('each flag sets its own field', () => {
    const s = settingsFromArgs([
      ...required,
      '--batch-size',
      '2',
      '--grad-accum',
      '3',
      '--steps',
      '7',
      '--no-packing',
      '--targets',
      'q_proj,v_proj',
      '--rslora',
      '--save-steps',
      '5',
      '--eval-steps',
      '4',
      '--no-gradient-checkpointing',
    ]);
    expect(s).toEqual({
      ...kDefaultSettings,
      microBatch: 2,
      effectiveBatch: 6,
      maxSteps: 7,
      packing: false,
      targets: ['q_proj', 'v_proj'],
      useRslora: true,
      checkpointEvery: 5,
      evalEvery: 4,
      gradientCheckpointing: false,
    });
    // --batch-size alone keeps the effective batch: accumulation makes up the rest.
    expect(settingsFromArgs([...required, '--batch-size', '4'])).toMatchObject({
      microBatch: 4,
      effectiveBatch: 16,
    });
  });
});
