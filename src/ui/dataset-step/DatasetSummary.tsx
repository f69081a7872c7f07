// The dataset report: counts, formats, turns, duplicates, empty answers, token lengths,
// truncation and exclusions. Every count is plain text (the `dataset-summary` hook reads it).
import type { DatasetSummary as Summary } from '../../worker/protocol.ts';
import { fmtBytes, fmtInt, fmtPct, kFormatLabel } from '../format.ts';
import { useStudio } from '../store/index.ts';
import { LengthHistogram } from './LengthHistogram.tsx';
import { QualityReport } from './QualityReport.tsx';
import { ReadingLine } from './ReadingLine.tsx';
import { StatTile } from './StatTile.tsx';

function FormatsLine({ summary }: { summary: Summary }) {
  const entries = Object.entries(summary.formats) as [keyof typeof kFormatLabel, number][];
  return (
    <div className="formats">
      {entries.map(([f, n]) => (
        <span key={f} className="badge" data-format={f}>
          {kFormatLabel[f]} <span className="num">{fmtInt(n)}</span>
        </span>
      ))}
    </div>
  );
}

function TurnsBars({ summary }: { summary: Summary }) {
  const max = Math.max(1, ...summary.turns.histogram.map((b) => b.count));
  return (
    <div className="turns">
      {summary.turns.histogram.slice(0, 10).map((b) => (
        <div key={b.start} className="turns-row">
          <span className="num turns-k">{b.start}</span>
          <span className="turns-bar">
            <span style={{ width: `${(100 * b.count) / max}%` }} />
          </span>
          <span className="num turns-n">{fmtInt(b.count)}</span>
        </div>
      ))}
    </div>
  );
}

export function DatasetSummary() {
  const summary = useStudio((s) => s.dataset.summary);
  const tokenizerReady = useStudio((s) => s.model.tokenizer.status === 'ready');
  if (!summary) return null;
  const t = summary.tokens;
  const totalTokens = t ? t.totalTokens : 0;
  return (
    <section
      className="card summary"
      data-testid="dataset-summary"
      data-valid={summary.validExamples}
      data-errors={summary.errorLines}
      data-lines={summary.totalLines}
      data-duplicates={summary.duplicates}
      data-empty-answers={summary.emptyAnswers}
    >
      <div className="card-head">
        <div>
          <h2>Report</h2>
          <p>
            <code>{summary.name}</code> · {fmtBytes(summary.bytes)} · {fmtInt(summary.totalLines)}{' '}
            non-blank lines
          </p>
        </div>
        <FormatsLine summary={summary} />
      </div>
      <ReadingLine />
      {t && t.counted < summary.validExamples && (
        <div className="callout summary-callout" data-testid="partial-stats">
          <span>
            <span className="spinner" aria-hidden /> Token statistics so far: {fmtInt(t.counted)} of{' '}
            {fmtInt(summary.validExamples)} examples tokenized. They update as tokenizing goes on.
          </span>
        </div>
      )}
      {summary.mixedFormats && (
        <div className="callout callout-warn summary-callout">
          <span>
            <strong>Mixed formats.</strong> This file mixes {Object.keys(summary.formats).length}{' '}
            formats; each line is converted on its own, but a mix is often a sign of two datasets
            concatenated by mistake.
          </span>
        </div>
      )}
      <div className="stats">
        <StatTile
          label="Valid examples"
          value={fmtInt(summary.validExamples)}
          detail={`of ${fmtInt(summary.totalLines)} lines`}
          testId="stat-valid"
        />
        <StatTile
          label="Bad lines"
          value={fmtInt(summary.errorLines)}
          detail={summary.errorLines ? 'listed below, with line numbers' : 'none'}
          tone={summary.errorLines ? 'danger' : 'plain'}
          testId="stat-errors"
        />
        <StatTile
          label="Turns per example"
          value={summary.turns.mean.toFixed(1)}
          detail={`min ${summary.turns.min} · max ${summary.turns.max}`}
        />
        <StatTile
          label="Duplicates"
          value={fmtInt(summary.duplicates)}
          detail="exact repeats of an earlier line"
          tone={summary.duplicates ? 'warn' : 'plain'}
          testId="stat-duplicates"
        />
        <StatTile
          label="Empty answers"
          value={fmtInt(summary.emptyAnswers)}
          detail="assistant turn blank"
          tone={summary.emptyAnswers ? 'warn' : 'plain'}
          testId="stat-empty"
        />
        {t ? (
          <>
            <StatTile
              label="Trained tokens"
              value={fmtInt(t.trainedTokens)}
              detail={`${fmtPct(t.trainedTokens, totalTokens)} of ${fmtInt(totalTokens)} tokens`}
              tone="ok"
              testId="stat-trained"
            />
            <StatTile
              label={`Over ${fmtInt(t.maxLength)} tokens`}
              value={fmtInt(t.overMaxLength)}
              detail={`${fmtInt(t.truncatedTrainedTokens)} trained tokens lost`}
              tone={t.overMaxLength ? 'warn' : 'plain'}
              testId="stat-over"
            />
            <StatTile
              label="Excluded"
              value={fmtInt(t.excluded.length)}
              detail="not trained: listed below"
              tone={t.excluded.length ? 'warn' : 'plain'}
              testId="stat-excluded"
            />
          </>
        ) : (
          <StatTile
            label="Tokens"
            value="—"
            detail={tokenizerReady ? 'tokenizing…' : 'load a tokenizer to count'}
          />
        )}
      </div>
      <div className="summary-charts">
        <div className="summary-chart">
          <h3>
            Token length
            {t && (
              <span className="subtle num">
                {' '}
                median {fmtInt(t.median)} · p95 {fmtInt(t.p95)} · max {fmtInt(t.maxSeen)}
              </span>
            )}
          </h3>
          {t ? (
            <LengthHistogram stats={t} />
          ) : (
            <div className="chart-empty subtle">
              The length histogram appears once a tokenizer is loaded.
            </div>
          )}
        </div>
        <div className="summary-chart">
          <h3>Messages per example</h3>
          <TurnsBars summary={summary} />
          {t && t.excluded.length > 0 && (
            <div className="excluded">
              <h3>Excluded from training</h3>
              <ul>
                {t.excluded.slice(0, 8).map((e) => (
                  <li key={e.line}>
                    <span className="line-ref">Line {e.line}</span> {e.reason}
                  </li>
                ))}
              </ul>
              {t.excluded.length > 8 && (
                <p className="subtle">and {fmtInt(t.excluded.length - 8)} more (filter below)</p>
              )}
            </div>
          )}
        </div>
      </div>
      <QualityReport />
    </section>
  );
}
