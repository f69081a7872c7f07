// The ModelSource contract and its errors, shared by every source (kept apart from source.ts so
// the Hub source can import them without an import cycle).

export interface ModelSource {
  /** Human-readable origin for messages: a folder path, `hub:org/name@main`, … */
  readonly name: string;
  /** The whole file. Throws ModelFileNotFoundError if it does not exist. */
  readFile(path: string): Promise<Uint8Array>;
  /** Bytes [start, end) of a file. Throws if the range is outside the file. */
  readRange(path: string, start: number, end: number): Promise<Uint8Array>;
  /** Size of a file in bytes. Throws ModelFileNotFoundError if it does not exist. */
  size(path: string): Promise<number>;
  exists(path: string): Promise<boolean>;
}

export class ModelFileNotFoundError extends Error {
  constructor(
    readonly source: string,
    readonly path: string,
    hint = '',
  ) {
    super(`${path} not found in ${source}${hint ? `: ${hint}` : ''}`);
    this.name = 'ModelFileNotFoundError';
  }
}

export class ModelSourceError extends Error {
  constructor(source: string, path: string, detail: string, options?: ErrorOptions) {
    super(`${source}/${path}: ${detail}`, options);
    this.name = 'ModelSourceError';
  }
}

/** Check a byte range against a file size; shared by every source. */
export function checkRange(
  source: string,
  path: string,
  start: number,
  end: number,
  size: number,
): void {
  if (!(
    Number.isInteger(start) &&
    Number.isInteger(end) &&
    0 <= start &&
    start <= end &&
    end <= size
  )) {
    throw new ModelSourceError(
      source,
      path,
      `byte range [${start}, ${end}) is outside the file (${size} bytes)`,
    );
  }
}
