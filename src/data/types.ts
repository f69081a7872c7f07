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
}

/** One bad line: where, which field, what is wrong. */
export interface LineError {
  line: number;
  /** JSON path of the offending field, e.g. `messages[2].role`; empty when the whole line is bad. */
  field: string;
  message: string;
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
}

export const kIgnoreIndex = -100;
