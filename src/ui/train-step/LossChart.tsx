// The live training chart: training loss (raw, and smoothed with a bias-corrected EMA), eval loss
// and the learning rate on a second axis, against the optimizer step. Points reach the store in
// one batch per animation frame (engine bridge); here they are downsampled to at most kMaxPoints
// so recharts stays fast on long runs. `data-points` is the number of loss points drawn. The best
// eval loss so far (whose adapter the engine keeps) is marked, its step in `data-best-eval-step`.
import { useMemo } from 'react';
import {
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  ReferenceDot,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { useStudio, type MetricPoint } from '../store/index.ts';
import { fmtLoss, fmtLr } from './format.ts';
import './watch.css';

const kMaxPoints = 400;
const kLegendOrder = ['training loss', 'smoothed (EMA 0.9)', 'eval loss', 'learning rate'];

/** Every k-th point (k chosen so at most `max` remain), plus the last and every eval point. */
export function downsample(points: MetricPoint[], max = kMaxPoints): MetricPoint[] {
  if (points.length <= max) return points;
  const k = Math.ceil(points.length / max);
  return points.filter(
    (p, i) => i % k === 0 || i === points.length - 1 || p.evalLoss !== undefined,
  );
}

function TooltipBody({
  active,
  payload,
}: {
  active?: boolean;
  payload?: { payload: MetricPoint }[];
}) {
  const d = payload?.[0]?.payload;
  if (!active || !d) return null;
  return (
    <div className="chart-tip">
      <strong className="num">Step {d.step}</strong>
      <span className="num">
        loss {fmtLoss(d.loss)} · smoothed {fmtLoss(d.smooth)}
      </span>
      {d.evalLoss !== undefined && <span className="num">eval loss {fmtLoss(d.evalLoss)}</span>}
      <span className="num subtle">learning rate {fmtLr(d.lr)}</span>
    </div>
  );
}

/** A round tick step (1, 2, 2.5 or 5 × 10^k) giving about `n` intervals over `span`. */
function niceStep(span: number, n = 5): number {
  const raw = span / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * mag;
}

/** The loss axis: the values with a margin, on round ticks, never empty (a flat loss, or a single
 * point, would give recharts a zero-height domain and identical ticks). */
export function lossAxis(points: MetricPoint[]): { domain: [number, number]; ticks: number[] } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of points) {
    for (const v of [p.loss, p.smooth, p.evalLoss]) {
      if (v !== null && v !== undefined && Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
  }
  if (lo > hi) return { domain: [0, 1], ticks: [0, 0.5, 1] };
  const pad = Math.max((hi - lo) * 0.05, 0.05);
  const step = niceStep(hi - lo + 2 * pad);
  const from = Math.max(0, Math.floor((lo - pad) / step) * step);
  const to = Math.ceil((hi + pad) / step) * step;
  const ticks: number[] = [];
  for (let i = 0; from + i * step <= to + step / 2; i++)
    ticks.push(Number((from + i * step).toPrecision(6)));
  return { domain: [ticks[0], ticks[ticks.length - 1]], ticks };
}

export function LossChart() {
  const points = useStudio((s) => s.train.points);
  const total = useStudio((s) => s.train.totalSteps);
  const data = useMemo(() => downsample(points), [points]);
  const lossPoints = data.filter((p) => p.loss !== null).length;
  const withLoss = points.filter((p) => p.loss !== null);
  const first = withLoss[0]?.loss ?? null;
  const last = withLoss[withLoss.length - 1]?.loss ?? null;
  const lastSmooth = withLoss[withLoss.length - 1]?.smooth ?? null;
  const evals = data.filter((p) => p.evalLoss !== undefined);
  const axis = useMemo(() => lossAxis(data), [data]);
  const bestStep = useStudio((s) => s.train.bestStep);
  const best = bestStep === null ? undefined : points.find((p) => p.step === bestStep)?.evalLoss;
  return (
    <div
      className="loss-chart"
      data-testid="loss-chart"
      data-points={lossPoints}
      data-first-loss={first ?? ''}
      data-last-loss={last ?? ''}
      data-last-smoothed={lastSmooth ?? ''}
      data-best-eval-step={bestStep ?? ''}
      data-best-eval-loss={best ?? ''}
    >
      {points.length === 0 ? (
        <div className="chart-empty subtle">
          The loss appears here, step by step, once training starts.
        </div>
      ) : (
        <ResponsiveContainer width="100%" height={320}>
          <ComposedChart data={data} margin={{ top: 8, right: 16, bottom: 22, left: 14 }}>
            <CartesianGrid stroke="var(--border)" vertical={false} />
            <XAxis
              dataKey="step"
              type="number"
              domain={[1, Math.max(total, 2)]}
              allowDecimals={false}
              tick={{ fontSize: 11, fill: 'var(--text-3)' }}
              stroke="var(--border-strong)"
              label={{
                value: 'optimizer step',
                position: 'insideBottom',
                offset: -12,
                fontSize: 11,
                fill: 'var(--text-2)',
              }}
            />
            <YAxis
              yAxisId="loss"
              width={52}
              domain={axis.domain}
              ticks={axis.ticks}
              tickFormatter={(v: number) => String(Number(v.toPrecision(4)))}
              tick={{ fontSize: 11, fill: 'var(--text-3)' }}
              stroke="var(--border-strong)"
              label={{
                value: 'loss (nats / token)',
                angle: -90,
                position: 'left',
                offset: -4,
                fontSize: 11,
                fill: 'var(--text-2)',
              }}
            />
            <YAxis
              yAxisId="lr"
              orientation="right"
              width={70}
              domain={[0, 'auto']}
              tickFormatter={(v: number) => fmtLr(v)}
              tick={{ fontSize: 11, fill: 'var(--text-3)' }}
              stroke="var(--border-strong)"
              label={{
                value: 'learning rate',
                angle: 90,
                position: 'right',
                offset: -4,
                fontSize: 11,
                fill: 'var(--text-2)',
              }}
            />
            <Tooltip content={<TooltipBody />} isAnimationActive={false} />
            <Legend
              verticalAlign="top"
              height={28}
              iconSize={10}
              wrapperStyle={{ fontSize: 12 }}
              itemSorter={(item) => kLegendOrder.indexOf(String(item.value))}
            />
            <Line
              yAxisId="loss"
              dataKey="loss"
              name="training loss"
              stroke="var(--accent)"
              strokeOpacity={0.45}
              strokeWidth={1}
              dot={false}
              isAnimationActive={false}
              connectNulls
            />
            <Line
              yAxisId="loss"
              dataKey="smooth"
              name="smoothed (EMA 0.9)"
              stroke="var(--accent)"
              strokeWidth={2}
              dot={false}
              isAnimationActive={false}
              connectNulls
            />
            <Line
              yAxisId="lr"
              dataKey="lr"
              name="learning rate"
              stroke="var(--warn)"
              strokeDasharray="4 3"
              strokeWidth={1.2}
              dot={false}
              isAnimationActive={false}
            />
            {evals.length > 0 && (
              <Line
                yAxisId="loss"
                dataKey="evalLoss"
                name="eval loss"
                stroke="var(--role-assistant)"
                strokeWidth={1.5}
                dot={{ r: 3, fill: 'var(--role-assistant)' }}
                isAnimationActive={false}
                connectNulls
              />
            )}
            {bestStep !== null && best !== undefined && (
              <ReferenceLine
                yAxisId="loss"
                x={bestStep}
                stroke="var(--ok)"
                strokeDasharray="3 3"
                ifOverflow="extendDomain"
              />
            )}
            {bestStep !== null && best !== undefined && (
              <ReferenceDot
                yAxisId="loss"
                x={bestStep}
                y={best}
                r={6}
                fill="var(--ok)"
                stroke="var(--surface)"
                strokeWidth={2}
              />
            )}
          </ComposedChart>
        </ResponsiveContainer>
      )}
      {bestStep !== null && best !== undefined && (
        <div className="chart-best small">
          <span className="chart-best-dot" aria-hidden />
          Best eval loss {fmtLoss(best)} at step {bestStep}: its adapter is kept for Try and Export.
        </div>
      )}
    </div>
  );
}
