// The shapes the dataset worker and the UI exchange about WHERE rows come from and HOW they were
// read: a Hugging Face Hub dataset split or file (the Hub picker), the Hub's subsets and splits with row
// counts, and the columns found with a few values each, the readings (Dolly, question/answer, ...)
// and the column mapping in force (the mapping dialog and the report). protocol.ts re-exports them.
import type { ColumnMapping, MappingTarget } from '../data/mapping.ts';
import type { DatasetFormat, RowReading } from '../data/types.ts';

export type { ColumnMapping, MappingTarget, RowReading };

/**
 * A Hub dataset: a split of the Hub's Parquet conversion (read with range requests), or one file
 * of the repo at a revision (for sets the Hub has not converted, or another branch or commit).
 */
export interface HubDatasetInput {
  kind: 'hub';
  /** `org/name`. */
  repo: string;
  /** Subset and split of the Parquet conversion (unused when `file` is set). */
  subset?: string;
  split?: string;
  /** One file of the repo (e.g. `data/train.jsonl`), in any format the sources read. */
  file?: string;
  /** The first N rows only; null for all. */
  limit: number | null;
  /** The Hub endpoint (the Model step's, like HF_ENDPOINT). */
  endpoint: string;
  /** Branch, tag or commit of `file`; default `main` (the conversion is of `main` only). */
  revision?: string;
  /** Access token for gated or private datasets (like HF_TOKEN); sent as a Bearer header only. */
  token?: string;
}

/** One split of the Hub listing: its Parquet files and, once read from their footers, its rows. */
export interface HubSplit {
  name: string;
  files: number;
  /** Null until the footers are read (or when they could not be). */
  rows: number | null;
  /** Set once the footers were tried (rows stays null when they could not be read). */
  counted?: boolean;
}

export interface HubSubset {
  name: string;
  splits: HubSplit[];
}

/** What "Look up" found for a Hub dataset id. */
export interface HubListing {
  repo: string;
  endpoint: string;
  subsets: HubSubset[];
}

/** Which file of a multi-file source is being read (Hub splits). */
export interface SourceFileProgress {
  /** 0-based. */
  index: number;
  count: number;
  name: string;
  fromCache: boolean;
}

/** A column found in the rows, with a few of its values (shortened) for the mapping dialog. */
export interface ColumnSample {
  name: string;
  values: string[];
}

/** A mapping proposed from column names and values (src/data proposeMapping). */
export interface MappingProposalInfo {
  mapping: ColumnMapping;
  format: DatasetFormat;
  reasons: Partial<Record<MappingTarget, string>>;
}

/** How the rows of the dataset were read, for the report, the mapping dialog and the model card. */
export interface DatasetReading {
  columns: ColumnSample[];
  /** Examples read through each recognised schema or the mapping, with the words for each. */
  readings: { reading: RowReading; rows: number; text: string }[];
  /** The mapping the rows were read with (null: standard formats and recognised schemas). */
  mapping: ColumnMapping | null;
  /** The mapping as `--columns` writes it ('' when there is none). */
  spec: string;
  proposal: MappingProposalInfo | null;
  /** Most rows matched no known format: the studio opens the mapping dialog by itself. */
  unrecognized: boolean;
  /** One line for the model card: the mapping and how rows were read ('' for standard rows). */
  card: string;
}
