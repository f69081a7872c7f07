// The data contracts shared by parsing, templating, masking, the report, the worker and the UI.
// Plain serializable objects only (they cross the worker boundary with postMessage).

export type Role = 'system' | 'user' | 'assistant';
export type DatasetFormat = 'messages' | 'alpaca' | 'prompt_completion' | 'sharegpt' | 'text';

export interface Message {
  role: Role;
  content: string;
}

/** One valid line of the dataset, normalised. `text` examples have no messages. */
export interface Example {
  /** 1-based line number in the source file. */
  line: number;
  format: DatasetFormat;
  /** For chat formats: the conversation. Empty for `text`. */
  messages: Message[];
  /** For the `text` format: the raw text, every token trained. */
  text?: string;
  /**
   * Set when the row was not in one of the formats above as written, but was read through a
   * recognised schema or a column mapping (mapping.ts `describeReading` says it in words).
   */
  readAs?: RowReading;
  /** The row's `category` column when it has one (Dolly has it): the studio's diversity view
   * charts it. Not part of the conversation: never tokenized, never trained. */
  category?: string;
}

/** How a row outside the standard formats was read (see mapping.ts). */
export type RowReading =
  | 'dolly' // instruction/context/response: Alpaca with context as input
  | 'question_answer' // question -> user, answer -> assistant
  | 'query_response' // query -> user, response -> assistant
  | 'input_output' // input -> user, output -> assistant (no instruction)
  | 'role_aliases' // a message list with other role values (human/bot, USER/ASSISTANT, ...)
  | 'mapped'; // a column mapping the user chose

/** One bad line: where, which field, what is wrong. */
export interface LineError {
  line: number;
  /** JSON path of the offending field, e.g. `messages[2].role`; empty when the whole line is bad. */
  field: string;
  message: string;
  /** What kind of problem (optional so hand-written errors stay valid). */
  kind?: LineErrorKind;
}

export interface ParseResult {
  examples: Example[];
  errors: LineError[];
  /** Non-blank lines seen (valid + invalid). */
  totalLines: number;
}

/** A tokenized example: HF convention, labels unshifted, same length as inputIds, -100 = masked. */
export interface TokenizedExample {
  line: number;
  inputIds: number[];
  labels: number[];
  /** Per token: which role's span it came from ('template' for tokens outside any content). */
  roles: (Role | 'template')[];
  /** Tokens before truncation, and trained tokens lost to truncation. */
  fullLength: number;
  truncatedTrainedTokens: number;
  /** Set when no trained token is left: the example is excluded from training (and reported). */
  excluded?: string;
}

export const kIgnoreIndex = -100;

/** Which kind of problem a bad line has (the report counts errors by kind). */
export type LineErrorKind =
  | 'json' // not valid JSON
  | 'not_object' // valid JSON but not an object
  | 'unknown_format' // no known format key
  | 'type' // a field has the wrong type
  | 'missing' // a required field is missing
  | 'role' // unknown role / ShareGPT `from`, or system not first
  | 'content_part' // a non-text content part
  | 'empty' // empty conversation or empty text
  | 'no_assistant' // conversation without an assistant turn
  | 'fields'; // a CSV/TSV row whose fields do not match the header (count, quoting)

/** Dataset statistics, computed before anyone trains (see `buildReport` in report.ts). */
export interface DatasetReport {
  totalLines: number;
  validExamples: number;
  invalidLines: number;
  countsByFormat: Record<DatasetFormat, number>;
  /** More than one format among the valid lines. */
  mixedFormats: boolean;
  /** Turns (messages, system included) per example -> number of examples; `text` counts as 0. */
  turnsHistogram: Record<number, number>;
  /** Groups of lines whose normalised examples are identical (each group has 2+ line numbers). */
  duplicateGroups: number[][];
  /** Lines with at least one assistant answer that is empty or whitespace-only. */
  emptyAnswerLines: number[];
  /** Bad lines by kind of problem ('other' for errors without a kind). */
  errorsByKind: Partial<Record<LineErrorKind | 'other', number>>;
  /** Present when token statistics were computed (a tokenizer and template were given). */
  tokens?: TokenStats;
}

export interface TokenStats {
  maxLength: number;
  /** Valid rows these statistics cover (fewer than the valid rows while tokenization runs). */
  counted: number;
  /** Histogram of full (untruncated) token lengths. */
  histogram: { binStart: number; binEnd: number; count: number }[];
  /** Full (untruncated) lengths: min, max, mean, median and 95th percentile. */
  minLength: number;
  maxSeen: number;
  meanLength: number;
  median: number;
  p95: number;
  /** Tokens, trained tokens and masked tokens training will see (after truncation, excluded
   * examples left out). */
  totalTokens: number;
  trainedTokens: number;
  maskedTokens: number;
  /** Examples longer than maxLength, and trained tokens truncation loses across them. */
  overMaxLength: number;
  overMaxLengthLines: number[];
  truncatedTrainedTokens: number;
  /** Examples left with no trained token (after truncation), or that the template failed on:
   * excluded from training. */
  excluded: { line: number; reason: string }[];
  /** Lines the template could not render (with the template's error). */
  renderErrors: { line: number; error: string }[];
}
