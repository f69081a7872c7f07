// Whether Start may be pressed, and if not, why (shown beside the button). Training takes the
// dataset exactly as the preview tokenized it, so Start waits until that tokenization is done with
// the loaded model's own tokenizer and at the form's max length. Pure: unit-tested in test/ui.
import type { StepId, StudioState } from '../store/index.ts';

export interface StartBlocker {
  reason: string;
  /** The step that fixes it, for a link. */
  step?: StepId;
  /** The dataset is tokenized with another tokenizer: offer to use the model's. */
  retokenize?: boolean;
}

type GateState = Pick<StudioState, 'engine' | 'dataset' | 'model' | 'train'>;

export function startBlocker(s: GateState): StartBlocker | null {
  const { engine, dataset, model, train } = s;
  if (engine.device === 'unavailable') {
    return { reason: 'Training needs WebGPU, which this browser does not offer.' };
  }
  if (train.state === 'running' || train.state === 'loading' || train.state === 'paused') {
    return { reason: 'A run is in progress: stop it to start a new one.' };
  }
  if (engine.model.status === 'loading') return { reason: 'The model is still loading.' };
  if (engine.model.status !== 'ready') {
    return { reason: 'Load a model first (Model step).', step: 'model' };
  }
  if (dataset.status === 'empty' || dataset.status === 'failed') {
    return { reason: 'Choose a dataset first (Dataset step).', step: 'dataset' };
  }
  if (dataset.status === 'reading') return { reason: 'The dataset is still being read.' };
  const tok = model.tokenizer;
  if (tok.status === 'loading' || dataset.status === 'tokenizing') {
    const p = dataset.progress;
    const counts =
      p && p.phase === 'tokenizing' && p.total > 0
        ? ` (${p.done.toLocaleString('en-US')} / ${p.total.toLocaleString('en-US')} examples)`
        : '';
    return { reason: `Tokenizing the dataset with the model's tokenizer…${counts}` };
  }
  const modelTok = engine.model.tokenizer;
  if (tok.status !== 'ready' || !tok.info?.fromModel || tok.info.name !== modelTok?.name) {
    return {
      reason:
        `The preview is tokenized with ${tok.info ? tok.info.name : 'no tokenizer'}, not with ` +
        `the loaded model's own (${modelTok?.name ?? '?'}); training uses the model's.`,
      retokenize: true,
    };
  }
  const stats = dataset.summary?.tokens;
  if (!stats) {
    return { reason: 'The dataset is not tokenized yet.' };
  }
  if (stats.maxLength !== train.settings.maxLength) {
    return { reason: `Re-tokenizing at max length ${train.settings.maxLength}…` };
  }
  if (stats.trainedTokens === 0) {
    return {
      reason: 'No example has a trained (assistant) token left: see the Dataset step.',
      step: 'dataset',
    };
  }
  return null;
}
