// Rail status lines of the Train, Try and Export steps.
import { savedRunStatus, type StepStatus } from '../shell/stepStatus.ts';
import { useStudioShallow } from '../store/index.ts';

export function useTrainStatus(): StepStatus {
  const { state, step, total, device, saved, problem } = useStudioShallow((s) => ({
    state: s.train.state,
    step: s.train.step,
    total: s.train.totalSteps,
    device: s.engine.device,
    saved: s.train.saved?.step ?? null,
    problem: s.train.saved?.problem,
  }));
  if (state === 'running') return { tone: 'busy', text: `Step ${step} / ${total}` };
  if (state === 'loading') return { tone: 'busy', text: 'Preparing…' };
  if (state === 'paused') return { tone: 'warn', text: `Paused at ${step} / ${total}` };
  if (state === 'stopped') return { tone: 'warn', text: `Stopped at ${step} / ${total}` };
  if (state === 'done') return { tone: 'ok', text: `Done · ${total} steps` };
  if (state === 'error') return { tone: 'error', text: 'Stopped with an error' };
  if (saved !== null) return savedRunStatus({ step: saved, problem });
  if (device === 'unavailable') return { tone: 'error', text: 'No WebGPU in this browser' };
  return { tone: 'idle', text: '' };
}

export function useTryStatus(): StepStatus {
  const status = useStudioShallow((s) => s.tryout.status);
  if (status === 'running') return { tone: 'busy', text: 'Generating…' };
  if (status === 'done') return { tone: 'ok', text: 'Compared' };
  if (status === 'failed') return { tone: 'error', text: 'Generation failed' };
  return { tone: 'idle', text: '' };
}

export function useExportStatus(): StepStatus {
  const { status, step } = useStudioShallow((s) => ({
    status: s.exported.status,
    step: s.exported.step,
  }));
  if (status === 'ready') return { tone: 'ok', text: `Adapter at step ${step}` };
  if (status === 'building') return { tone: 'busy', text: 'Building…' };
  if (status === 'failed') return { tone: 'error', text: 'Export failed' };
  return { tone: 'idle', text: '' };
}
