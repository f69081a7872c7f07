// One-line status of each step for the rail ("SmolLM2-135M · ChatML", "412 examples · 3 errors").
import { useStudioShallow } from '../store/index.ts';
import type { SavedRun } from '../../worker/engineProtocol.ts';

export interface StepStatus {
  tone: 'idle' | 'busy' | 'ok' | 'warn' | 'error';
  text: string;
}

export function useModelStatus(): StepStatus {
  const { status, name, message } = useStudioShallow((s) => ({
    status: s.model.tokenizer.status,
    name: s.model.tokenizer.info?.name ?? '',
    message: s.model.tokenizer.message,
  }));
  if (status === 'loading') return { tone: 'busy', text: message || 'Loading tokenizer…' };
  if (status === 'failed') return { tone: 'error', text: 'Tokenizer failed to load' };
  if (status === 'ready') {
    // Once a model is loaded this is its own tokenizer (the one that trains).
    return { tone: 'ok', text: name.split('/').pop() ?? name };
  }
  return { tone: 'idle', text: 'No tokenizer loaded' };
}

export function useDatasetStatus(): StepStatus {
  const { status, valid, errors } = useStudioShallow((s) => ({
    status: s.dataset.status,
    valid: s.dataset.summary?.validExamples ?? 0,
    errors: s.dataset.summary?.errorLines ?? 0,
  }));
  if (status === 'reading' || status === 'tokenizing') {
    return { tone: 'busy', text: status === 'reading' ? 'Reading…' : 'Tokenizing…' };
  }
  if (status === 'failed') return { tone: 'error', text: 'Could not read the file' };
  if (status === 'ready') {
    const text = `${valid.toLocaleString('en-US')} examples${errors ? ` · ${errors} bad lines` : ''}`;
    return { tone: errors ? 'warn' : 'ok', text };
  }
  return { tone: 'idle', text: 'No dataset yet' };
}

/** The Train step's line for a saved run the page may resume: its step when a resume can use it,
 * else that it cannot (the Train step's banner says why and offers to discard it). */
export function savedRunStatus(saved: Pick<SavedRun, 'step' | 'problem'>): StepStatus {
  if (saved.problem) return { tone: 'error', text: 'Saved run cannot resume' };
  return { tone: 'warn', text: `Resume from step ${saved.step}` };
}
