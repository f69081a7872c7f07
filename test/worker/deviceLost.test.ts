// engineState.ts `deviceLost`: a device loss ends a running run with the failure (once, however
// many times it is reported), forgets the engine, the model and the run, and lets the worker
// resume by itself only a run that saved a checkpoint since it (re)started, so a GPU that fails
// again before any progress does not loop.
import { beforeEach, describe, expect, it } from 'vitest';
import { deviceLost, st, type DeviceLoss, type Run } from '../../src/worker/engineState.ts';
import type { EngineEvent } from '../../src/worker/engineProtocol.ts';

let sent: EngineEvent[] = [];
let losses: DeviceLoss[] = [];
const failure = { kind: 'device-lost' as const, message: 'the GPU device was lost', hint: '' };

function fakeRun(resumedFrom: number, lastSaved: number, running = true): Run {
  return {
    training: { step: 8, info: { resumedFrom }, stop: () => undefined },
    running,
    failed: false,
    lastSaved,
  } as unknown as Run;
}

beforeEach(() => {
  sent = [];
  losses = [];
  Object.assign(globalThis, { postMessage: (m: EngineEvent) => sent.push(m) });
  st.current = {} as typeof st.current;
  st.engine = Promise.resolve(null);
  st.loaded = { job: 2 } as unknown as typeof st.loaded;
  st.onLost = (l) => losses.push(l);
});

describe('deviceLost', () => {
  it('ends the running run, forgets the device, and resumes a run that made progress', () => {
    st.run = fakeRun(0, 6);
    deviceLost(failure);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ kind: 'run-ended', reason: 'error', step: 8, failure });
    expect(losses).toHaveLength(1);
    expect(losses[0].resume).toBe(true);
    expect(losses[0].model).toEqual({ job: 2 });
    expect([st.current, st.engine, st.loaded, st.run]).toEqual([null, null, null, null]);
    deviceLost(failure); // the run's own error after the device's lost promise: handled once
    expect(losses).toHaveLength(1);
    expect(sent).toHaveLength(1);
  });

  it('only offers a run lost again before it saved anything new', () => {
    st.run = fakeRun(6, 0);
    deviceLost(failure);
    expect(losses[0].resume).toBe(false);
  });

  it('a run that already ended with this failure (runLoop) still resumes, without a second end', () => {
    st.run = fakeRun(0, 6, false);
    deviceLost(failure, true);
    expect(sent).toHaveLength(0);
    expect(losses[0].resume).toBe(true);
  });

  it('a loss while idle resumes nothing', () => {
    st.run = fakeRun(0, 6, false);
    deviceLost(failure);
    expect(losses[0].resume).toBe(false);
  });
});
