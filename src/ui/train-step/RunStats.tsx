// The run's numbers beside the chart: step and epoch, losses, tokens/s, elapsed and ETA, GPU
// memory (current, peak, and the planner's figure), and the run's shape.
import { StatTile } from '../dataset-step/StatTile.tsx';
import { useStudio } from '../store/index.ts';
import { fmtBytes, fmtCount, fmtDuration, fmtLoss, fmtLr } from './format.ts';

export function RunStats() {
  const t = useStudio((s) => s.train);
  const excluded = useStudio((s) => s.dataset.summary?.tokens?.excluded.length ?? 0);
  const m = t.last;
  const info = t.info;
  const smooth = t.points.length ? t.points[t.points.length - 1].smooth : null;
  return (
    <div className="card stats-card" data-testid="train-stats">
      <div className="stats stats-2">
        <StatTile
          label="Step"
          value={info ? `${t.step} / ${t.totalSteps}` : '–'}
          detail={m ? `epoch ${m.epoch.toFixed(2)}` : info ? 'waiting for the first step' : ' '}
        />
        <StatTile
          label="Training loss"
          value={fmtLoss(m?.loss)}
          detail={smooth !== null ? `smoothed ${fmtLoss(smooth)}` : ' '}
        />
        <StatTile
          label="Eval loss"
          value={fmtLoss(t.lastEval)}
          detail={
            info && info.evalExamples > 0
              ? `${info.evalExamples} held-out examples`
              : 'no eval split'
          }
        />
        <StatTile
          label="Learning rate"
          value={m ? fmtLr(m.lr) : '–'}
          detail={m?.gradNorm != null ? `grad norm ${m.gradNorm.toFixed(2)}` : ' '}
        />
        <StatTile
          label="Tokens / s"
          value={m ? fmtCount(Math.round(m.tokensPerSecond)) : '–'}
          detail={
            info
              ? `${info.seqLen} tokens per row · ${Math.round(info.realTokenRatio * 100)}% real`
              : ' '
          }
        />
        <StatTile
          label="Time left"
          value={m ? fmtDuration(m.etaSeconds) : '–'}
          detail={m ? `${fmtDuration(m.elapsedSeconds)} elapsed` : ' '}
        />
        <StatTile
          label="GPU memory"
          value={m ? fmtBytes(m.memory.totalCurrent) : info ? fmtBytes(info.plannedBytes) : '–'}
          detail={m ? `peak ${fmtBytes(m.memory.totalPeak)}` : info ? 'planned' : ' '}
        />
        <StatTile
          label="Checkpoint"
          value={t.lastCheckpoint > 0 ? `step ${t.lastCheckpoint}` : '–'}
          detail={info ? `${fmtCount(info.loraParams)} LoRA params` : ' '}
        />
      </div>
      {info && (
        <p className="run-shape subtle">
          {info.trainExamples} training examples
          {excluded > 0 ? ` (${excluded} excluded: see the Dataset step)` : ''} · effective batch{' '}
          {info.gradAccum * t.settings.microBatch} ({info.gradAccum} × {t.settings.microBatch})
          {info.resumedFrom > 0 ? ` · resumed from step ${info.resumedFrom}` : ''}
        </p>
      )}
      {t.notes.length > 0 && (
        <ul className="run-notes" data-testid="train-notes">
          {t.notes.map((n, i) => (
            <li key={i}>{n}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
