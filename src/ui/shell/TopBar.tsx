// The top bar: product name, and the facts a user wants at a glance (WebGPU, privacy).
import { useStudio } from '../store/index.ts';

function WebgpuBadge() {
  const webgpu = useStudio((s) => s.ui.webgpu);
  if (webgpu === 'unknown') return <span className="badge">Checking WebGPU…</span>;
  if (webgpu === 'available') {
    return (
      <span className="badge badge-ok" title="Training can run on this machine's GPU">
        <span className="dot" /> WebGPU ready
      </span>
    );
  }
  return (
    <span
      className="badge badge-warn"
      title="Training needs WebGPU (a recent Chrome or Edge). Dataset and token preview work anywhere."
    >
      <span className="dot" /> No WebGPU · preview only
    </span>
  );
}

export function TopBar() {
  return (
    <header className="topbar">
      <div className="brand">
        <img src="/favicon.svg" alt="" width={22} height={22} />
        <span className="brand-name">SFT Studio</span>
        <span className="brand-tag">LoRA fine-tuning in your browser</span>
      </div>
      <div className="topbar-right">
        <WebgpuBadge />
        <span className="badge" title="Nothing is uploaded">
          Local only
        </span>
      </div>
    </header>
  );
}
