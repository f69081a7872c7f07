// The prompt set's summary metrics, base next to tuned, as the engine worker computed them with
// src/data/metrics.ts (the module `sft-studio compare` uses): sacreBLEU corpus BLEU, mean ROUGE-L
// F1 and exact match (only when every answered prompt has a reference), mean answer length in
// tokens, and the stop rate (share of answers that ended their turn before the token limit).
import type { GenerationSummary } from '../../worker/engineProtocol.ts';
import { useStudio } from '../store/index.ts';

interface Metric {
  name: string;
  hint: string;
  value: (s: GenerationSummary) => string;
  /** Compare numerically (higher is better) to mark the better model. */
  num?: (s: GenerationSummary) => number;
  refs: boolean;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

const kMetrics: Metric[] = [
  {
    name: 'BLEU',
    hint: 'sacreBLEU corpus BLEU, 0-100',
    value: (s) => s.bleu.toFixed(2),
    num: (s) => s.bleu,
    refs: true,
  },
  {
    name: 'ROUGE-L',
    hint: 'mean LCS F1 against the reference',
    value: (s) => s.rougeL.toFixed(4),
    num: (s) => s.rougeL,
    refs: true,
  },
  {
    name: 'Exact match',
    hint: 'after Unicode normalization and whitespace collapsing',
    value: (s) => pct(s.exact),
    num: (s) => s.exact,
    refs: true,
  },
  {
    name: 'Stop rate',
    hint: 'answers that ended their turn before the token limit',
    value: (s) => pct(s.stopped),
    num: (s) => s.stopped,
    refs: false,
  },
  {
    name: 'Mean length',
    hint: 'generated tokens per answer',
    value: (s) => `${s.meanLength.toFixed(1)} tok`,
    refs: false,
  },
];

export function SetSummaryView() {
  const summary = useStudio((s) => s.promptSet.summary);
  if (!summary) return null;
  const refs = summary.examples > 0 && summary.withReference === summary.examples;
  return (
    <table
      className="set-summary"
      data-testid="try-set-summary"
      data-examples={summary.examples}
      data-base-rouge={summary.base.rougeL}
      data-tuned-rouge={summary.tuned.rougeL}
      data-base-stop={summary.base.stopped}
      data-tuned-stop={summary.tuned.stopped}
    >
      <thead>
        <tr>
          <th>{summary.examples} prompts</th>
          <th className="num">Base</th>
          <th className="num">Tuned</th>
        </tr>
      </thead>
      <tbody>
        {kMetrics
          .filter((m) => refs || !m.refs)
          .map((m) => {
            const better = m.num && m.num(summary.tuned) > m.num(summary.base);
            return (
              <tr key={m.name}>
                <th title={m.hint}>{m.name}</th>
                <td className="num">{m.value(summary.base)}</td>
                <td className={`num${better ? ' set-better' : ''}`}>{m.value(summary.tuned)}</td>
              </tr>
            );
          })}
      </tbody>
    </table>
  );
}
