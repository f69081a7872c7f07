// The diversity view: what the curated set covers, as a bar chart. The category column when the
// rows have one (Dolly's `category`), otherwise the openings of the user turns (first two words):
// a set where most prompts start the same way teaches one task, however many rows it has, so one
// bar over 40% of the rows gets a warning.
import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { Diversity } from '../../worker/protocol.ts';
import { fmtInt, fmtPct } from '../format.ts';
import { useStudio } from '../store/index.ts';

interface Datum {
  label: string;
  count: number;
}

function TooltipBody({ active, payload }: { active?: boolean; payload?: { payload: Datum }[] }) {
  const d = payload?.[0]?.payload;
  if (!active || !d) return null;
  return (
    <div className="chart-tip">
      <strong>{d.label}</strong>
      <span className="num">
        {fmtInt(d.count)} row{d.count === 1 ? '' : 's'}
      </span>
    </div>
  );
}

function Chart({ diversity }: { diversity: Diversity }) {
  const data: Datum[] = diversity.bars;
  const top = diversity.dominant?.label;
  const height = Math.max(120, 24 * data.length + 30);
  return (
    <ResponsiveContainer width="100%" height={height}>
      <BarChart data={data} layout="vertical" margin={{ top: 4, right: 16, bottom: 4, left: 8 }}>
        <CartesianGrid horizontal={false} stroke="var(--border)" />
        <XAxis
          type="number"
          allowDecimals={false}
          tick={{ fontSize: 11, fill: 'var(--text-3)' }}
          stroke="var(--border-strong)"
        />
        <YAxis
          type="category"
          dataKey="label"
          width={130}
          interval={0}
          tick={{ fontSize: 11, fill: 'var(--text-2)' }}
          stroke="var(--border-strong)"
        />
        <Tooltip content={<TooltipBody />} cursor={{ fill: 'var(--surface-3)' }} />
        <Bar dataKey="count" isAnimationActive={false} radius={[0, 2, 2, 0]}>
          {data.map((d) => (
            <Cell
              key={d.label}
              fill={
                d.label === top
                  ? 'var(--warn)'
                  : d.label === 'other'
                    ? 'var(--text-3)'
                    : 'var(--accent)'
              }
            />
          ))}
        </Bar>
      </BarChart>
    </ResponsiveContainer>
  );
}

export function DiversityChart() {
  const diversity = useStudio((s) =>
    s.curation.job === s.dataset.job ? (s.curation.report?.diversity ?? null) : null,
  );
  if (!diversity) return null;
  const d = diversity.dominant;
  return (
    <div
      className="diversity"
      data-testid="diversity-chart"
      data-by={diversity.by}
      data-bars={diversity.bars.length}
      data-dominant={d?.label ?? ''}
    >
      <h3>
        What the set covers
        <span className="subtle">
          {' '}
          {diversity.by === 'category'
            ? '· the category column'
            : '· how the user turns open (first two words)'}
        </span>
      </h3>
      {d && (
        <div className="callout callout-warn" data-testid="diversity-warning">
          <span>
            <strong>
              {fmtPct(Math.round(d.share * diversity.total), diversity.total)} of the rows
            </strong>{' '}
            {diversity.by === 'category' ? `are in “${d.label}”` : `open with “${d.label}”`}: a set
            this uniform teaches mostly one task, however many rows it has. Add rows of other kinds.
          </span>
        </div>
      )}
      {diversity.total === 0 ? (
        <div className="chart-empty subtle">No rows yet.</div>
      ) : (
        <Chart diversity={diversity} />
      )}
    </div>
  );
}
