// Small display helpers shared by the panels.
import type { DatasetFormat } from '../worker/protocol.ts';

export function fmtInt(n: number): string {
  return n.toLocaleString('en-US');
}

export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function fmtPct(part: number, whole: number): string {
  if (whole === 0) return '0%';
  const p = (100 * part) / whole;
  return `${p < 10 ? p.toFixed(1) : Math.round(p)}%`;
}

export const kFormatLabel: Record<DatasetFormat, string> = {
  messages: 'messages',
  alpaca: 'Alpaca',
  prompt_completion: 'prompt/completion',
  sharegpt: 'ShareGPT',
  text: 'plain text',
};
