// How a dataset's rows were read, for the studio: the columns found with a few values each and a
// proposed mapping (the mapping dialog), the recognised schemas with their words (src/data
// describeReading: the report), the mapping in force as a `--columns` spec, and one line that the
// model card carries. "Unrecognized" (most rows in no known format) opens the dialog by itself.
import {
  describeReading,
  formatColumnsSpec,
  proposeMapping,
  type ColumnMapping,
  type ReadExamplesResult,
} from '../data/index.ts';
import type { DatasetReading, RowReading } from './sourceProtocol.ts';

const kValuesPerColumn = 3;
const kValueChars = 90;

/** A value as one short line (lists and objects as JSON). */
function showValue(v: unknown): string {
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  const flat = text
    .slice(0, 4 * kValueChars)
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > kValueChars ? `${flat.slice(0, kValueChars - 1)}…` : flat;
}

export function datasetReading(
  result: ReadExamplesResult,
  firstRows: readonly unknown[],
  mapping: ColumnMapping | null,
): DatasetReading {
  const objects = firstRows as readonly Record<string, unknown>[];
  const columns = result.columns.map((name) => ({
    name,
    values: objects
      .map((r) => r[name])
      .filter((v) => v !== undefined && v !== null && v !== '')
      .slice(0, kValuesPerColumn)
      .map(showValue),
  }));
  const readings = (Object.entries(result.readings) as [RowReading, number][]).map(
    ([reading, rows]) => ({ reading, rows, text: describeReading(reading) }),
  );
  const unknown = result.errors.filter((e) => e.kind === 'unknown_format').length;
  const spec = mapping ? formatColumnsSpec(mapping) : '';
  const card = [spec && `columns \`${spec}\``, ...readings.map((r) => `${r.text} (${r.rows} rows)`)]
    .filter(Boolean)
    .join('; ');
  return {
    columns,
    readings,
    mapping,
    spec,
    proposal: proposeMapping(result.columns, firstRows),
    unrecognized: mapping === null && result.totalLines > 0 && unknown * 2 >= result.totalLines,
    card,
  };
}
