// Placeholder for a step that is not built yet: says plainly what it will do.
export function ComingNext({
  title,
  lead,
  points,
}: {
  title: string;
  lead: string;
  points: string[];
}) {
  return (
    <div className="coming">
      <div className="panel-head">
        <div>
          <h1>
            {title} <span className="badge badge-accent">Coming next</span>
          </h1>
          <p className="muted">{lead}</p>
        </div>
      </div>
      <div className="card card-body coming-body">
        <h3>What this step will do</h3>
        <ul>
          {points.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      </div>
    </div>
  );
}
