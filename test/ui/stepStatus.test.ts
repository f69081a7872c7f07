// The rail's line for a saved run (src/ui/shell/stepStatus.ts `savedRunStatus`): it offers to
// resume only a run that can be resumed; a saved run with a problem (no whole checkpoint, a damaged
// dataset) says it cannot, as the Train step's banner does.
import { describe, expect, it } from 'vitest';
import { savedRunStatus } from '../../src/ui/shell/stepStatus.ts';

describe('the rail line of a saved run', () => {
  it('offers the step a resume continues from', () => {
    expect(savedRunStatus({ step: 12 })).toEqual({ tone: 'warn', text: 'Resume from step 12' });
  });

  it('says a run that cannot be resumed cannot, with no step to resume from', () => {
    const s = savedRunStatus({
      step: 12,
      problem: 'the saved run cannot be resumed, no checkpoint of it is whole',
    });
    expect(s).toEqual({ tone: 'error', text: 'Saved run cannot resume' });
    expect(s.text).not.toMatch(/Resume from/);
  });
});
