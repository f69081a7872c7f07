// Hub picker slice: what the user typed and picked in the Dataset step's "Hugging Face dataset"
// field (dataset id, access token, subset, split, row limit; or one file of the repo at a revision)
// and what "Look up" found: the subsets and splits of the Hub's Parquet conversion, with row counts
// as the worker reads them from the Parquet footers. Loading the picked split or file goes through
// the dataset slice like any other source.
import type { StateCreator } from 'zustand';
import type { HubListing } from '../../worker/protocol.ts';
import type { StudioState } from './index.ts';

export interface HubPickerState {
  status: 'idle' | 'looking' | 'ready' | 'failed';
  job: number;
  /** `org/name`, as typed. */
  repo: string;
  /** Access token for gated or private sets (kept in this tab only, sent only to the endpoint). */
  token: string;
  listing: HubListing | null;
  subset: string;
  split: string;
  /** "First N rows", as typed ('' for all rows). */
  limit: string;
  message: string;
  /** "Or read one file of the repo" is open (a failed look-up opens it: no Parquet conversion). */
  fileOpen: boolean;
  /** The file's path in the repo and its revision ('' for main), as typed. */
  file: string;
  revision: string;
}

export interface HubSlice {
  hubPicker: HubPickerState;
  setHubRepo: (repo: string) => void;
  setHubToken: (token: string) => void;
  setHubLimit: (limit: string) => void;
  pickHubSubset: (subset: string) => void;
  pickHubSplit: (split: string) => void;
  setHubFileOpen: (open: boolean) => void;
  setHubFile: (file: string) => void;
  setHubRevision: (revision: string) => void;
  hubLookupStarted: (job: number) => void;
  hubListed: (job: number, listing: HubListing) => void;
  hubRowsKnown: (job: number, subset: string, split: string, rows: number | null) => void;
  hubLookupFailed: (job: number, message: string) => void;
}

/** The split a listing offers first: `train` when there is one. */
function firstSplit(listing: HubListing, subset: string): string {
  const splits = listing.subsets.find((s) => s.name === subset)?.splits ?? [];
  return (splits.find((s) => s.name === 'train') ?? splits[0])?.name ?? '';
}

export const createHubSlice: StateCreator<StudioState, [], [], HubSlice> = (set) => {
  const patch = (p: Partial<HubPickerState>) =>
    set((s) => ({ hubPicker: { ...s.hubPicker, ...p } }));
  const forJob = (job: number, f: (h: HubPickerState) => Partial<HubPickerState>) =>
    set((s) =>
      job !== s.hubPicker.job ? s : { hubPicker: { ...s.hubPicker, ...f(s.hubPicker) } },
    );
  return {
    hubPicker: {
      status: 'idle',
      job: 0,
      repo: '',
      token: '',
      listing: null,
      subset: '',
      split: '',
      limit: '1000',
      message: '',
      fileOpen: false,
      file: '',
      revision: '',
    },
    // Another id invalidates what was looked up for the previous one.
    setHubRepo: (repo) =>
      set((s) =>
        repo.trim() === s.hubPicker.repo.trim()
          ? { hubPicker: { ...s.hubPicker, repo } }
          : { hubPicker: { ...s.hubPicker, repo, status: 'idle', listing: null, message: '' } },
      ),
    setHubToken: (token) => patch({ token }),
    setHubLimit: (limit) => patch({ limit }),
    pickHubSubset: (subset) =>
      set((s) => ({
        hubPicker: {
          ...s.hubPicker,
          subset,
          split: s.hubPicker.listing ? firstSplit(s.hubPicker.listing, subset) : '',
        },
      })),
    pickHubSplit: (split) => patch({ split }),
    setHubFileOpen: (fileOpen) => patch({ fileOpen }),
    setHubFile: (file) => patch({ file }),
    setHubRevision: (revision) => patch({ revision }),
    hubLookupStarted: (job) => patch({ job, status: 'looking', listing: null, message: '' }),
    hubListed: (job, listing) =>
      forJob(job, () => {
        const subset = (listing.subsets.find((s) => s.name === 'default') ?? listing.subsets[0])
          .name;
        return { status: 'ready', listing, subset, split: firstSplit(listing, subset) };
      }),
    hubRowsKnown: (job, subset, split, rows) =>
      forJob(job, (h) => ({
        listing: h.listing && {
          ...h.listing,
          subsets: h.listing.subsets.map((s) =>
            s.name !== subset
              ? s
              : {
                  ...s,
                  splits: s.splits.map((p) =>
                    p.name === split ? { ...p, rows, counted: true } : p,
                  ),
                },
          ),
        },
      })),
    // A set the Hub has not converted can still be read a file at a time: lead there.
    hubLookupFailed: (job, message) =>
      forJob(job, () => ({ status: 'failed', message, fileOpen: true })),
  };
};
