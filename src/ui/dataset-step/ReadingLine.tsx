// The report's "how rows were read" line: the column mapping in force (as `--columns` writes it)
// and each recognised schema with its words and row count (e.g. Dolly: instruction + context as
// the user turn, response as the answer), and the button that opens the mapping dialog, also for
// a dataset that was recognised (to override how it was read).
import { fmtInt } from '../format.ts';
import { useStudio, useStudioShallow } from '../store/index.ts';

export function ReadingLine() {
  const { reading, mapping, open } = useStudioShallow((s) => ({
    reading: s.dataset.reading,
    mapping: s.dataset.mapping,
    open: s.dataset.mappingOpen,
  }));
  const setMappingOpen = useStudio((s) => s.setMappingOpen);
  if (!reading) return null;
  return (
    <div className="reading-line" data-testid="dataset-reading" data-spec={reading.spec}>
      {reading.spec && (
        <span>
          Columns <code>{reading.spec}</code> ·
        </span>
      )}
      {reading.readings.length > 0 ? (
        <ul>
          {reading.readings.map((r) => (
            <li key={r.reading}>
              {r.reading === 'mapped' ? 'Read through this mapping' : `Read as ${r.text}`}{' '}
              <span className="num subtle">({fmtInt(r.rows)} rows)</span>
            </li>
          ))}
        </ul>
      ) : (
        !mapping && <span>Rows in the standard formats: no column mapping needed.</span>
      )}
      {!open && (
        <button
          type="button"
          className="btn btn-sm"
          data-testid="open-mapping"
          onClick={() => setMappingOpen(true)}
        >
          {mapping ? 'Change column mapping…' : 'Map columns…'}
        </button>
      )}
    </div>
  );
}
