// Streaming JSONL parser: feed it text chunks as they arrive (a 100 MB file is read in pieces in
// a Web Worker), get back normalised examples and precise line errors. Lines may be split across
// chunks; a UTF-8 BOM at the very start, CRLF endings and blank or whitespace-only lines are
// handled silently. Line numbers are 1-based physical lines of the file, blank lines included.
import { normaliseLine, isLineError } from './formats';
import type { Example, LineError, ParseResult } from './types';

export interface JsonlParser {
  /** Feed the next chunk of text (any size, may end mid-line). */
  push(chunk: string): void;
  /** Flush the last line (a file need not end with a newline) and return everything. */
  end(): ParseResult;
  /** Physical lines consumed so far (for progress reporting). */
  linesSeen(): number;
}

export interface JsonlParserOptions {
  /** Called for each line's outcome as soon as it is parsed (lets a worker stream results). */
  onLine?: (outcome: Example | LineError) => void;
}

/** The JSON value of one physical line; null for blank lines, a `json` error when invalid. */
export function parseJsonlValue(raw: string, line: number): { value: unknown } | LineError | null {
  const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (text.trim() === '') return null;
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return { line, field: '', kind: 'json', message: `not valid JSON: ${why}` };
  }
}

/** Parse one physical line; null for blank lines. `line` is 1-based. */
export function parseJsonlLine(raw: string, line: number): Example | LineError | null {
  const parsed = parseJsonlValue(raw, line);
  if (parsed === null || !('value' in parsed)) return parsed;
  return normaliseLine(parsed.value, line);
}

export interface LineSplitter {
  /** Feed the next chunk of text (any size, may end mid-line). */
  push(chunk: string): void;
  /** Flush the last line (a file need not end with a newline). */
  end(): void;
  /** Physical lines emitted so far. */
  linesSeen(): number;
}

/**
 * Cut streamed text into physical lines, numbered from 1, with a UTF-8 BOM at the very start
 * dropped. Lines keep a trailing "\r" (CRLF files); parseJsonlValue strips it.
 */
export function createLineSplitter(onLine: (raw: string, line: number) => void): LineSplitter {
  let pending = '';
  let line = 0;
  let started = false;
  let ended = false;
  return {
    push(chunk: string) {
      if (ended) throw new Error('JSONL parser: push() after end()');
      if (!started && chunk.length > 0) {
        started = true;
        if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
      }
      pending += chunk;
      let start = 0;
      let nl = pending.indexOf('\n', start);
      while (nl !== -1) {
        onLine(pending.slice(start, nl), ++line);
        start = nl + 1;
        nl = pending.indexOf('\n', start);
      }
      pending = pending.slice(start);
    },
    end() {
      if (ended) return;
      ended = true;
      if (pending.length > 0) onLine(pending, ++line);
      pending = '';
    },
    linesSeen: () => line,
  };
}

export function createJsonlParser(options: JsonlParserOptions = {}): JsonlParser {
  const examples: Example[] = [];
  const errors: LineError[] = [];
  let nonBlank = 0;
  const splitter = createLineSplitter((raw, line) => {
    const outcome = parseJsonlLine(raw, line);
    if (outcome === null) return;
    nonBlank += 1;
    if (isLineError(outcome)) errors.push(outcome);
    else examples.push(outcome);
    options.onLine?.(outcome);
  });
  return {
    push: (chunk: string) => splitter.push(chunk),
    end(): ParseResult {
      splitter.end();
      return { examples, errors, totalLines: nonBlank };
    },
    linesSeen: () => splitter.linesSeen(),
  };
}

/** Parse a whole JSONL text at once. */
export function parseJsonl(text: string): ParseResult {
  const parser = createJsonlParser();
  parser.push(text);
  return parser.end();
}
