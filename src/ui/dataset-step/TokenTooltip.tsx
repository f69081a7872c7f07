// The hover card for one token: position, id, exact text with whitespace made visible, role and
// label (the token id when trained, -100 when masked), and in the loss heat view the token's loss
// under the base and the tuned model.
import type { ExampleDetail } from '../../worker/protocol.ts';

/** Shows spaces, newlines and tabs as visible marks. */
export function visibleWhitespace(text: string): string {
  return text.replace(/ /g, '·').replace(/\n/g, '↵').replace(/\t/g, '⇥').replace(/\r/g, '␍');
}

export interface HoverState {
  index: number;
  x: number;
  y: number;
}

/** The loss heat view's numbers: the value each chip is colored by, and both models' losses. */
export interface TokenHeat {
  values: (number | null)[];
  base: (number | null)[];
  tuned: (number | null)[];
}

const fmt = (v: number | null | undefined) => (v == null ? '–' : v.toFixed(3));

export function TokenTooltip({
  detail,
  hover,
  heat = null,
}: {
  detail: ExampleDetail;
  hover: HoverState;
  heat?: TokenHeat | null;
}) {
  const i = hover.index;
  const id = detail.inputIds[i];
  const label = detail.labels[i];
  const trained = label !== -100;
  const piece = detail.pieces[i];
  const left = Math.min(hover.x, window.innerWidth - 280);
  const b = heat?.base[i] ?? null;
  const t = heat?.tuned[i] ?? null;
  const delta = b !== null && t !== null ? t - b : null;
  return (
    <div className="tok-tip" style={{ left, top: hover.y }} role="tooltip">
      <div className="tok-tip-text">
        {detail.partial[i] ? (
          <span className="subtle">part of a multi-byte character (see next token)</span>
        ) : (
          <code>{visibleWhitespace(piece) || '∅'}</code>
        )}
      </div>
      <dl>
        <dt>Token</dt>
        <dd className="num">
          #{i} · id {id}
        </dd>
        <dt>Role</dt>
        <dd>{detail.roles[i]}</dd>
        <dt>Label</dt>
        <dd className="num">
          {label}{' '}
          <span className={trained ? 'tip-trained' : 'subtle'}>
            {trained ? 'trained' : 'masked'}
          </span>
        </dd>
        {heat && trained && (
          <>
            <dt>Loss</dt>
            <dd className="num">
              base {fmt(heat.base[i])} · tuned {fmt(heat.tuned[i])}
              {delta !== null && <> · Δ {delta.toFixed(3)}</>}
            </dd>
          </>
        )}
      </dl>
    </div>
  );
}
