// Token-length distribution (tokens per example, before truncation) with the max length marked.
import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { TokenStats } from '../../worker/protocol.ts';
import { fmtInt } from '../format.ts';

interface Datum {
  mid: number;
  start: number;
  end: number;
  count: number;
  over: boolean;
}

function TooltipBody({ active, payload }: { active?: boolean; payload?: { payload: Datum }[] }) {
  const d = payload?.[0]?.payload;
  if (!active || !d) return null;
  return (
    <div className="chart-tip">
      <strong className="num">
        {fmtInt(d.start)}–{fmtInt(d.end - 1)} tokens
      </strong>
      <span className="num">
        {fmtInt(d.count)} example{d.count === 1 ? '' : 's'}
      </span>
      {d.over && <span className="warn-text">over the max length</span>}
    </div>
  );
}

export function LengthHistogram({ stats }: { stats: TokenStats }) {
  const data: Datum[] = stats.histogram.map((b) => ({
    mid: (b.binStart + b.binEnd) / 2,
    start: b.binStart,
    end: b.binEnd,
    count: b.count,
    over: b.binEnd > stats.maxLength,
  }));
  const width = data.length ? data[0].end - data[0].start : 1;
  const lastEnd = data.length ? data[data.length - 1].end : 1;
  const showMax = stats.maxLength <= lastEnd * 1.5;
  const domainEnd = Math.max(lastEnd, showMax ? stats.maxLength + width : 0);
  return (
    <div className="histogram" data-testid="length-histogram">
      {!showMax && (
        <p className="chart-note subtle">
          The max length ({fmtInt(stats.maxLength)} tokens) is far to the right: every example fits.
        </p>
      )}
      <ResponsiveContainer width="100%" height={220}>
        <BarChart
          data={data}
          margin={{ top: 12, right: 16, bottom: 22, left: 4 }}
          barCategoryGap={1}
        >
          <CartesianGrid vertical={false} stroke="var(--border)" />
          <XAxis
            dataKey="mid"
            type="number"
            domain={[0, domainEnd]}
            tickFormatter={(v: number) => fmtInt(Math.round(v))}
            tick={{ fontSize: 11, fill: 'var(--text-3)' }}
            stroke="var(--border-strong)"
            label={{
              value: 'tokens per example (before truncation)',
              position: 'insideBottom',
              offset: -12,
              fontSize: 11,
              fill: 'var(--text-2)',
            }}
          />
          <YAxis
            allowDecimals={false}
            width={44}
            tick={{ fontSize: 11, fill: 'var(--text-3)' }}
            stroke="var(--border-strong)"
            label={{
              value: 'examples',
              angle: -90,
              position: 'insideLeft',
              offset: 12,
              fontSize: 11,
              fill: 'var(--text-2)',
            }}
          />
          <Tooltip content={<TooltipBody />} cursor={{ fill: 'var(--surface-3)' }} />
          <Bar dataKey="count" isAnimationActive={false} radius={[2, 2, 0, 0]}>
            {data.map((d) => (
              <Cell key={d.start} fill={d.over ? 'var(--warn)' : 'var(--accent)'} />
            ))}
          </Bar>
          {showMax && (
            <ReferenceLine
              x={stats.maxLength}
              stroke="var(--danger)"
              strokeDasharray="4 3"
              label={{
                value: `max length ${fmtInt(stats.maxLength)}`,
                position: 'insideTopRight',
                fontSize: 11,
                fill: 'var(--danger)',
              }}
            />
          )}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
