// The report's curation part: the quality flags counted over the kept rows, and what the set
// covers (the diversity chart), side by side under the token and turn charts.
import { FlagCounts } from './FlagChips.tsx';
import { DiversityChart } from './DiversityChart.tsx';

export function QualityReport() {
  return (
    <div className="quality-report">
      <FlagCounts />
      <DiversityChart />
    </div>
  );
}
