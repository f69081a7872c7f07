// The loss heat view's controls above the token preview, once an adapter is trained: measure this
// example's per-token losses with the base and the tuned model, then color the trained tokens by
// the tuned loss, the base loss, or their difference (green where tuning lowered the loss), with
// the mean over the trained tokens of each (HeatChips: the chips so colored).
import { useMemo } from 'react';
import type { ExampleDetail } from '../../worker/protocol.ts';
import { requestTokenLosses } from '../evalBridge.ts';
import { useStudio, useStudioShallow } from '../store/index.ts';
import { heatValues, meanOf, type HeatMode } from './lossHeat.ts';
import { TokenChips } from './TokenChips.tsx';

const kModes: { mode: HeatMode; label: string }[] = [
  { mode: 'tuned', label: 'Tuned loss' },
  { mode: 'base', label: 'Base loss' },
  { mode: 'diff', label: 'Tuned − base' },
];

export function LossHeatBar({ detail }: { detail: ExampleDetail }) {
  const { loss, trainState, setMode, setShown } = useStudioShallow((s) => ({
    loss: s.tokenLoss,
    trainState: s.train.state,
    setMode: s.setLossMode,
    setShown: s.setLossShown,
  }));
  const trained = trainState === 'done' || trainState === 'stopped' || trainState === 'paused';
  if (!trained) return null;
  const mine = loss.line === detail.line;
  const ready = mine && loss.status === 'ready';
  const on = ready && loss.shown;
  return (
    <div className="loss-heat-bar" data-testid="token-loss-bar">
      <button
        type="button"
        className="btn btn-sm"
        data-testid="token-loss-run"
        disabled={mine && loss.status === 'running'}
        onClick={() => (ready ? setShown(!loss.shown) : requestTokenLosses(detail))}
      >
        {mine && loss.status === 'running'
          ? 'Measuring…'
          : on
            ? 'Hide loss per token'
            : ready
              ? 'Show loss per token'
              : 'Loss per token (base vs tuned)'}
      </button>
      {on && (
        <>
          <div className="segmented" role="group" aria-label="Color tokens by">
            {kModes.map((m) => (
              <button
                key={m.mode}
                type="button"
                data-testid={`token-loss-mode-${m.mode}`}
                aria-pressed={loss.mode === m.mode}
                onClick={() => setMode(m.mode)}
              >
                {m.label}
              </button>
            ))}
          </div>
          <span
            className="subtle small num"
            data-testid="token-loss-means"
            data-base={meanOf(loss.base)}
            data-tuned={meanOf(loss.tuned)}
          >
            mean over trained tokens: base {meanOf(loss.base).toFixed(3)}, tuned{' '}
            {meanOf(loss.tuned).toFixed(3)} nats
          </span>
        </>
      )}
      {mine && loss.status === 'failed' && loss.failure && (
        <span className="small warn-text">
          {loss.failure.message}. {loss.failure.hint}
        </span>
      )}
    </div>
  );
}

/** The token chips, colored by loss while the heat view is on for this example. */
export function HeatChips({ detail }: { detail: ExampleDetail }) {
  const loss = useStudio((s) => s.tokenLoss);
  const on = loss.line === detail.line && loss.status === 'ready' && loss.shown;
  const heat = useMemo(
    () =>
      on
        ? {
            mode: loss.mode,
            values: heatValues(loss.base, loss.tuned, loss.mode),
            base: loss.base,
            tuned: loss.tuned,
          }
        : null,
    [on, loss.mode, loss.base, loss.tuned],
  );
  return <TokenChips detail={detail} heat={heat} />;
}
