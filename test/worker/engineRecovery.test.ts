// What the engine worker does after a device loss (src/worker/engineRecovery.ts): the model that
// was loaded is loaded again (on the new device the load opens), the saved run is announced, and
// a run that was training resumes by itself, with a note that says why, only when deviceLost
// allowed it and the model is back.
import { describe, expect, it } from 'vitest';
import { recoverFromLoss, type RecoveryHooks } from '../../src/worker/engineRecovery.ts';
import type { DeviceLoss, Loaded } from '../../src/worker/engineState.ts';

const model = { job: 3, spec: { kind: 'demo' }, template: { kind: 'model' }, date: '' } as Loaded;
const failure = {
  kind: 'device-lost' as const,
  message: 'the GPU device was lost during step 8',
  hint: '',
};

function hooks(canResume = true) {
  const calls: string[] = [];
  const h: RecoveryHooks = {
    loadModel: (m) => (calls.push(`load ${m.job}`), Promise.resolve()),
    announceSaved: () => (calls.push('announce'), Promise.resolve()),
    canResume: () => canResume,
    resume: (note) => (calls.push(`resume: ${note}`), Promise.resolve()),
  };
  return { h, calls };
}

describe('recovery after a device loss', () => {
  it('loads the model again, announces the saved run, then resumes it', async () => {
    const { h, calls } = hooks();
    const loss: DeviceLoss = { failure, model, resume: true };
    await recoverFromLoss(loss, h);
    expect(calls.slice(0, 2)).toEqual(['load 3', 'announce']);
    expect(calls[2]).toMatch(/^resume: The GPU device was lost during step 8\. The studio opened/);
  });

  it('only offers the run when deviceLost did not allow a resume by itself', async () => {
    const { h, calls } = hooks();
    await recoverFromLoss({ failure, model, resume: false }, h);
    expect(calls).toEqual(['load 3', 'announce']);
  });

  it('does not resume when the model did not come back', async () => {
    const { h, calls } = hooks(false);
    await recoverFromLoss({ failure, model, resume: true }, h);
    expect(calls).toEqual(['load 3', 'announce']);
  });

  it('with no model loaded, only announces', async () => {
    const { h, calls } = hooks();
    await recoverFromLoss({ failure, model: null, resume: false }, h);
    expect(calls).toEqual(['announce']);
  });
});
