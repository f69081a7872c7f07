// The studio shell: top bar, step rail on the left, the active step's panel on the right.
// Panels stay mounted when hidden so that their state (and their test hooks) survive navigation.
import { useEffect } from 'react';
import { StepRail } from './shell/StepRail.tsx';
import { TopBar } from './shell/TopBar.tsx';
import { kSteps } from './steps.tsx';
import { useStudio } from './store/index.ts';
import { startEngine } from './engineBridge.ts';
import { startDatasetBridge } from './workerBridge.ts';
import './shell/shell.css';

export function App() {
  const step = useStudio((s) => s.ui.step);
  const setWebgpu = useStudio((s) => s.setWebgpu);

  // Both workers' events reach the store from here on (events sent earlier wait in their channel).
  useEffect(() => {
    startDatasetBridge();
    startEngine();
  }, []);

  useEffect(() => {
    const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
    if (!gpu) {
      setWebgpu('unavailable');
      return;
    }
    gpu
      .requestAdapter()
      .then((a) => setWebgpu(a ? 'available' : 'unavailable'))
      .catch(() => setWebgpu('unavailable'));
  }, [setWebgpu]);

  return (
    <div className="app">
      <TopBar />
      <div className="app-body">
        <StepRail />
        <main className="app-main">
          {kSteps.map(({ id, Panel }) => (
            <section
              key={id}
              className="panel"
              hidden={id !== step}
              aria-label={id}
              data-testid={`panel-${id}`}
            >
              <Panel />
            </section>
          ))}
        </main>
      </div>
    </div>
  );
}
