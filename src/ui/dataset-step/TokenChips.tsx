// The rendered conversation as token chips: colored by role, trained tokens solid and underlined,
// masked ones faded and hatched; after training, optionally colored by loss instead (the loss heat
// view: `heat` holds each token's value, lossHeat.ts its color). Newlines break the flow so the
// text reads like the template. One hover handler on the container (event delegation) keeps
// thousands of chips cheap.
import { memo, useState, type MouseEvent, type ReactNode } from 'react';
import type { ExampleDetail } from '../../worker/protocol.ts';
import { heatColor, type HeatMode } from './lossHeat.ts';
import { TokenTooltip, type HoverState, type TokenHeat } from './TokenTooltip.tsx';

function chipText(piece: string): string {
  return piece.replace(/\n/g, '↵').replace(/\t/g, '⇥').replace(/\r/g, '');
}

const Chips = memo(function Chips({
  detail,
  heat,
}: {
  detail: ExampleDetail;
  heat: (TokenHeat & { mode: HeatMode }) | null;
}) {
  const out: ReactNode[] = [];
  for (let i = 0; i < detail.inputIds.length; i++) {
    const piece = detail.pieces[i];
    const trained = detail.labels[i] !== -100;
    const v = heat?.values[i] ?? null;
    out.push(
      <span
        key={i}
        className={`tok${detail.partial[i] ? ' tok-partial' : ''}${heat ? ' tok-heat' : ''}`}
        data-i={i}
        data-role={detail.roles[i]}
        data-trained={trained ? 'true' : 'false'}
        data-text={piece}
        data-loss={v ?? undefined}
        style={heat && v !== null ? { background: heatColor(v, heat.mode) } : undefined}
      >
        {detail.partial[i] ? '\u00a0' : chipText(piece)}
      </span>,
    );
    const breaks = Math.min(2, piece.split('\n').length - 1);
    for (let b = 0; b < breaks; b++) out.push(<br key={`${i}-br${b}`} />);
  }
  return <>{out}</>;
});

export function TokenChips({
  detail,
  heat = null,
}: {
  detail: ExampleDetail;
  /** Color by loss: the values shown and the base and tuned losses, per token. */
  heat?: (TokenHeat & { mode: HeatMode }) | null;
}) {
  const [hover, setHover] = useState<HoverState | null>(null);
  const onOver = (e: MouseEvent<HTMLDivElement>) => {
    const el = (e.target as HTMLElement).closest<HTMLElement>('.tok');
    if (!el) return;
    const r = el.getBoundingClientRect();
    setHover({ index: Number(el.dataset.i), x: r.left, y: r.bottom + 6 });
  };
  return (
    <div
      className="tokens"
      data-testid="token-preview"
      data-line={detail.line}
      data-heat={heat?.mode ?? ''}
      onMouseOver={onOver}
      onMouseLeave={() => setHover(null)}
    >
      <Chips detail={detail} heat={heat} />
      {hover && hover.index < detail.inputIds.length && (
        <TokenTooltip detail={detail} hover={hover} heat={heat} />
      )}
    </div>
  );
}
