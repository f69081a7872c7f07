// `--data SOURCE` for every command that reads a dataset: a local file of any kind the data layer
// reads (.jsonl, .jsonl.gz, .json, .csv, .tsv, .parquet; src/data/sources) or a Hugging Face Hub
// dataset, `hf://datasets/OWNER/NAME[@REVISION][/PATH]` (the Parquet conversion of a subset and
// split, or one file of the repo), with `--subset`, `--split`, `--limit` and `--columns`. Hub files
// are cached like models (under $SFT_STUDIO_CACHE), so a second load works with the network gone.
// Every row keeps its 1-based row number (line, element, data row, or row of the split).
import { existsSync, openAsBlob, statSync } from 'node:fs';
import {
  detectSourceFormat,
  openHubRows,
  openRows,
  parseColumnsSpec,
  readExamples,
  type ColumnMapping,
  type ReadExamplesResult,
  type RowItem,
} from '../data/index.ts';
import { UsageError, type FlagSpec } from './args.ts';
import { checkFitsInHeap } from './memory-guard.ts';
import { diskCache, defaultCacheDir } from './model-source.ts';

/** The flags every dataset-reading command takes, beside `--data`. */
export const kDataFlags = {
  subset: { type: 'string', metavar: 'NAME', help: 'Hub dataset subset (config)' },
  split: { type: 'string', metavar: 'NAME', help: 'Hub dataset split (default train)' },
  limit: { type: 'int', metavar: 'N', help: 'read only the first N rows' },
  columns: {
    type: 'string',
    metavar: 'SPEC',
    help: 'column mapping target=source,... (e.g. prompt=question,completion=answer)',
  },
} satisfies FlagSpec;

export const kDataHelp =
  'dataset: .jsonl, .jsonl.gz, .json, .csv, .tsv, .parquet, or hf://datasets/OWNER/NAME[@REV][/PATH]';

export interface DataFlags {
  data?: string;
  subset?: string;
  split?: string;
  limit?: number;
  columns?: string;
}

const kHub = /^hf:\/\/datasets\/([\w.-]+\/[\w.-]+)(?:@([^/]+))?(?:\/(.+))?$/;

function progressLine(quiet: boolean) {
  let last = 0;
  return (what: string) => {
    const now = performance.now();
    if (quiet || now - last < 1000) return;
    last = now;
    process.stderr.write(`${what}\n`);
  };
}

/** The rows of `--data`, as the data layer yields them. */
export async function openDataRows(
  f: DataFlags,
  command: string,
  quiet = false,
): Promise<AsyncIterable<RowItem>> {
  const spec = f.data;
  if (!spec) throw new UsageError(`${command}: missing required flag --data SOURCE`);
  if (f.limit !== undefined && f.limit < 1)
    throw new UsageError(`${command}: --limit must be at least 1`);
  const say = progressLine(quiet);
  if (spec.startsWith('hf://')) {
    const m = kHub.exec(spec);
    if (!m) {
      throw new UsageError(
        `${command}: --data ${spec}: a Hub dataset is hf://datasets/OWNER/NAME[@REVISION][/PATH]`,
      );
    }
    return openHubRows({
      repo: m[1],
      revision: m[2],
      file: m[3],
      subset: f.subset,
      split: f.split,
      limit: f.limit,
      endpoint: process.env.HF_ENDPOINT,
      token: process.env.HF_TOKEN,
      cache: diskCache(defaultCacheDir()),
      onProgress: (p) =>
        say(
          `${p.fromCache ? 'cached' : 'reading'} ${p.file} (${p.fileIndex + 1}/${p.files}): ${p.rows} rows`,
        ),
    });
  }
  if (f.subset !== undefined || f.split !== undefined) {
    throw new UsageError(`${command}: --subset and --split are for hf://datasets/... sources`);
  }
  if (!existsSync(spec) || !statSync(spec).isFile()) {
    throw new UsageError(`${command}: --data ${spec}: no such file`);
  }
  const format = detectSourceFormat(spec) ?? 'jsonl';
  if (f.limit === undefined && format !== 'parquet' && !/\.gz$/i.test(spec)) {
    checkFitsInHeap(command, spec, statSync(spec).size);
  }
  // A disk-backed Blob: Parquet reads only the byte ranges it needs.
  const blob = await openAsBlob(spec);
  return openRows(
    { name: spec, data: blob },
    {
      limit: f.limit,
      // A file without a known extension is read as JSON Lines, as it always was.
      format,
      onProgress: (p) => say(`reading ${spec}: ${p.rows} rows`),
    },
  );
}

/** `--columns` as a mapping (a usage error names the bad part). */
export function mappingOf(f: DataFlags, command: string): ColumnMapping | undefined {
  if (f.columns === undefined) return undefined;
  try {
    return parseColumnsSpec(f.columns);
  } catch (e) {
    throw new UsageError(`${command}: --columns ${f.columns}: ${(e as Error).message}`);
  }
}

/** The examples of `--data` (bad rows kept as errors with their row numbers). */
export async function readDataSource(
  f: DataFlags,
  command: string,
  quiet = false,
): Promise<ReadExamplesResult> {
  const rows = await openDataRows(f, command, quiet);
  return readExamples(rows, { mapping: mappingOf(f, command) });
}
