// The typed messages between the UI and the dataset worker (and the shapes they carry).
// Every message is a discriminated union member tied to its `kind`; payloads are plain
// structured-cloneable data (File objects included), so the UI store can keep them as they are.
// The UI imports types from this file and engineProtocol.ts only, never from src/data or the engine.
import type { BuiltinTemplate, TemplateChoice } from '../data/choice.ts';
import type { ExampleSet } from '../data/exampleset.ts';
import type { DatasetFormat, LineError, Message, Role, TokenStats } from '../data/types.ts';
import type { CurationRecord, RunPlan, TrainSettings } from '../engine/index.ts';
import type { LintFlag, LintKind } from '../data/lint/types.ts';
import type {
  ColumnMapping,
  DatasetReading,
  HubDatasetInput,
  HubListing,
  SourceFileProgress,
} from './sourceProtocol.ts';

export type * from './sourceProtocol.ts';

export type {
  DatasetFormat,
  LineError,
  Message,
  Role,
  TokenStats,
  BuiltinTemplate,
  TemplateChoice,
  CurationRecord,
  LintFlag,
  LintKind,
};
export { kLintKinds } from '../data/lint/types.ts';

// ---------------------------------------------------------------------------------------------
// Shapes

/** Where the tokenizer comes from. Local files are sent as File objects; the worker reads them.
 * `model`: the loaded model's own tokenizer files, as the engine read them (the one the dataset is
 * then tokenized with, so the preview shows exactly what trains). */
export type TokenizerSource =
  | { kind: 'hub'; id: string; endpoint?: string; revision?: string }
  | { kind: 'files'; tokenizerJson: File; tokenizerConfig: File }
  | { kind: 'model'; name: string; json: string; config: string; fingerprint: string };

export interface PreviewSettings {
  template: TemplateChoice;
  maxLength: number;
  /** The date pinned for templates that print today's date (`strftime_now`), ISO `YYYY-MM-DD`. */
  date: string;
}

export interface TokenizerInfo {
  /** Hub id or the name given to local files. */
  name: string;
  vocabSize: number;
  /** True when tokenizer_config.json carries a chat_template. */
  hasChatTemplate: boolean;
  /** Special tokens worth showing (bos, eos, end of turn). */
  specialTokens: string[];
  /** True when this is the loaded model's own tokenizer. */
  fromModel: boolean;
}

/** The chat template actually used (the model's own, a built-in, or custom). */
export interface TemplateInfo {
  /** 'tokenizer', 'tokenizer:<name>', 'chatml', 'llama3', 'mistral' or 'custom'. */
  name: string;
  source: 'tokenizer' | 'builtin' | 'custom';
  /** True when the template prints the date (Llama 3.1+ `strftime_now`). */
  usesDate: boolean;
  /** The pinned date as the template prints it, e.g. "26 Jul 2024". */
  dateString: string;
}

/** Report problems an example can have; the example browser filters on them. */
export type ExampleFlag = 'duplicate' | 'empty-answer' | 'truncated' | 'excluded';

/** Bit of each flag in `ExampleTable.flags`. */
export const kFlagBits: Readonly<Record<ExampleFlag, number>> = {
  duplicate: 1,
  'empty-answer': 2,
  truncated: 4,
  excluded: 8,
};

/** Format of each example in `ExampleTable.format`, by index. */
export const kFormats: readonly DatasetFormat[] = [
  'messages',
  'alpaca',
  'prompt_completion',
  'sharegpt',
  'text',
];

/**
 * All valid examples, summarised for the virtualized list, as columns: typed arrays cross the
 * worker boundary by transfer (no copy), so 100k examples arrive without freezing the page.
 * Token arrays stay in the worker; the selected example is fetched on its own (ExampleDetail).
 */
export interface ExampleTable {
  count: number;
  /** 1-based line numbers, ascending. */
  line: Int32Array;
  /** Index into kFormats. */
  format: Uint8Array;
  /** Messages per example (0 for `text`). */
  turns: Uint16Array;
  /** kFlagBits, OR-ed. */
  flags: Uint8Array;
  /** Token counts after truncation; -1 until a tokenizer has tokenized the dataset. */
  tokens: Int32Array;
  trained: Int32Array;
  /** Quality flags (src/data/lint): bit k set when the row has the flag kLintKinds[k]. A dropped
   * row keeps the flags it had when it was dropped. */
  lint: Uint16Array;
  /** Curation state: kRowDropped | kRowEdited | kRowByHand, OR-ed. */
  curation: Uint8Array;
  /** The first user message (or the text), shortened: example i is
   * previewText.slice(previewStart[i], previewStart[i + 1]). */
  previewText: string;
  previewStart: Int32Array;
}

/** Bits of `ExampleTable.curation`. */
export const kRowDropped = 1;
export const kRowEdited = 2;
export const kRowByHand = 4;

/** The columns that change when the dataset is (re-)tokenized. */
export type TokenColumns = Pick<ExampleTable, 'flags' | 'tokens' | 'trained'>;

export interface HistogramBin {
  /** Inclusive lower and exclusive upper bound, in tokens (or turns). */
  start: number;
  end: number;
  count: number;
}

export interface DatasetSummary {
  name: string;
  bytes: number;
  /** Non-blank lines seen. */
  totalLines: number;
  validExamples: number;
  errorLines: number;
  formats: Partial<Record<DatasetFormat, number>>;
  mixedFormats: boolean;
  /** Messages per example. */
  turns: { min: number; max: number; mean: number; histogram: HistogramBin[] };
  /** Examples identical to an earlier line (the first occurrence is not counted). */
  duplicates: number;
  emptyAnswers: number;
  /** Absent until tokenized. */
  tokens?: TokenStats;
}

/** One example, fully tokenized, for the token preview. Columnar to keep messages small. */
export interface ExampleDetail {
  line: number;
  format: DatasetFormat;
  inputIds: number[];
  labels: number[];
  roles: (Role | 'template')[];
  /** Display text of each token; concatenated they give the rendered text. A token that only
   * completes a multi-byte character with the next ones has an empty piece and `partial` set. */
  pieces: string[];
  partial: boolean[];
  fullLength: number;
  truncatedTrainedTokens: number;
  flags: ExampleFlag[];
}

/** A prompt of the Try step's prompt set: the conversation up to its last assistant turn, and
 * that turn as the reference (null for a pasted question). `line` is the dataset row (1-based), or
 * the question's number in the pasted list. */
export interface PromptItem {
  line: number;
  messages: Message[];
  reference: string | null;
}

/** Which rows `take-prompts` returns: these row numbers, or the first N with an assistant turn. */
export type PromptPick = { lines: number[] } | { first: number };

/** An example's content as the editor shows it: messages, or the text of a `text` row. */
export interface EditableExample {
  messages: Message[];
  text?: string;
}

/** One curation step on the dataset worker's rows (undo reverts the last one). */
export type CurationAction =
  | { op: 'drop'; lines: number[] }
  | { op: 'restore'; lines: number[] }
  /** Drops every kept row with this flag ("drop all exact duplicates", "keep only the first of
   * each near-duplicate cluster" for near_duplicate). */
  | { op: 'drop-flag'; flag: LintKind }
  | { op: 'edit'; line: number; example: EditableExample }
  | { op: 'add'; example: EditableExample }
  | { op: 'undo' };

/** What the set covers: the category column, or the openings of the user turns. */
export interface Diversity {
  by: 'category' | 'opening';
  /** Top 12 by count, then "other" (when there are more). */
  bars: { label: string; count: number }[];
  total: number;
  /** The top bar when it covers more than 40% of the rows. */
  dominant: { label: string; share: number } | null;
}

/** The curated set's quality report (sent with every change). */
export interface CurationReport {
  record: CurationRecord;
  /** Rows that train (not dropped). */
  kept: number;
  /** Kept rows with each flag, for the kinds checked so far. */
  flags: Partial<Record<LintKind, number>>;
  /** special_tokens and truncated are checked once a tokenizer has tokenized the set. */
  checked: LintKind[];
  diversity: Diversity;
  /** What undo would revert, or null. */
  undo: string | null;
}

/** The selected row's content, flags and curation state (for the editor and the flag list). */
export interface ExampleCuration {
  line: number;
  format: DatasetFormat;
  example: EditableExample;
  flags: LintFlag[];
  dropped: boolean;
  edited: boolean;
  byHand: boolean;
}

// ---------------------------------------------------------------------------------------------
// UI → worker

export type DatasetInput =
  { kind: 'file'; file: File } | { kind: 'url'; url: string; name: string } | HubDatasetInput;

export type WorkerRequest =
  | { kind: 'load-tokenizer'; job: number; source: TokenizerSource }
  | { kind: 'configure'; settings: PreviewSettings }
  /** `mapping`: read every row through this column mapping (the mapping dialog). */
  | { kind: 'load-dataset'; job: number; input: DatasetInput; mapping?: ColumnMapping | null }
  /** Stop reading the dataset of this job (the Cancel button). */
  | { kind: 'cancel-dataset'; job: number }
  /** The subsets and splits of a Hub dataset, then their row counts (hub-listing, hub-rows). */
  | { kind: 'hub-lookup'; job: number; repo: string; endpoint: string; token?: string }
  | { kind: 'get-example'; line: number }
  /** The tokenized dataset for training (a copy: the worker keeps its own for the preview). */
  | { kind: 'take-examples'; job: number }
  /** How long a run with these settings would be (steps, rows), and what to change if too short. */
  | { kind: 'plan-run'; job: number; settings: TrainSettings }
  /** Prompts with their references (src/data promptAndReference), for the Try step's set. */
  | { kind: 'take-prompts'; job: number; pick: PromptPick }
  /** A curation step on the dataset of `job` (ignored when another dataset replaced it). */
  | { kind: 'curate'; job: number; action: CurationAction }
  /** Tokenizes an editor's draft for its live token preview (nothing is kept). */
  | { kind: 'preview-draft'; job: number; line: number; example: EditableExample }
  /** The curated set as JSONL, and the dropped rows with their flags. */
  | { kind: 'export-curated'; job: number };

// ---------------------------------------------------------------------------------------------
// worker → UI

export type DatasetPhase = 'reading' | 'tokenizing';

export type WorkerEvent =
  | { kind: 'tokenizer-loading'; job: number; message: string }
  | { kind: 'tokenizer-ready'; job: number; info: TokenizerInfo }
  | { kind: 'tokenizer-failed'; job: number; message: string }
  | {
      kind: 'dataset-progress';
      job: number;
      phase: DatasetPhase;
      /** Bytes read (reading) or examples tokenized (tokenizing). */
      done: number;
      total: number;
      lines: number;
      /** The file being read, for sources of several files (a Hub split). */
      file?: SourceFileProgress;
    }
  | {
      kind: 'dataset-parsed';
      job: number;
      summary: DatasetSummary;
      table: ExampleTable;
      errors: LineError[];
    }
  | {
      kind: 'dataset-tokenized';
      job: number;
      summary: DatasetSummary;
      /** Null in the interim updates (statistics only) sent while a large dataset is tokenized. */
      columns: TokenColumns | null;
      done: boolean;
    }
  | { kind: 'dataset-failed'; job: number; message: string }
  /** How the rows were read (columns, recognised schemas, mapping); sent before dataset-parsed. */
  | { kind: 'dataset-reading'; job: number; reading: DatasetReading }
  | { kind: 'dataset-cancelled'; job: number }
  | { kind: 'hub-listing'; job: number; listing: HubListing }
  | { kind: 'hub-rows'; job: number; subset: string; split: string; rows: number | null }
  | { kind: 'hub-failed'; job: number; message: string }
  | { kind: 'template-ready'; template: TemplateInfo }
  | { kind: 'template-failed'; message: string }
  | { kind: 'example-detail'; detail: ExampleDetail }
  | { kind: 'example-failed'; line: number; message: string }
  | {
      kind: 'examples';
      job: number;
      name: string;
      examples: ExampleSet;
      /** What curation dropped, edited and added in the set (the run records it). */
      curation: CurationRecord;
    }
  | { kind: 'examples-failed'; job: number; message: string }
  | { kind: 'run-plan'; job: number; plan: RunPlan }
  | { kind: 'prompts'; job: number; items: PromptItem[] }
  | { kind: 'prompts-failed'; job: number; message: string }
  | { kind: 'lint-progress'; job: number; done: number; total: number }
  /** The table and the report after a curation step or a lint pass; `select`: a row to show. */
  | {
      kind: 'dataset-curated';
      job: number;
      table: ExampleTable;
      summary: DatasetSummary;
      report: CurationReport;
      select: number | null;
    }
  | { kind: 'curate-failed'; job: number; message: string }
  | { kind: 'example-curation'; info: ExampleCuration }
  | {
      kind: 'draft-detail';
      job: number;
      detail: ExampleDetail | null;
      flags: LintFlag[];
      error: string;
    }
  | { kind: 'curated-export'; job: number; name: string; curated: string; dropped: string };
