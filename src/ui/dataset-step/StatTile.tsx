// One number with its label and a line of context.
import type { ReactNode } from 'react';

export function StatTile({
  label,
  value,
  detail,
  tone = 'plain',
  testId,
}: {
  label: string;
  value: ReactNode;
  detail?: ReactNode;
  tone?: 'plain' | 'warn' | 'danger' | 'ok';
  testId?: string;
}) {
  return (
    <div className={`stat tone-${tone}`} data-testid={testId}>
      <span className="stat-label">{label}</span>
      <span className="stat-value num">{value}</span>
      {detail !== undefined && <span className="stat-detail">{detail}</span>}
    </div>
  );
}
