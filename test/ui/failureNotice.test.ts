// How an engine failure shows (rendered to static HTML, no DOM needed): the message and what to do
// for every kind, the fields that decide memory for out-of-memory, the resume note for a lost
// device, and the kind on `data-kind` so tests and styles can tell them apart.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { FailureNotice } from '../../src/ui/shell/FailureNotice.tsx';
import type { EngineFailure } from '../../src/worker/engineProtocol.ts';
import { kHints } from '../../src/engine/errors.ts';

function render(failure: EngineFailure): string {
  return renderToStaticMarkup(
    createElement(FailureNotice, { failure, title: 'It failed.', testId: 'x-error' }),
  );
}

describe('FailureNotice', () => {
  it('shows the message and what to do, for every kind', () => {
    for (const kind of Object.keys(kHints) as EngineFailure['kind'][]) {
      const html = render({ kind, message: `boom ${kind}`, hint: kHints[kind] });
      expect(html).toContain(`data-kind="${kind}"`);
      expect(html).toContain('data-testid="x-error"');
      expect(html).toContain(`boom ${kind}`);
      expect(html).toContain('What to do:');
    }
  });

  it('points an out-of-memory at the fields that decide memory', () => {
    const html = render({ kind: 'out-of-memory', message: 'oom', hint: kHints['out-of-memory'] });
    expect(html).toContain('Max length');
    expect(html).toContain('Micro-batch');
    expect(html).toContain('Gradient checkpointing');
    expect(render({ kind: 'bad-input', message: 'bad', hint: 'fix' })).not.toContain('Micro-batch');
  });

  it('says a lost device is replaced and the run can resume', () => {
    const html = render({ kind: 'device-lost', message: 'lost', hint: kHints['device-lost'] });
    expect(html).toContain('new GPU device');
    expect(html).toContain('resume');
  });
});
