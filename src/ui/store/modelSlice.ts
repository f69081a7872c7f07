// Model slice: where the preview's tokenizer comes from, how conversations are rendered, and the
// tokenizer's load status as reported by the dataset worker. Once a model is loaded for training,
// the tokenizer is that model's own (info.fromModel), so the preview shows what trains. The max
// length is not here: it is the train settings' maxLength, one value for the preview and the run.
import type { StateCreator } from 'zustand';
import type { TemplateChoice, TemplateInfo, TokenizerInfo } from '../../worker/protocol.ts';
import type { StudioState } from './index.ts';

export const kDefaultHubId = 'HuggingFaceTB/SmolLM2-135M';
export const kDefaultEndpoint = 'https://huggingface.co';

export type TokenizerStatus = 'idle' | 'loading' | 'ready' | 'failed';

export interface ModelState {
  sourceKind: 'hub' | 'files';
  hubId: string;
  endpoint: string;
  /** Names of the local tokenizer files picked (shown under the picker). */
  localFileNames: string[];
  template: TemplateChoice;
  /** Last custom jinja source typed, kept when switching to another template and back. */
  customTemplate: string;
  /** Pinned date for `strftime_now`, ISO YYYY-MM-DD. */
  date: string;
  tokenizer: {
    status: TokenizerStatus;
    job: number;
    message: string;
    info: TokenizerInfo | null;
  };
  /** The template the worker resolved (null until a tokenizer is loaded), or why it failed. */
  templateInfo: TemplateInfo | null;
  templateError: string;
}

export interface ModelSlice {
  model: ModelState;
  setSourceKind: (kind: ModelState['sourceKind']) => void;
  setHubId: (id: string) => void;
  setEndpoint: (endpoint: string) => void;
  setLocalFileNames: (names: string[]) => void;
  setTemplate: (template: TemplateChoice) => void;
  setCustomTemplate: (source: string) => void;
  setDate: (date: string) => void;
  tokenizerLoading: (job: number, message: string) => void;
  tokenizerReady: (job: number, info: TokenizerInfo) => void;
  tokenizerFailed: (job: number, message: string) => void;
  templateReady: (info: TemplateInfo) => void;
  setTemplateError: (message: string) => void;
}

/** Same default as src/data (kDefaultTemplateDate, Llama-3.1's own fallback) so the studio and
 * the CLI render identical tokens unless the user picks another date. */
export const kDefaultDate = '2024-07-26';

export const createModelSlice: StateCreator<StudioState, [], [], ModelSlice> = (set) => {
  const patch = (p: Partial<ModelState>) => set((s) => ({ model: { ...s.model, ...p } }));
  const patchTokenizer = (job: number, p: Partial<ModelState['tokenizer']>) =>
    set((s) =>
      job < s.model.tokenizer.job
        ? s
        : { model: { ...s.model, tokenizer: { ...s.model.tokenizer, ...p, job } } },
    );
  return {
    model: {
      sourceKind: 'hub',
      hubId: kDefaultHubId,
      endpoint: kDefaultEndpoint,
      localFileNames: [],
      template: { kind: 'model' },
      customTemplate: '',
      date: kDefaultDate,
      tokenizer: { status: 'idle', job: 0, message: '', info: null },
      templateInfo: null,
      templateError: '',
    },
    setSourceKind: (sourceKind) => patch({ sourceKind }),
    setHubId: (hubId) => patch({ hubId }),
    setEndpoint: (endpoint) => patch({ endpoint }),
    setLocalFileNames: (localFileNames) => patch({ localFileNames }),
    setTemplate: (template) => patch({ template, templateError: '' }),
    setCustomTemplate: (customTemplate) => patch({ customTemplate }),
    setDate: (date) => patch({ date }),
    tokenizerLoading: (job, message) =>
      patchTokenizer(job, { status: 'loading', message, info: null }),
    tokenizerReady: (job, info) => patchTokenizer(job, { status: 'ready', message: '', info }),
    tokenizerFailed: (job, message) => patchTokenizer(job, { status: 'failed', message }),
    templateReady: (templateInfo) => patch({ templateInfo, templateError: '' }),
    setTemplateError: (templateError) => patch({ templateError, templateInfo: null }),
  };
};
